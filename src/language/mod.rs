//! Language detection for short, code-mixed chat messages.
//!
//! Evidence is combined, not cascaded: the writing system settles Thai, Korean, Japanese, Chinese
//! and Arabic at once; for Latin-script text a lexicon of chat words (extended at start-up with the
//! vocabulary of the knowledge base), language-specific letters and whatlang's trigram model each
//! add to a per-language score, and what else is known about the viewer (the conversation so far,
//! the platform locale, the room's default, the market) adds a prior that decides only when the
//! text itself is ambiguous. The result names the signal that decided, so a wrong reply language
//! can be traced.

mod lexicon;

use std::fmt;
use std::str::FromStr;

pub use lexicon::Lexicon;

use crate::text;

/// A language livedesk can answer in. Parsing a tag (`"pt"`, `"pt-BR"`, `"PT_br"`) is the only
/// way to get one, so inside the pipeline a `Lang` is always a supported, known language.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum Lang {
    En,
    Zh,
    Es,
    Pt,
    Id,
    Ms,
    Th,
    Vi,
    Tl,
    Ar,
    Fr,
    De,
    It,
    Nl,
    Ja,
    Ko,
}

impl Lang {
    /// Every language livedesk has resources for, in the order of the default configuration.
    pub const ALL: [Lang; 16] = [
        Lang::En,
        Lang::Zh,
        Lang::Es,
        Lang::Pt,
        Lang::Id,
        Lang::Ms,
        Lang::Th,
        Lang::Vi,
        Lang::Tl,
        Lang::Ar,
        Lang::Fr,
        Lang::De,
        Lang::It,
        Lang::Nl,
        Lang::Ja,
        Lang::Ko,
    ];

    /// The ISO 639-1 code.
    pub fn code(self) -> &'static str {
        match self {
            Lang::En => "en",
            Lang::Zh => "zh",
            Lang::Es => "es",
            Lang::Pt => "pt",
            Lang::Id => "id",
            Lang::Ms => "ms",
            Lang::Th => "th",
            Lang::Vi => "vi",
            Lang::Tl => "tl",
            Lang::Ar => "ar",
            Lang::Fr => "fr",
            Lang::De => "de",
            Lang::It => "it",
            Lang::Nl => "nl",
            Lang::Ja => "ja",
            Lang::Ko => "ko",
        }
    }

    /// The English name, for reports and prompts.
    pub fn name(self) -> &'static str {
        match self {
            Lang::En => "English",
            Lang::Zh => "Simplified Chinese",
            Lang::Es => "Spanish",
            Lang::Pt => "Brazilian Portuguese",
            Lang::Id => "Indonesian",
            Lang::Ms => "Malay",
            Lang::Th => "Thai",
            Lang::Vi => "Vietnamese",
            Lang::Tl => "Filipino (Tagalog)",
            Lang::Ar => "Arabic",
            Lang::Fr => "French",
            Lang::De => "German",
            Lang::It => "Italian",
            Lang::Nl => "Dutch",
            Lang::Ja => "Japanese",
            Lang::Ko => "Korean",
        }
    }

    fn index(self) -> usize {
        self as usize
    }

    fn is_latin(self) -> bool {
        !matches!(self, Lang::Zh | Lang::Th | Lang::Ar | Lang::Ja | Lang::Ko)
    }

    fn whatlang(self) -> Option<whatlang::Lang> {
        use whatlang::Lang as W;
        Some(match self {
            Lang::En => W::Eng,
            Lang::Zh => W::Cmn,
            Lang::Es => W::Spa,
            Lang::Pt => W::Por,
            Lang::Id => W::Ind,
            Lang::Ms => return None,
            Lang::Th => W::Tha,
            Lang::Vi => W::Vie,
            Lang::Tl => W::Tgl,
            Lang::Ar => W::Ara,
            Lang::Fr => W::Fra,
            Lang::De => W::Deu,
            Lang::It => W::Ita,
            Lang::Nl => W::Nld,
            Lang::Ja => W::Jpn,
            Lang::Ko => W::Kor,
        })
    }
}

impl fmt::Display for Lang {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.code())
    }
}

/// The text was not a language tag livedesk knows.
#[derive(Debug, thiserror::Error)]
#[error("unknown or unsupported language tag {0:?}")]
pub struct UnknownLanguage(pub String);

impl FromStr for Lang {
    type Err = UnknownLanguage;

    /// Accepts an ISO 639-1 code or a BCP-47 / POSIX locale whose primary subtag is one
    /// (`pt-BR`, `zh_Hans_CN`, `fil` for Filipino, `in` the legacy Indonesian code).
    fn from_str(tag: &str) -> Result<Self, Self::Err> {
        let primary = tag
            .split(['-', '_', '.', '@'])
            .next()
            .unwrap_or("")
            .to_ascii_lowercase();
        let lang = match primary.as_str() {
            "en" => Lang::En,
            "zh" => Lang::Zh,
            "es" => Lang::Es,
            "pt" => Lang::Pt,
            "id" | "in" => Lang::Id,
            "ms" => Lang::Ms,
            "th" => Lang::Th,
            "vi" => Lang::Vi,
            "tl" | "fil" => Lang::Tl,
            "ar" => Lang::Ar,
            "fr" => Lang::Fr,
            "de" => Lang::De,
            "it" => Lang::It,
            "nl" => Lang::Nl,
            "ja" => Lang::Ja,
            "ko" => Lang::Ko,
            _ => return Err(UnknownLanguage(tag.to_string())),
        };
        Ok(lang)
    }
}

/// Which piece of evidence settled the language.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Signal {
    /// The writing system alone (Thai, Hangul, kana, Han, Arabic).
    Script,
    /// The words and letters of the text (lexicon, letters, whatlang).
    Detector,
    /// The language the conversation has used so far.
    Conversation,
    /// The viewer's platform locale.
    Locale,
    /// The room's or channel's default, or the configured fallback.
    Default,
}

impl Signal {
    pub fn as_str(self) -> &'static str {
        match self {
            Signal::Script => "script",
            Signal::Detector => "detector",
            Signal::Conversation => "conversation",
            Signal::Locale => "locale",
            Signal::Default => "default",
        }
    }
}

/// What else is known about the viewer when a message arrives.
#[derive(Debug, Clone, Default)]
pub struct Priors {
    /// The language of this conversation's earlier messages.
    pub conversation: Option<Lang>,
    /// The viewer's platform locale.
    pub locale: Option<Lang>,
    /// The room's or channel's default language.
    pub room: Option<Lang>,
    /// The languages spoken in the viewer's market, most common first.
    pub market: Vec<Lang>,
}

/// The outcome of detection.
#[derive(Debug, Clone, PartialEq)]
pub struct Detection {
    /// The language to reply in: the detected language when supported, else the fallback.
    pub language: Lang,
    /// How sure the detector is, 0 to 1.
    pub confidence: f32,
    /// What decided.
    pub signal: Signal,
    /// When the viewer wrote in a language livedesk does not support, its ISO 639 code.
    pub unsupported: Option<&'static str>,
}

/// Weights of the evidence, tuned on the eval set's development split; each is in units of
/// "one language-specific word".
const WEIGHT_CONVERSATION: f32 = 0.9;
const WEIGHT_LOCALE: f32 = 0.7;
const WEIGHT_ROOM: f32 = 0.4;
const WEIGHT_MARKET: f32 = 0.3;
const WEIGHT_WHATLANG: f32 = 1.6;
const WEIGHT_LETTER: f32 = 1.2;
/// Below this much text evidence for any language, the priors decide.
const WEAK_EVIDENCE: f32 = 0.5;

/// Characters written only in simplified Chinese (Japanese uses other forms or none): sentence
/// particles and common simplified shopping words.
const SIMPLIFIED_ONLY: &str =
    "吗呢吧么们这几个没还货运费发邮寄给让说对时间问题钱块买卖样哪怎啥够单号码链接退换亲够现优惠";

fn has_simplified_chinese(text: &str) -> bool {
    text.chars().any(|c| SIMPLIFIED_ONLY.contains(c))
}

/// The detector: configured languages, the fallback, and the lexicon.
pub struct LanguageDetector {
    supported: Vec<Lang>,
    fallback: Lang,
    lexicon: Lexicon,
    whatlang: whatlang::Detector,
}

impl LanguageDetector {
    /// A detector for `supported` languages (the fallback must be one of them).
    pub fn new(supported: Vec<Lang>, fallback: Lang, lexicon: Lexicon) -> Self {
        let allow: Vec<whatlang::Lang> = supported.iter().filter_map(|l| l.whatlang()).collect();
        let whatlang = if allow.is_empty() {
            whatlang::Detector::new()
        } else {
            whatlang::Detector::with_allowlist(allow)
        };
        Self {
            supported,
            fallback,
            lexicon,
            whatlang,
        }
    }

    pub fn supported(&self) -> &[Lang] {
        &self.supported
    }

    pub fn fallback(&self) -> Lang {
        self.fallback
    }

    fn is_supported(&self, lang: Lang) -> bool {
        self.supported.contains(&lang)
    }

    /// Detects the language of `text`, leaning on `priors` where the text is ambiguous.
    pub fn detect(&self, text: &str, priors: &Priors) -> Detection {
        let scripts = ScriptCounts::of(text);
        if scripts.letters == 0 && !text.chars().any(|c| c.is_ascii_digit()) {
            return self.by_priors(priors, 0.0);
        }
        if let Some(detection) = self.by_script(text, &scripts, priors) {
            return detection;
        }
        self.latin(text, priors)
    }

    /// No words to go on: the priors decide, in order of how much they say about this viewer.
    fn by_priors(&self, priors: &Priors, confidence: f32) -> Detection {
        let candidates = [
            (priors.conversation, Signal::Conversation),
            (priors.locale, Signal::Locale),
            (priors.room, Signal::Default),
            (priors.market.first().copied(), Signal::Default),
        ];
        for (lang, signal) in candidates {
            if let Some(lang) = lang.filter(|l| self.is_supported(*l)) {
                return Detection {
                    language: lang,
                    confidence,
                    signal,
                    unsupported: None,
                };
            }
        }
        Detection {
            language: self.fallback,
            confidence,
            signal: Signal::Default,
            unsupported: None,
        }
    }

    fn by_script(&self, text: &str, s: &ScriptCounts, priors: &Priors) -> Option<Detection> {
        // A non-Latin script in a chat message means the viewer writes in it; the Latin words
        // beside it are brand names or English chat words ("paypal ok吗", "ship ไป กทม ไหม").
        // Only a stray character inside a long Latin sentence does not count.
        let significant = |n: usize| n >= 1 && (n * 2 >= s.latin_words || n >= 3);
        // Han alone cannot tell Chinese from kanji-only Japanese: characters that only
        // simplified Chinese uses can, and failing those, what we know of the viewer's own
        // language (not their market: a Chinese speaker may live in Japan).
        let japanese_prior =
            [priors.conversation, priors.locale, priors.room].contains(&Some(Lang::Ja));
        let lang = if significant(s.hangul) {
            Some(Lang::Ko)
        } else if significant(s.kana) {
            Some(Lang::Ja)
        } else if significant(s.han) {
            Some(if japanese_prior && !has_simplified_chinese(text) {
                Lang::Ja
            } else {
                Lang::Zh
            })
        } else if significant(s.thai) {
            Some(Lang::Th)
        } else if significant(s.arabic) {
            // Letters Persian and Urdu add to the Arabic script: not Arabic.
            if let Some(code) = arabic_script_other(text) {
                return Some(self.unsupported(code));
            }
            Some(Lang::Ar)
        } else {
            None
        };
        if let Some(lang) = lang {
            if self.is_supported(lang) {
                return Some(Detection {
                    language: lang,
                    confidence: 0.99,
                    signal: Signal::Script,
                    unsupported: None,
                });
            }
            return Some(self.unsupported(lang.code()));
        }
        if s.other > s.latin {
            return Some(self.unsupported(s.other_code));
        }
        None
    }

    fn unsupported(&self, code: &'static str) -> Detection {
        Detection {
            language: self.fallback,
            confidence: 0.9,
            signal: Signal::Script,
            unsupported: Some(code),
        }
    }

    fn latin(&self, text: &str, priors: &Priors) -> Detection {
        let folded = text::fold(text);
        let words = text::words(&folded);
        let mut evidence = [0.0f32; 16];

        let mut matched_words = 0usize;
        for word in &words {
            let squeezed = text::squeeze(word);
            // Numbers say nothing about language, except the ones a language laughs with
            // ("555" in Thai), which the lexicon knows as repeated units.
            let hit = self
                .lexicon
                .languages(word)
                .or_else(|| self.lexicon.languages(&squeezed));
            if let Some(shares) = hit {
                for (e, share) in evidence.iter_mut().zip(shares) {
                    *e += share;
                }
                matched_words += 1;
            }
        }

        for (lang, weight) in letter_evidence(text) {
            evidence[lang.index()] += weight * WEIGHT_LETTER;
        }

        // whatlang's trigram model is reliable on sentences and noisy on two words: its weight
        // grows with the number of words.
        if let Some(info) = self.whatlang.detect(text) {
            let length_factor = (words.len() as f32 / 5.0).min(1.0);
            let weight = WEIGHT_WHATLANG * info.confidence() as f32 * length_factor;
            for lang in Lang::ALL {
                if lang.whatlang() == Some(info.lang()) {
                    evidence[lang.index()] += weight;
                }
            }
            // whatlang has no Malay: its Indonesian is evidence for both.
            if info.lang() == whatlang::Lang::Ind {
                evidence[Lang::Ms.index()] += weight * 0.8;
            }
        }

        if let Some(code) = self.unsupported_latin(text, &words, matched_words, priors) {
            return self.unsupported(code);
        }
        // A message with almost no evidence (a brand name, "ok", "😍 cute") says little about
        // its language: what is known of the viewer says more, whatever script their language
        // uses ("shopeepay?" from a Thai viewer is answered in Thai).
        let strongest = evidence.iter().copied().fold(0.0f32, f32::max);
        let has_prior = priors.conversation.is_some()
            || priors.locale.is_some()
            || priors.room.is_some()
            || !priors.market.is_empty();
        if strongest < WEAK_EVIDENCE && has_prior {
            return self.by_priors(priors, strongest.min(0.5));
        }

        let mut scores = evidence;
        let mut add_prior = |lang: Option<Lang>, weight: f32| {
            if let Some(lang) = lang {
                scores[lang.index()] += weight;
            }
        };
        add_prior(priors.conversation, WEIGHT_CONVERSATION);
        add_prior(priors.locale, WEIGHT_LOCALE);
        add_prior(priors.room, WEIGHT_ROOM);
        for (rank, lang) in priors.market.iter().enumerate() {
            add_prior(Some(*lang), WEIGHT_MARKET / (rank + 1) as f32);
        }

        // Latin-script languages compete, and so does any language the words themselves point
        // to ("555" is Thai laughter).
        let candidates: Vec<Lang> = self
            .supported
            .iter()
            .copied()
            .filter(|l| l.is_latin() || evidence[l.index()] > 0.0)
            .collect();
        let best_of = |s: &[f32; 16]| {
            let mut ranked: Vec<(Lang, f32)> =
                candidates.iter().map(|l| (*l, s[l.index()])).collect();
            ranked.sort_by(|a, b| b.1.total_cmp(&a.1).then(a.0.cmp(&b.0)));
            ranked
        };
        let ranked = best_of(&scores);
        let Some(&(best, best_score)) = ranked.first() else {
            return self.by_priors(priors, 0.0);
        };
        let second = ranked.get(1).map_or(0.0, |r| r.1);
        if best_score <= 0.0 {
            return self.by_priors(priors, 0.0);
        }
        let confidence = ((best_score - second) / best_score).clamp(0.0, 1.0) * 0.5
            + (best_score / (best_score + 1.0)) * 0.5;

        // Which signal decided: the text, unless the text alone would have chosen otherwise
        // (or nothing) and a prior tipped it.
        let by_text = best_of(&evidence);
        let text_choice = by_text.first().filter(|r| r.1 > 0.0).map(|r| r.0);
        let signal =
            if text_choice == Some(best) && by_text[0].1 > by_text.get(1).map_or(0.0, |r| r.1) {
                Signal::Detector
            } else if priors.conversation == Some(best) {
                Signal::Conversation
            } else if priors.locale == Some(best) {
                Signal::Locale
            } else if priors.room == Some(best) || priors.market.contains(&best) {
                Signal::Default
            } else {
                Signal::Detector
            };
        Detection {
            language: best,
            confidence,
            signal,
            unsupported: None,
        }
    }

    /// Latin-script text in a language livedesk does not serve (Turkish, Polish, ...): when it
    /// has letters only such a language writes; when three or more words include none of any
    /// supported language and nothing known of the viewer says otherwise; or when a
    /// sentence-length text has almost no supported word and whatlang is sure of another language.
    fn unsupported_latin(
        &self,
        text: &str,
        words: &[&str],
        matched: usize,
        priors: &Priors,
    ) -> Option<&'static str> {
        if let Some(code) = unique_letters(text) {
            return Some(code);
        }
        let supported_prior = [priors.conversation, priors.locale, priors.room]
            .iter()
            .any(|p| p.is_some_and(|l| self.is_supported(l)));
        let content_words = words
            .iter()
            .filter(|w| !w.chars().all(|c| c.is_ascii_digit()))
            .count();
        if content_words >= 3 && matched == 0 && !supported_prior {
            return Some(
                whatlang::detect(text)
                    .and_then(|info| unsupported_code(info.lang()))
                    .unwrap_or("und"),
            );
        }
        let info = whatlang::detect(text)?;
        let code = unsupported_code(info.lang())?;
        let unknown_words = words.len() >= 4 && (matched as f32) < words.len() as f32 * 0.25;
        if unknown_words && info.is_reliable() {
            Some(code)
        } else {
            None
        }
    }
}

/// Persian or Urdu in Arabic script. Urdu: ٹ ڈ ڑ ں ے. Persian: پ or ژ, or چ/گ (which Gulf
/// Arabic chat also uses) together with the Persian forms of yeh or kaf (ی ک), which some
/// Arabic keyboards also produce, so neither alone decides.
fn arabic_script_other(text: &str) -> Option<&'static str> {
    let has = |set: &str| text.chars().any(|c| set.contains(c));
    if has("ٹڈڑںے") {
        Some("ur")
    } else if has("پژ") || (has("چگ") && has("یک")) {
        Some("fa")
    } else {
        None
    }
}

/// Letters that no supported language writes and one unsupported language does.
fn unique_letters(text: &str) -> Option<&'static str> {
    let lower = text.to_lowercase();
    let has = |set: &str| lower.chars().any(|c| set.contains(c));
    if has("ığş") {
        Some("tr")
    } else if has("łńśźżąę") {
        Some("pl")
    } else if has("ěřů") {
        Some("cs")
    } else if has("őű") {
        Some("hu")
    } else if has("șț") {
        // Not ă or â: Vietnamese writes them.
        Some("ro")
    } else {
        None
    }
}

/// The ISO 639-1 code of a language whatlang knows and livedesk does not serve.
fn unsupported_code(lang: whatlang::Lang) -> Option<&'static str> {
    use whatlang::Lang as W;
    Some(match lang {
        W::Tur => "tr",
        W::Pol => "pl",
        W::Ces => "cs",
        W::Slk => "sk",
        W::Hun => "hu",
        W::Ron => "ro",
        W::Swe => "sv",
        W::Dan => "da",
        W::Fin => "fi",
        W::Hrv => "hr",
        W::Slv => "sl",
        W::Lit => "lt",
        W::Lav => "lv",
        W::Est => "et",
        W::Aze => "az",
        W::Uzb => "uz",
        W::Ukr => "uk",
        W::Rus => "ru",
        W::Hin => "hi",
        W::Heb => "he",
        W::Ell => "el",
        W::Pes => "fa",
        _ => return None,
    })
}

/// Letters that belong to few of the Latin-script languages.
fn letter_evidence(text: &str) -> Vec<(Lang, f32)> {
    let mut out = Vec::new();
    let lower = text.to_lowercase();
    let has = |set: &str| lower.chars().any(|c| set.contains(c));
    if has("ăâđêôơưạảấầẩẫậắằẳẵặẹẻẽếềểễệỉịọỏốồổỗộớờởỡợụủứừửữựỳỵỷỹ")
    {
        out.push((Lang::Vi, 2.0));
    }
    if has("ñ¿¡") {
        out.push((Lang::Es, 1.0));
    }
    if has("ãõ") {
        out.push((Lang::Pt, 1.0));
    }
    if has("ç") {
        out.push((Lang::Pt, 0.5));
        out.push((Lang::Fr, 0.5));
    }
    if has("ß") {
        out.push((Lang::De, 1.0));
    }
    if has("äöü") {
        out.push((Lang::De, 0.8));
    }
    if has("èêëîïûœ") {
        out.push((Lang::Fr, 0.7));
    }
    if has("ìò") {
        out.push((Lang::It, 0.7));
    }
    out
}

/// Letters per writing system, counted once per message.
#[derive(Debug, Default)]
struct ScriptCounts {
    letters: usize,
    latin: usize,
    /// Runs of Latin letters: the number of Latin words.
    latin_words: usize,
    thai: usize,
    hangul: usize,
    kana: usize,
    han: usize,
    arabic: usize,
    other: usize,
    /// The ISO code of the most recent unsupported script seen.
    other_code: &'static str,
}

impl ScriptCounts {
    fn of(text: &str) -> Self {
        let mut s = ScriptCounts::default();
        let mut in_latin_word = false;
        for c in text.chars() {
            let latin = c.is_alphabetic() && matches!(c as u32, 0x0041..=0x024F | 0x1E00..=0x1EFF);
            if latin && !in_latin_word {
                s.latin_words += 1;
            }
            in_latin_word = latin;
            if !c.is_alphabetic() {
                continue;
            }
            s.letters += 1;
            match c as u32 {
                0x0041..=0x024F | 0x1E00..=0x1EFF => s.latin += 1,
                0x0E00..=0x0E7F => s.thai += 1,
                0x1100..=0x11FF | 0x3130..=0x318F | 0xAC00..=0xD7AF => s.hangul += 1,
                0x3040..=0x30FF | 0x31F0..=0x31FF | 0xFF66..=0xFF9F => s.kana += 1,
                0x3400..=0x4DBF | 0x4E00..=0x9FFF | 0xF900..=0xFAFF => s.han += 1,
                0x0600..=0x06FF | 0x0750..=0x077F | 0xFB50..=0xFDFF | 0xFE70..=0xFEFF => {
                    s.arabic += 1
                }
                0x0400..=0x04FF => s.other_script("ru"),
                0x0900..=0x097F => s.other_script("hi"),
                0x0980..=0x09FF => s.other_script("bn"),
                0x0590..=0x05FF => s.other_script("he"),
                0x0370..=0x03FF => s.other_script("el"),
                0x0B80..=0x0BFF => s.other_script("ta"),
                0x1000..=0x109F => s.other_script("my"),
                0x1780..=0x17FF => s.other_script("km"),
                0x0E80..=0x0EFF => s.other_script("lo"),
                _ => s.other_script("und"),
            }
        }
        s
    }

    fn other_script(&mut self, code: &'static str) {
        self.other += 1;
        self.other_code = code;
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn detector() -> LanguageDetector {
        LanguageDetector::new(Lang::ALL.to_vec(), Lang::En, Lexicon::builtin())
    }

    fn check(text: &str, priors: Priors, expect: Lang) {
        let d = detector().detect(text, &priors);
        assert_eq!(d.language, expect, "{text:?} -> {d:?}");
    }

    #[test]
    fn script_settles_non_latin_languages() {
        check("ส่งกี่วัน", Priors::default(), Lang::Th);
        check("배송 며칠 걸려요?", Priors::default(), Lang::Ko);
        check("何日で届く？", Priors::default(), Lang::Ja);
        check("包邮吗", Priors::default(), Lang::Zh);
        check("كم يوم التوصيل", Priors::default(), Lang::Ar);
        check("ship ไป กทม ไหม", Priors::default(), Lang::Th);
        check("paypal ok吗", Priors::default(), Lang::Zh);
    }

    #[test]
    fn han_only_text_follows_a_japanese_prior() {
        let priors = Priors {
            locale: Some(Lang::Ja),
            ..Priors::default()
        };
        check("送料無料", priors.clone(), Lang::Ja);
        // Simplified-only characters settle it whatever the priors.
        check("寄日本几天到", priors, Lang::Zh);
        let market_only = Priors {
            market: vec![Lang::Ja],
            ..Priors::default()
        };
        check("日本能刷卡", market_only, Lang::Zh);
    }

    #[test]
    fn short_latin_messages() {
        check("bisa COD?", Priors::default(), Lang::Id);
        check("¿aceptan OXXO?", Priors::default(), Lang::Es);
        check("frete pro brasil?", Priors::default(), Lang::Pt);
        check("boleh cod tak", Priors::default(), Lang::Ms);
        check("pwede po gcash?", Priors::default(), Lang::Tl);
        check("ship to Brazil?", Priors::default(), Lang::En);
    }

    #[test]
    fn priors_decide_only_ambiguous_text() {
        let pt = Priors {
            locale: Some(Lang::Pt),
            ..Priors::default()
        };
        let d = detector().detect("ok", &pt);
        assert_eq!(d.language, Lang::Pt);
        assert_eq!(d.signal, Signal::Locale);
        // Clear Indonesian wins over a Portuguese locale.
        check("bisa bayar pakai gopay gak kak", pt, Lang::Id);
    }

    #[test]
    fn text_without_evidence_follows_a_non_latin_prior() {
        let thai = Priors {
            market: vec![Lang::Th],
            ..Priors::default()
        };
        check("zapwallet?", thai, Lang::Th);
    }

    #[test]
    fn emoji_only_falls_back_to_priors() {
        let conv = Priors {
            conversation: Some(Lang::Vi),
            ..Priors::default()
        };
        let d = detector().detect("❤️❤️", &conv);
        assert_eq!((d.language, d.signal), (Lang::Vi, Signal::Conversation));
        let d = detector().detect("👍", &Priors::default());
        assert_eq!((d.language, d.signal), (Lang::En, Signal::Default));
    }

    #[test]
    fn unsupported_scripts_reply_in_the_fallback() {
        let d = detector().detect("Доставка в Москву?", &Priors::default());
        assert_eq!(d.unsupported, Some("ru"));
        assert_eq!(d.language, Lang::En);
    }

    #[test]
    fn unsupported_languages_by_their_letters_or_unknown_words() {
        for (text, code) in [
            ("kapıda ödeme var mı", "tr"),
            ("wysyłka do polski?", "pl"),
            ("پرداخت در محل دارید", "fa"),
        ] {
            let d = detector().detect(text, &Priors::default());
            assert_eq!(d.unsupported, Some(code), "{text}: {d:?}");
            assert_eq!(d.language, Lang::En);
        }
        let d = detector().detect("naweza kulipa kwa mpesa", &Priors::default());
        assert!(d.unsupported.is_some(), "{d:?}");
        // Persian yeh alone is not enough: some Arabic keyboards type it too.
        assert_eq!(
            detector()
                .detect("به ایران ارسال دارید؟", &Priors::default())
                .language,
            Lang::Ar
        );
        // Arabic itself, and supported languages with their own letters, stay supported.
        check("كم يوم التوصيل", Priors::default(), Lang::Ar);
        check("wie lange dauert der Versand", Priors::default(), Lang::De);
    }

    #[test]
    fn tags_parse_from_locales() {
        assert_eq!("pt-BR".parse::<Lang>().unwrap(), Lang::Pt);
        assert_eq!("fil_PH".parse::<Lang>().unwrap(), Lang::Tl);
        assert!("tr-TR".parse::<Lang>().is_err());
    }
}
