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
    /// Units whose repetition is a word of a language: laughter ("ja" for "jajaja" in Spanish,
    /// "wk" in Indonesian, "5" in Thai, "w" in Japanese).
    repeats: Vec<(String, Lang)>,
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

    /// Adds the words of a curated list entry (as strong as the built-in lists).
    pub fn add_listed(&mut self, lang: Lang, entry: &str) {
        self.add(lang, entry, LIST_WEIGHT);
    }

    /// Adds a unit whose repetitions are a word of `lang`.
    pub fn add_repeat(&mut self, lang: Lang, unit: &str) {
        let unit = text::fold(unit);
        if !unit.is_empty() && !self.repeats.iter().any(|(u, l)| *u == unit && *l == lang) {
            self.repeats.push((unit, lang));
        }
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
        let repeated;
        let counts = match self.words.get(word) {
            Some(counts) => counts,
            None => {
                repeated = self.repeat_counts(word)?;
                &repeated
            }
        };
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

    /// The languages whose repeated unit makes up `word` (at least twice).
    fn repeat_counts(&self, word: &str) -> Option<[f32; 16]> {
        let mut counts = [0.0; 16];
        let mut any = false;
        for (unit, lang) in &self.repeats {
            let n = unit.len();
            if word.len() >= 2 * n
                && word.len().is_multiple_of(n)
                && word.as_bytes().chunks(n).all(|c| c == unit.as_bytes())
            {
                counts[lang.index()] += 1.0;
                any = true;
            }
        }
        any.then_some(counts)
    }

    pub fn len(&self) -> usize {
        self.words.len()
    }

    pub fn is_empty(&self) -> bool {
        self.words.is_empty()
    }
}
