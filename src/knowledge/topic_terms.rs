//! Words that name a topic whatever the language around them: payment brands and methods
//! ("shopeepay?", "paypal được không"), which a shopper may ask about even when the knowledge
//! base never mentions them. Loaded from `topics.toml` in the knowledge directory (optional).

use std::path::Path;

use serde::Deserialize;

use super::Topic;
use crate::text;

/// The file name inside the knowledge directory.
pub const TOPICS_FILE: &str = "topics.toml";

#[derive(Debug, Default, Deserialize)]
#[serde(deny_unknown_fields)]
struct TopicsFile {
    #[serde(default)]
    shipping: Entry,
    #[serde(default)]
    payment: Entry,
    #[serde(default)]
    returns: Entry,
}

#[derive(Debug, Default, Deserialize)]
#[serde(deny_unknown_fields)]
struct Entry {
    #[serde(default)]
    terms: Vec<String>,
}

/// A term: whole words in spaced scripts, a substring in unspaced ones.
#[derive(Debug, Clone)]
enum Term {
    Words(Vec<String>),
    Substring(String),
}

#[derive(Debug, Clone, Default)]
pub struct TopicTerms {
    terms: Vec<(Topic, Term)>,
}

impl TopicTerms {
    /// Loads `topics.toml`; a missing file means no terms.
    pub fn load(path: &Path) -> Result<Self, String> {
        match std::fs::read_to_string(path) {
            Ok(raw) => Self::parse(&raw),
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => Ok(Self::default()),
            Err(e) => Err(e.to_string()),
        }
    }

    pub fn parse(raw: &str) -> Result<Self, String> {
        let file: TopicsFile = toml::from_str(raw).map_err(|e| e.to_string())?;
        let mut terms = Vec::new();
        for (topic, entry) in [
            (Topic::Shipping, file.shipping),
            (Topic::Payment, file.payment),
            (Topic::Returns, file.returns),
        ] {
            for raw in entry.terms {
                let folded = text::fold(raw.trim());
                if folded.chars().any(text::is_unspaced) {
                    terms.push((topic, Term::Substring(folded)));
                    continue;
                }
                let words: Vec<String> = text::words(&folded)
                    .into_iter()
                    .map(str::to_string)
                    .collect();
                if !words.is_empty() {
                    terms.push((topic, Term::Words(words)));
                }
            }
        }
        Ok(TopicTerms { terms })
    }

    /// The topics whose terms `text` contains, each once.
    pub fn named(&self, text: &str) -> Vec<Topic> {
        if self.terms.is_empty() {
            return Vec::new();
        }
        let folded = text::fold(text);
        // Chinese and Japanese chat mixes in English without spaces ("refund几时会到"): a Latin
        // term still counts as a word there.
        let spaced: String = folded
            .chars()
            .flat_map(|c| {
                if text::is_unspaced(c) {
                    [' ', c, ' ']
                } else {
                    [c, '\0', '\0']
                }
            })
            .filter(|&c| c != '\0')
            .collect();
        let words = text::words(&spaced);
        let mut found = Vec::new();
        for (topic, term) in &self.terms {
            if found.contains(topic) {
                continue;
            }
            let hit = match term {
                Term::Substring(s) => folded.contains(s.as_str()),
                Term::Words(w) => words
                    .windows(w.len())
                    .any(|window| window.iter().zip(w).all(|(a, b)| *a == b)),
            };
            if hit {
                found.push(*topic);
            }
        }
        found
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn finds_terms_as_words_or_substrings() {
        let terms = TopicTerms::parse(
            "[payment]\nterms = [\"paypal\", \"apple pay\", \"分期\"]\n[returns]\nterms = [\"rma\"]\n",
        )
        .unwrap();
        assert_eq!(terms.named("PayPal được không"), vec![Topic::Payment]);
        assert_eq!(terms.named("can i use apple pay?"), vec![Topic::Payment]);
        assert_eq!(terms.named("可以分期吗"), vec![Topic::Payment]);
        assert_eq!(terms.named("用paypal付款可以吗"), vec![Topic::Payment]);
        // Whole words only: "pineapple payment" does not name Apple Pay.
        assert!(terms.named("pineapple pays").is_empty());
        assert_eq!(terms.named("RMA number?"), vec![Topic::Returns]);
        assert!(TopicTerms::parse("[payment]\nterm = []\n").is_err());
    }
}
