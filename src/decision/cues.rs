//! Per-language cue lists: the phrases that mark a message as a request for a person, a question
//! about one order, a dispute, a complaint, something out of scope, an attempt to subvert the
//! assistant, or chatter. Lists live in `cues/<lang>.toml`, one file per language, compiled in.

use std::collections::HashMap;

use serde::Deserialize;

use crate::language::Lang;
use crate::text;

/// What a cue signals.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Intent {
    HumanRequested,
    OrderSpecific,
    PaymentDispute,
    Complaint,
    OutOfScope,
    Injection,
}

impl Intent {
    /// In order of precedence: when a message carries several, the first wins.
    pub const ORDER: [Intent; 6] = [
        Intent::Injection,
        Intent::HumanRequested,
        Intent::PaymentDispute,
        Intent::OrderSpecific,
        Intent::Complaint,
        Intent::OutOfScope,
    ];
}

const FILES: [(Lang, &str); 16] = [
    (Lang::En, include_str!("cues/en.toml")),
    (Lang::Zh, include_str!("cues/zh.toml")),
    (Lang::Es, include_str!("cues/es.toml")),
    (Lang::Pt, include_str!("cues/pt.toml")),
    (Lang::Id, include_str!("cues/id.toml")),
    (Lang::Ms, include_str!("cues/ms.toml")),
    (Lang::Th, include_str!("cues/th.toml")),
    (Lang::Vi, include_str!("cues/vi.toml")),
    (Lang::Tl, include_str!("cues/tl.toml")),
    (Lang::Ar, include_str!("cues/ar.toml")),
    (Lang::Fr, include_str!("cues/fr.toml")),
    (Lang::De, include_str!("cues/de.toml")),
    (Lang::It, include_str!("cues/it.toml")),
    (Lang::Nl, include_str!("cues/nl.toml")),
    (Lang::Ja, include_str!("cues/ja.toml")),
    (Lang::Ko, include_str!("cues/ko.toml")),
];

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct CueFile {
    human_requested: Vec<String>,
    order_specific: Vec<String>,
    payment_dispute: Vec<String>,
    complaint: Vec<String>,
    out_of_scope: Vec<String>,
    injection: Vec<String>,
    chatter: Vec<String>,
    /// Words that make a message a hypothetical ("if", "what if", "kalau", "如果"): a policy
    /// question, so order and complaint cues do not apply.
    #[serde(default)]
    hypothetical: Vec<String>,
    /// Chat shorthand and the word it stands for ("dgn" = "dengan"): cues are written in full
    /// words and also match the shorthand.
    #[serde(default)]
    abbreviations: HashMap<String, String>,
}

/// Words may stand between the parts of a gapped cue ("cakap ... admin"), at most this many.
const MAX_GAP_WORDS: usize = 3;
/// Characters that may stand between the parts of a gapped cue in an unspaced script.
const MAX_GAP_CHARS: usize = 8;

/// One cue, ready to match folded text.
#[derive(Debug, Clone)]
enum Cue {
    /// Consecutive whole words; the last may be a prefix (`refund*`).
    Words {
        words: Vec<String>,
        last_is_prefix: bool,
    },
    /// A substring, for scripts without spaces.
    Substring(String),
    /// Parts in order with a few words or characters between them (`"talk ... admin"`): the
    /// shape of a request whose filler varies ("talk to the admin", "talk with an admin").
    Gapped(Vec<Cue>),
}

impl Cue {
    fn parse(raw: &str) -> Option<Cue> {
        if raw.contains("...") {
            let parts: Vec<Cue> = raw.split("...").filter_map(Cue::parse).collect();
            return (parts.len() >= 2).then_some(Cue::Gapped(parts));
        }
        let folded = text::fold(raw.trim());
        if folded.is_empty() {
            return None;
        }
        if folded.chars().any(text::is_unspaced) {
            return Some(Cue::Substring(folded.trim_end_matches('*').to_string()));
        }
        let last_is_prefix = folded.ends_with('*');
        let words: Vec<String> = text::words(&folded)
            .into_iter()
            .map(str::to_string)
            .collect();
        if words.is_empty() {
            // A cue of symbols only, such as "#": match as a substring.
            return Some(Cue::Substring(folded));
        }
        Some(Cue::Words {
            words,
            last_is_prefix,
        })
    }

    fn matches(&self, message: &Message) -> bool {
        match self {
            Cue::Gapped(parts) => gapped_match(parts, message),
            _ => self.find(message, &Range::all(message)).is_some(),
        }
    }

    /// The whole word every match starts with, when there is one.
    fn first_word(&self) -> Option<&str> {
        match self {
            Cue::Words {
                words,
                last_is_prefix,
            } => (words.len() > 1 || !last_is_prefix).then(|| words[0].as_str()),
            Cue::Substring(_) => None,
            Cue::Gapped(parts) => parts.first().and_then(Cue::first_word),
        }
    }

    /// The first occurrence of this (ungapped) cue that starts within `range`.
    fn find(&self, message: &Message, range: &Range) -> Option<Span> {
        match self {
            Cue::Substring(s) => {
                let at = message.folded.get(range.bytes.0..)?.find(s.as_str())? + range.bytes.0;
                if at > range.bytes.1 {
                    return None;
                }
                let end = at + s.len();
                let word = message.word_spans.iter().position(|&(_, e)| e >= end);
                Some(Span {
                    start: (word.unwrap_or(message.words.len()), at),
                    end: (word.map_or(message.words.len(), |w| w + 1), end),
                })
            }
            Cue::Words {
                words,
                last_is_prefix,
            } => {
                let n = words.len();
                let (from, to) = range.words;
                (from..=to).find_map(|start| {
                    let window = message.words.get(start..start + n)?;
                    let hit = window.iter().zip(words).enumerate().all(|(i, (w, cue))| {
                        if i == n - 1 && *last_is_prefix {
                            w.starts_with(cue.as_str())
                        } else {
                            w == cue
                        }
                    });
                    hit.then(|| Span {
                        start: (start, message.word_spans[start].0),
                        end: (start + n, message.word_spans[start + n - 1].1),
                    })
                })
            }
            Cue::Gapped(_) => None,
        }
    }
}

/// Where a cue may start: a range of word indices and a range of byte offsets, both inclusive.
struct Range {
    words: (usize, usize),
    bytes: (usize, usize),
}

impl Range {
    fn all(message: &Message) -> Range {
        Range {
            words: (0, message.words.len()),
            bytes: (0, message.folded.len()),
        }
    }

    /// Just after `span`, within the gap a gapped cue allows.
    fn after(span: &Span, message: &Message) -> Range {
        let gap_end = message.folded[span.end.1..]
            .char_indices()
            .nth(MAX_GAP_CHARS)
            .map_or(message.folded.len(), |(i, _)| span.end.1 + i);
        Range {
            words: (span.end.0, span.end.0 + MAX_GAP_WORDS),
            bytes: (span.end.1, gap_end),
        }
    }
}

/// A match: (word index, byte offset) of its start and of its end (exclusive).
struct Span {
    start: (usize, usize),
    end: (usize, usize),
}

/// The parts of a gapped cue in order, each within the allowed gap after the one before. Every
/// occurrence of the first part is tried, since a later one may be followed closely enough.
fn gapped_match(parts: &[Cue], message: &Message) -> bool {
    let Some((first, rest)) = parts.split_first() else {
        return false;
    };
    let mut range = Range::all(message);
    while let Some(span) = first.find(message, &range) {
        let mut last = Span {
            start: span.start,
            end: span.end,
        };
        let matched =
            rest.iter().all(
                |part| match part.find(message, &Range::after(&last, message)) {
                    Some(next) => {
                        last = next;
                        true
                    }
                    None => false,
                },
            );
        if matched {
            return true;
        }
        // Resume one word, or one character, after this occurrence's start.
        let next_byte = message.folded[span.start.1..]
            .chars()
            .next()
            .map_or(message.folded.len() + 1, |c| span.start.1 + c.len_utf8());
        if span.start.0 >= message.words.len() && next_byte > message.folded.len() {
            return false;
        }
        range = Range {
            words: (span.start.0 + 1, message.words.len()),
            bytes: (next_byte, message.folded.len()),
        };
    }
    false
}

/// True when a cue of `list` matches the message as written or with its shorthand spelled out.
fn any_cue(list: &[Cue], message: &Message, expanded: Option<&Message>) -> bool {
    list.iter()
        .any(|cue| cue.matches(message) || expanded.is_some_and(|m| cue.matches(m)))
}

/// One intent's cues, indexed by the exact first word they need, so a message is checked only
/// against the cues its own words can start (lists run to a thousand cues per language).
#[derive(Debug, Default)]
struct CueSet {
    by_first_word: HashMap<String, Vec<Cue>>,
    /// Cues with no exact first word: substrings and one-word prefixes.
    others: Vec<Cue>,
}

impl CueSet {
    fn new(cues: impl Iterator<Item = Cue>) -> Self {
        let mut set = CueSet::default();
        for cue in cues {
            match cue.first_word() {
                Some(word) => set
                    .by_first_word
                    .entry(word.to_string())
                    .or_default()
                    .push(cue),
                None => set.others.push(cue),
            }
        }
        set
    }

    fn matches(&self, message: &Message) -> bool {
        let mut seen: Vec<&str> = Vec::with_capacity(message.words.len());
        for word in &message.words {
            if seen.contains(&word.as_str()) {
                continue;
            }
            seen.push(word);
            if let Some(cues) = self.by_first_word.get(word) {
                if cues.iter().any(|cue| cue.matches(message)) {
                    return true;
                }
            }
        }
        self.others.iter().any(|cue| cue.matches(message))
    }
}

/// A chatter entry: a whole word, or a unit repeated (`ha+` for "hahaha").
#[derive(Debug, Clone)]
enum Chatter {
    Word(String),
    Repeat(String),
}

impl Chatter {
    fn matches(&self, word: &str) -> bool {
        match self {
            Chatter::Word(w) => w == word,
            Chatter::Repeat(unit) => {
                !unit.is_empty()
                    && word.len() >= unit.len()
                    && word.len().is_multiple_of(unit.len())
                    && word
                        .as_bytes()
                        .chunks(unit.len())
                        .all(|c| c == unit.as_bytes())
            }
        }
    }
}

/// A message prepared for cue matching.
pub struct Message {
    folded: String,
    words: Vec<String>,
    /// Each word's byte range in `folded`.
    word_spans: Vec<(usize, usize)>,
}

impl Message {
    pub fn new(text: &str) -> Self {
        let folded = text::fold(text);
        let base = folded.as_ptr() as usize;
        let pieces = text::words(&folded);
        let word_spans = pieces
            .iter()
            .map(|w| {
                let start = w.as_ptr() as usize - base;
                (start, start + w.len())
            })
            .collect();
        let words = pieces.into_iter().map(str::to_string).collect();
        Message {
            folded,
            words,
            word_spans,
        }
    }

    pub fn words(&self) -> &[String] {
        &self.words
    }

    /// The message with shorthand words replaced by what they stand for, or `None` when it has
    /// none. Only spaced scripts have shorthand words.
    fn expanded(&self, abbreviations: &HashMap<String, String>) -> Option<Message> {
        if abbreviations.is_empty() || !self.words.iter().any(|w| abbreviations.contains_key(w)) {
            return None;
        }
        let words: Vec<&str> = self
            .words
            .iter()
            .map(|w| abbreviations.get(w).map_or(w.as_str(), String::as_str))
            .collect();
        Some(Message::new(&words.join(" ")))
    }
}

#[derive(Debug, Default)]
struct LanguageCues {
    intents: HashMap<Intent, CueSet>,
    hypothetical: Vec<Cue>,
    abbreviations: HashMap<String, String>,
    chatter: Vec<Chatter>,
    /// Multi-word chatter phrases ("good evening"), matched before single words.
    chatter_phrases: Vec<Vec<String>>,
}

/// All languages' cues.
#[derive(Debug)]
pub struct CueBook {
    languages: HashMap<Lang, LanguageCues>,
}

#[derive(Debug, thiserror::Error)]
#[error("cue list for {lang}: {message}")]
pub struct CueError {
    pub lang: Lang,
    pub message: String,
}

impl CueBook {
    /// The compiled-in cue lists.
    pub fn builtin() -> Result<Self, CueError> {
        let mut languages = HashMap::new();
        for (lang, raw) in FILES {
            let file: CueFile = toml::from_str(raw).map_err(|e| CueError {
                lang,
                message: e.to_string(),
            })?;
            let mut cues = LanguageCues::default();
            let lists = [
                (Intent::HumanRequested, &file.human_requested),
                (Intent::OrderSpecific, &file.order_specific),
                (Intent::PaymentDispute, &file.payment_dispute),
                (Intent::Complaint, &file.complaint),
                (Intent::OutOfScope, &file.out_of_scope),
                (Intent::Injection, &file.injection),
            ];
            for (intent, list) in lists {
                cues.intents.insert(
                    intent,
                    CueSet::new(list.iter().filter_map(|c| Cue::parse(c))),
                );
            }
            cues.hypothetical = file
                .hypothetical
                .iter()
                .filter_map(|c| Cue::parse(c))
                .collect();
            cues.abbreviations = file
                .abbreviations
                .iter()
                .map(|(short, full)| (text::fold(short.trim()), text::fold(full.trim())))
                .collect();
            for entry in &file.chatter {
                let folded = text::fold(entry.trim());
                if let Some(unit) = folded.strip_suffix('+') {
                    cues.chatter.push(Chatter::Repeat(unit.to_string()));
                    continue;
                }
                let words: Vec<String> = text::words(&folded)
                    .into_iter()
                    .map(str::to_string)
                    .collect();
                match words.len() {
                    0 => {}
                    1 => cues.chatter.push(Chatter::Word(words[0].clone())),
                    _ => cues.chatter_phrases.push(words),
                }
            }
            languages.insert(lang, cues);
        }
        Ok(CueBook { languages })
    }

    /// A language's chatter entries: whole words and phrases, and repeated units (laughter).
    pub fn chatter_entries(&self, lang: Lang) -> (Vec<String>, Vec<String>) {
        let Some(cues) = self.languages.get(&lang) else {
            return (Vec::new(), Vec::new());
        };
        let mut words: Vec<String> = cues.chatter_phrases.iter().map(|p| p.join(" ")).collect();
        let mut units = Vec::new();
        for entry in &cues.chatter {
            match entry {
                Chatter::Word(w) => words.push(w.clone()),
                Chatter::Repeat(u) => units.push(u.clone()),
            }
        }
        (words, units)
    }

    /// True when the message is a hypothetical in one of `langs` ("what if", "kalau").
    pub fn is_hypothetical(&self, message: &Message, langs: &[Lang]) -> bool {
        langs
            .iter()
            .filter_map(|l| self.languages.get(l))
            .any(|cues| {
                let expanded = message.expanded(&cues.abbreviations);
                any_cue(&cues.hypothetical, message, expanded.as_ref())
            })
    }

    /// The first intent, in precedence order, that any of `langs`' cues find in `message`.
    pub fn intent(&self, message: &Message, langs: &[Lang]) -> Option<Intent> {
        // Each language reads the message with its own shorthand spelled out.
        let readings: Vec<(&LanguageCues, Option<Message>)> = langs
            .iter()
            .filter_map(|lang| self.languages.get(lang))
            .map(|cues| (cues, message.expanded(&cues.abbreviations)))
            .collect();
        let hypothetical = readings
            .iter()
            .any(|(cues, expanded)| any_cue(&cues.hypothetical, message, expanded.as_ref()));
        Intent::ORDER.into_iter().find(|intent| {
            if hypothetical && matches!(intent, Intent::OrderSpecific | Intent::Complaint) {
                return false;
            }
            readings.iter().any(|(cues, expanded)| {
                cues.intents.get(intent).is_some_and(|set| {
                    set.matches(message) || expanded.as_ref().is_some_and(|m| set.matches(m))
                })
            })
        })
    }

    /// True when every word of `message` is chatter in one of `langs` (greetings, thanks,
    /// praise, laughter), so the message asks nothing. Scripts without spaces count as chatter
    /// only when the whole text is a chatter entry or repeats one.
    pub fn is_chatter(&self, message: &Message, langs: &[Lang]) -> bool {
        if message.words.is_empty() {
            return true;
        }
        let sets: Vec<&LanguageCues> = langs.iter().filter_map(|l| self.languages.get(l)).collect();
        let mut i = 0;
        'words: while i < message.words.len() {
            for set in &sets {
                for phrase in &set.chatter_phrases {
                    let end = i + phrase.len();
                    if end <= message.words.len() && message.words[i..end] == phrase[..] {
                        i = end;
                        continue 'words;
                    }
                }
            }
            let word = &message.words[i];
            let squeezed = text::squeeze(word);
            let known = sets.iter().any(|set| {
                set.chatter
                    .iter()
                    .any(|c| c.matches(word) || c.matches(&squeezed))
            }) || is_unspaced_chatter(word, &sets);
            if !known {
                return false;
            }
            i += 1;
        }
        true
    }
}

impl CueBook {
    /// `text` without its opening greeting and closing thanks or sign-off ("Hello, ... Thanks,
    /// Petra"): the question inside, for retrieval. Words are kept as written; when nothing but
    /// chatter is left, the text is returned whole.
    pub fn question_part(&self, text: &str) -> String {
        let tokens: Vec<&str> = text.split_whitespace().collect();
        let is_chatter = |token: &str| {
            let message = Message::new(token);
            !message.words.is_empty() && self.is_chatter(&message, &Lang::ALL)
        };
        let mut start = 0;
        while start < tokens.len() && is_chatter(tokens[start]) {
            start += 1;
        }
        let mut end = tokens.len();
        // A sign-off may end with a name or two: in longer messages, cut from a chatter word
        // among the last four tokens.
        if tokens.len() >= 8 {
            if let Some(cut) = (tokens.len().saturating_sub(4)..tokens.len())
                .find(|&i| i > start && is_chatter(tokens[i]))
            {
                end = cut;
            }
        }
        while end > start && is_chatter(tokens[end - 1]) {
            end -= 1;
        }
        if start >= end {
            return text.to_string();
        }
        tokens[start..end].join(" ")
    }
}

/// Unspaced text ("哈哈哈谢谢", "555555"): chatter when it is a concatenation of entries.
fn is_unspaced_chatter(word: &str, sets: &[&LanguageCues]) -> bool {
    if !word.chars().any(text::is_unspaced) {
        return false;
    }
    let mut rest = word;
    'outer: while !rest.is_empty() {
        for set in sets {
            for entry in &set.chatter {
                let unit = match entry {
                    Chatter::Word(w) | Chatter::Repeat(w) => w,
                };
                if !unit.is_empty() && rest.starts_with(unit.as_str()) {
                    rest = &rest[unit.len()..];
                    if let Chatter::Repeat(u) = entry {
                        while rest.starts_with(u.as_str()) {
                            rest = &rest[u.len()..];
                        }
                    }
                    continue 'outer;
                }
            }
        }
        return false;
    }
    true
}

#[cfg(test)]
mod tests {
    use super::*;

    fn hit(cue: &str, text: &str) -> bool {
        Cue::parse(cue).is_some_and(|c| c.matches(&Message::new(text)))
    }

    #[test]
    fn gapped_cues_allow_a_few_words_between_parts() {
        assert!(hit("talk ... admin", "can i talk to the admin"));
        assert!(hit("talk ... admin", "talk admin"));
        assert!(!hit(
            "talk ... admin",
            "talk about shipping and returns with admin"
        ));
        assert!(!hit("talk ... admin", "admin talk"));
        // A later occurrence of the first part may be the one that is followed closely enough.
        assert!(hit(
            "talk ... admin",
            "talk about shipping, then i want to talk to admin"
        ));
        assert!(hit("charged ... twice", "i was charged for my order twice"));
    }

    #[test]
    fn gapped_cues_work_in_unspaced_scripts() {
        assert!(hit("ขอคุย ... แอดมิน", "ขอคุยกับแอดมินหน่อย"));
        assert!(hit("ขอคุย ... แอดมิน", "ขอคุยแอดมิน"));
        assert!(!hit(
            "ขอคุย ... แอดมิน",
            "ขอคุยเรื่องการจัดส่งสินค้าไปต่างประเทศกับแอดมิน"
        ));
        assert!(hit("動か ... ない", "届いたドライヤーが動かないです"));
        // Mixed scripts: a Thai part, then a Latin word.
        assert!(hit("ขอคุย ... admin", "ขอคุยกับ admin"));
    }

    #[test]
    fn shorthand_is_spelled_out_for_matching() {
        let abbreviations: HashMap<String, String> = [("dgn", "dengan"), ("sy", "saya")]
            .into_iter()
            .map(|(a, b)| (a.to_string(), b.to_string()))
            .collect();
        let message = Message::new("nak cakap dgn admin");
        let cue = Cue::parse("cakap dengan admin").unwrap();
        assert!(!cue.matches(&message));
        let expanded = message.expanded(&abbreviations).unwrap();
        assert!(cue.matches(&expanded));
        assert!(Message::new("ongkir brp")
            .expanded(&abbreviations)
            .is_none());
    }
}
