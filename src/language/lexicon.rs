//! The chat-word lexicon: which languages use a word. Built from the hand-written word lists in
//! `lexicon/` and, at start-up, from the vocabulary of the knowledge base (its passages and
//! example questions), so a seller who adds knowledge also teaches the detector its words.

use std::collections::HashMap;

use super::Lang;
use crate::text;

const BUILTIN: [(Lang, &str); 11] = [
    (Lang::En, include_str!("lexicon/en.txt")),
    (Lang::Es, include_str!("lexicon/es.txt")),
    (Lang::Pt, include_str!("lexicon/pt.txt")),
    (Lang::Id, include_str!("lexicon/id.txt")),
    (Lang::Ms, include_str!("lexicon/ms.txt")),
    (Lang::Tl, include_str!("lexicon/tl.txt")),
    (Lang::Vi, include_str!("lexicon/vi.txt")),
    (Lang::Fr, include_str!("lexicon/fr.txt")),
    (Lang::De, include_str!("lexicon/de.txt")),
    (Lang::It, include_str!("lexicon/it.txt")),
    (Lang::Nl, include_str!("lexicon/nl.txt")),
];

/// A word in a hand-written list counts as this many occurrences: the lists are curated, the
/// knowledge base's example questions mix in English chat words.
const LIST_WEIGHT: f32 = 8.0;

/// Folded word -> how often each language uses it (indexed by `Lang as usize`).
#[derive(Debug, Clone, Default)]
pub struct Lexicon {
    words: HashMap<String, [f32; 16]>,
}

impl Lexicon {
    /// The hand-written lists shipped with livedesk.
    pub fn builtin() -> Self {
        let mut lexicon = Lexicon::default();
        for (lang, list) in BUILTIN {
            for line in list.lines() {
                let line = line.trim();
                if line.is_empty() || line.starts_with('#') {
                    continue;
                }
                lexicon.add(lang, line, LIST_WEIGHT);
            }
        }
        lexicon
    }

    /// Counts every word of `text` once as a word of `lang`.
    pub fn add_text(&mut self, lang: Lang, text: &str) {
        self.add(lang, text, 1.0);
    }

    fn add(&mut self, lang: Lang, text: &str, weight: f32) {
        let folded = text::fold(text);
        for word in text::words(&folded) {
            if word.chars().count() < 2 || word.chars().all(|c| c.is_ascii_digit()) {
                continue;
            }
            self.words.entry(word.to_string()).or_insert([0.0; 16])[lang.index()] += weight;
        }
    }

    /// How likely each language is given that a message uses `word` (already folded): the
    /// word's counts, normalised to sum to 1. `None` for unknown words.
    pub fn languages(&self, word: &str) -> Option<[f32; 16]> {
        let counts = self.words.get(word)?;
        let total: f32 = counts.iter().sum();
        if total <= 0.0 {
            return None;
        }
        let mut out = [0.0; 16];
        for (o, c) in out.iter_mut().zip(counts) {
            *o = c / total;
        }
        Some(out)
    }

    pub fn len(&self) -> usize {
        self.words.len()
    }

    pub fn is_empty(&self) -> bool {
        self.words.is_empty()
    }
}
