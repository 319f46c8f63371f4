//! Character n-gram vectors: the retrieval signal that survives what breaks word matching in
//! chat (typos, missing accents, stretched letters, and Thai or CJK text with no spaces).
//!
//! Vectors are TF-IDF over hashed n-grams, L2-normalised, with the IDF learnt from the knowledge
//! base at index time; a dot product of two vectors is their cosine similarity, which makes the
//! store's score for this vector an absolute measure of how close a question is to a passage,
//! the basis of the retrieval confidence.

use std::collections::HashMap;

use crate::text;

/// A sparse vector: sorted, unique indices and their weights.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct SparseVector {
    pub indices: Vec<u32>,
    pub values: Vec<f32>,
}

impl SparseVector {
    /// The dot product with another sparse vector (both sorted by index).
    pub fn dot(&self, other: &SparseVector) -> f32 {
        let (mut i, mut j, mut sum) = (0, 0, 0.0);
        while i < self.indices.len() && j < other.indices.len() {
            match self.indices[i].cmp(&other.indices[j]) {
                std::cmp::Ordering::Less => i += 1,
                std::cmp::Ordering::Greater => j += 1,
                std::cmp::Ordering::Equal => {
                    sum += self.values[i] * other.values[j];
                    i += 1;
                    j += 1;
                }
            }
        }
        sum
    }

    pub fn is_empty(&self) -> bool {
        self.indices.is_empty()
    }
}

/// The n-gram model: document frequencies learnt from a corpus.
#[derive(Debug, Clone, Default)]
pub struct NgramModel {
    idf: HashMap<u32, f32>,
    /// IDF of an n-gram never seen in the corpus: rare, so informative, but it cannot match.
    unseen_idf: f32,
}

impl NgramModel {
    /// Learns IDF weights from `documents`.
    pub fn fit<'a>(documents: impl IntoIterator<Item = &'a str>) -> Self {
        let mut df: HashMap<u32, u32> = HashMap::new();
        let mut n = 0u32;
        for doc in documents {
            n += 1;
            let mut grams = grams(doc);
            grams.sort_unstable();
            grams.dedup();
            for g in grams {
                *df.entry(g).or_default() += 1;
            }
        }
        let n = n as f32;
        let idf = df
            .into_iter()
            .map(|(g, d)| (g, ((n + 1.0) / (d as f32 + 1.0)).ln() + 1.0))
            .collect();
        NgramModel {
            idf,
            unseen_idf: (n + 1.0).ln() + 1.0,
        }
    }

    /// The normalised TF-IDF vector of `text`.
    pub fn vector(&self, text: &str) -> SparseVector {
        let mut tf: HashMap<u32, f32> = HashMap::new();
        for g in grams(text) {
            *tf.entry(g).or_default() += 1.0;
        }
        let mut entries: Vec<(u32, f32)> = tf
            .into_iter()
            .map(|(g, f)| {
                let idf = self.idf.get(&g).copied().unwrap_or(self.unseen_idf);
                (g, (1.0 + f.ln()) * idf)
            })
            .collect();
        entries.sort_unstable_by_key(|e| e.0);
        let norm = entries.iter().map(|e| e.1 * e.1).sum::<f32>().sqrt();
        if norm == 0.0 {
            return SparseVector::default();
        }
        SparseVector {
            indices: entries.iter().map(|e| e.0).collect(),
            values: entries.iter().map(|e| e.1 / norm).collect(),
        }
    }

    /// The cosine similarity of two texts.
    pub fn similarity(&self, a: &str, b: &str) -> f32 {
        self.vector(a).dot(&self.vector(b))
    }
}

/// The hashed n-grams of a text: for words of spaced scripts, the word itself and its character
/// trigrams with boundary marks (`_pix_` gives `_pi`, `pix`, `ix_`); for runs of Thai, Chinese or
/// Japanese, character bigrams and trigrams (and single Han characters, which are words).
pub fn grams(text: &str) -> Vec<u32> {
    let folded = text::fold(text);
    let mut out = Vec::new();
    for word in text::words(&folded) {
        let word = text::squeeze(word);
        let chars: Vec<char> = word.chars().collect();
        if chars.iter().any(|c| text::is_unspaced(*c)) {
            for n in 2..=3 {
                for w in chars.windows(n) {
                    out.push(hash(n as u8, w));
                }
            }
            for c in &chars {
                if ('\u{3400}'..='\u{9FFF}').contains(c) {
                    out.push(hash(1, std::slice::from_ref(c)));
                }
            }
            if chars.len() < 2 {
                out.push(hash(1, &chars));
            }
        } else {
            out.push(hash(0, &chars));
            let mut padded = Vec::with_capacity(chars.len() + 2);
            padded.push('_');
            padded.extend_from_slice(&chars);
            padded.push('_');
            for w in padded.windows(3) {
                out.push(hash(3, w));
            }
        }
    }
    out
}

/// FNV-1a over the n-gram's characters, salted by its kind so a word and a trigram never share
/// an index by construction.
fn hash(kind: u8, chars: &[char]) -> u32 {
    let mut h: u32 = 0x811c_9dc5 ^ u32::from(kind);
    for c in chars {
        for b in (*c as u32).to_le_bytes() {
            h ^= u32::from(b);
            h = h.wrapping_mul(0x0100_0193);
        }
    }
    h
}

#[cfg(test)]
mod tests {
    use super::*;

    fn model() -> NgramModel {
        NgramModel::fit([
            "Standard delivery to Brazil takes 15 to 25 business days.",
            "In Brazil you can pay with Pix or boleto.",
            "การจัดส่งมาตรฐานไปประเทศไทยใช้เวลา 5 ถึง 9 วันทำการ",
            "Envío a México: de 12 a 20 días hábiles.",
        ])
    }

    #[test]
    fn vectors_are_unit_length() {
        let v = model().vector("delivery to brazil");
        let norm: f32 = v.values.iter().map(|x| x * x).sum();
        assert!((norm - 1.0).abs() < 1e-4);
        assert_eq!(model().vector("!!!"), SparseVector::default());
    }

    #[test]
    fn survives_typos_accents_and_missing_spaces() {
        let m = model();
        let close = m.similarity(
            "envio mexico dias",
            "Envío a México: de 12 a 20 días hábiles.",
        );
        let far = m.similarity(
            "envio mexico dias",
            "In Brazil you can pay with Pix or boleto.",
        );
        assert!(close > 0.3 && close > far * 3.0, "{close} {far}");
        let thai = m.similarity("ส่งไทยกี่วัน", "การจัดส่งมาตรฐานไปประเทศไทยใช้เวลา 5 ถึง 9 วันทำการ");
        assert!(thai > 0.1, "{thai}");
        let typo = m.similarity(
            "delivry brazl",
            "Standard delivery to Brazil takes 15 to 25 business days.",
        );
        assert!(typo > 0.2, "{typo}");
    }
}
