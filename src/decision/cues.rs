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
}

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
}

impl Cue {
    fn parse(raw: &str) -> Option<Cue> {
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
            Cue::Substring(s) => message.folded.contains(s.as_str()),
            Cue::Words {
                words,
                last_is_prefix,
            } => {
                let n = words.len();
                message.words.windows(n).any(|window| {
                    window.iter().zip(words).enumerate().all(|(i, (w, cue))| {
                        if i == n - 1 && *last_is_prefix {
                            w.starts_with(cue.as_str())
                        } else {
                            w == cue
                        }
                    })
                })
            }
        }
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
}

impl Message {
    pub fn new(text: &str) -> Self {
        let folded = text::fold(text);
        let words = text::words(&folded)
            .into_iter()
            .map(str::to_string)
            .collect();
        Message { folded, words }
    }

    pub fn words(&self) -> &[String] {
        &self.words
    }
}

#[derive(Debug, Default)]
struct LanguageCues {
    intents: HashMap<Intent, Vec<Cue>>,
    hypothetical: Vec<Cue>,
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
                cues.intents
                    .insert(intent, list.iter().filter_map(|c| Cue::parse(c)).collect());
            }
            cues.hypothetical = file
                .hypothetical
                .iter()
                .filter_map(|c| Cue::parse(c))
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

    /// The first intent, in precedence order, that any of `langs`' cues find in `message`.
    pub fn intent(&self, message: &Message, langs: &[Lang]) -> Option<Intent> {
        let hypothetical = langs.iter().any(|lang| {
            self.languages
                .get(lang)
                .is_some_and(|c| c.hypothetical.iter().any(|cue| cue.matches(message)))
        });
        Intent::ORDER.into_iter().find(|intent| {
            if hypothetical && matches!(intent, Intent::OrderSpecific | Intent::Complaint) {
                return false;
            }
            langs.iter().any(|lang| {
                self.languages
                    .get(lang)
                    .and_then(|c| c.intents.get(intent))
                    .is_some_and(|cues| cues.iter().any(|cue| cue.matches(message)))
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
