//! Generation: the answer text, streamed. Two implementations of one trait: `LlmGenerator`
//! (any OpenAI-compatible chat API) and `ExtractiveGenerator` (whole sentences of the best
//! passage, the default when no LLM is configured and the fallback when the LLM fails).
//!
//! A `GenerationRequest` is a plain value with everything the answer depends on, so identical
//! questions in a live room can share one generation (its `cache_key`).

pub mod extractive;
pub mod llm;

use std::pin::Pin;

use async_trait::async_trait;
use futures::Stream;

use crate::channel::Channel;
use crate::knowledge::{Passage, Topic};
use crate::language::Lang;
use crate::market::Market;

/// What to answer, in what language, from which passages, within what length.
#[derive(Debug, Clone)]
pub struct GenerationRequest {
    pub question: String,
    pub language: Lang,
    pub channel: Channel,
    /// The viewer's market, when known: the answer prefers sentences about it.
    pub market: Option<Market>,
    /// The topics the question names by a word of `topics.toml` ("satispay?", "express?"): the
    /// answer prefers sentences that name that topic's terms too (the brands, the express times).
    pub named_topics: Vec<Topic>,
    /// The most characters the answer may have.
    pub budget: usize,
    /// The retrieved passages, best first.
    pub passages: Vec<Passage>,
}

impl GenerationRequest {
    /// A key equal for requests that must get the same answer: same normalised question,
    /// language, channel, market and passages.
    pub fn cache_key(&self) -> String {
        let ids: Vec<&str> = self.passages.iter().map(|p| p.id.as_str()).collect();
        format!(
            "{}|{}|{}|{}|{}",
            self.language,
            self.channel,
            self.market.as_ref().map_or("", |m| m.as_str()),
            ids.join(","),
            crate::text::fold(self.question.trim())
        )
    }
}

/// Token counts for one answer, counted with tiktoken.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct Usage {
    pub prompt_tokens: usize,
    pub answer_tokens: usize,
}

/// A piece of a streamed answer.
#[derive(Debug, Clone, PartialEq)]
pub enum Chunk {
    Text(String),
    /// The prompt's token count, sent once, before or after the text.
    PromptTokens(usize),
}

pub type ChunkStream = Pin<Box<dyn Stream<Item = Result<Chunk, GenerationError>> + Send>>;

#[derive(Debug, thiserror::Error)]
pub enum GenerationError {
    #[error("the LLM request failed: {0}")]
    Provider(String),
    #[error("the LLM stream broke: {0}")]
    Stream(String),
    #[error("the LLM sent no text before the deadline")]
    Timeout,
    #[error("nothing to answer from: no passage")]
    NoPassage,
}

/// Produces a streamed answer.
#[async_trait]
pub trait Generator: Send + Sync {
    /// `llm` or `extractive`.
    fn name(&self) -> &'static str;

    /// Starts an answer. An error here means nothing was produced; an error inside the stream
    /// means the answer broke off.
    async fn generate(&self, request: &GenerationRequest) -> Result<ChunkStream, GenerationError>;
}

/// Cuts `text` to at most `budget` characters, at the last sentence end (or failing that, word
/// boundary) that fits.
pub fn fit_budget(text: &str, budget: usize) -> String {
    let text = text.trim();
    if text.chars().count() <= budget {
        return text.to_string();
    }
    let cut: String = text.chars().take(budget).collect();
    let sentence_end = cut
        .char_indices()
        .filter(|(_, c)| matches!(c, '.' | '!' | '?' | '。' | '！' | '？'))
        .map(|(i, c)| i + c.len_utf8())
        .next_back();
    if let Some(end) = sentence_end.filter(|&e| e > cut.len() / 3) {
        return cut[..end].trim().to_string();
    }
    let word_end = cut
        .rfind(char::is_whitespace)
        .filter(|&e| e > cut.len() / 3);
    let mut out = match word_end {
        Some(end) => cut[..end].trim_end().to_string(),
        None => cut.chars().take(budget.saturating_sub(1)).collect(),
    };
    if out.chars().count() < budget {
        out.push('…');
    }
    out
}

#[cfg(test)]
mod tests {
    use super::fit_budget;

    #[test]
    fn fit_budget_cuts_at_sentence_or_word() {
        assert_eq!(fit_budget("Short.", 200), "Short.");
        assert_eq!(fit_budget("One two. Three four five six.", 12), "One two.");
        let cut = fit_budget("alpha beta gamma delta epsilon", 14);
        assert!(
            cut.chars().count() <= 14 && cut.starts_with("alpha beta"),
            "{cut}"
        );
        let thai = "ส่งภายใน5ถึง9วันทำการหลังจากจัดส่ง";
        assert!(fit_budget(thai, 10).chars().count() <= 10);
    }
}
