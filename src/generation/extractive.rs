//! The extractive generator: answers with the sentences of the best passage that are closest to
//! the question, in their original order, within the channel's budget. It never writes a word
//! that is not in the knowledge base, which is why it is the default without an LLM and the
//! fallback when the LLM fails.

use std::sync::Arc;

use async_trait::async_trait;
use futures::stream;

use super::{fit_budget, Chunk, ChunkStream, GenerationError, GenerationRequest, Generator};
use crate::language::Lang;
use crate::retrieval::ngram::NgramModel;

pub struct ExtractiveGenerator {
    ngram: Arc<NgramModel>,
}

/// The first sentence of a section carries its main fact (the knowledge format asks for it).
const POSITION_BONUS: [f32; 2] = [0.15, 0.05];
/// For a viewer whose market is known, a sentence naming only other markets ("express to the
/// UAE" for a viewer in Saudi Arabia) is passed over. Naming the viewer's market earns nothing:
/// sentences often speak of a whole region ("standard delivery to Southeast Asia"), which
/// applies to the viewer as much.
const OTHER_MARKET_PENALTY: f32 = 0.1;
/// For a sentence naming a term of a topic the question names by one ("satispay?" and the
/// sentence listing the accepted wallets).
const TOPIC_TERM_BONUS: f32 = 0.1;

impl ExtractiveGenerator {
    pub fn new(ngram: Arc<NgramModel>) -> Self {
        ExtractiveGenerator { ngram }
    }

    /// The answer text: chosen sentences joined in passage order. The first passage's
    /// sentences come first; further passages (the desk passes only more of the same document)
    /// fill what budget is left.
    pub fn answer(&self, request: &GenerationRequest) -> Result<String, GenerationError> {
        let first = request.passages.first().ok_or(GenerationError::NoPassage)?;
        let question = self.ngram.vector(&request.question);
        let sep = separator(request.language);
        let budget = request.budget;
        // (passage, sentence) pairs in the order they are offered the budget.
        let mut offered: Vec<(usize, usize)> = Vec::new();
        for (p, passage) in request.passages.iter().enumerate() {
            let mut scored: Vec<(usize, f32)> = passage
                .sentences
                .iter()
                .enumerate()
                .map(|(i, s)| {
                    let mut bonus = POSITION_BONUS.get(i).copied().unwrap_or(0.0);
                    if let (Some(market), Some(named)) =
                        (request.market, passage.sentence_markets.get(i))
                    {
                        if !named.is_empty() && !named.contains(&market) {
                            bonus -= OTHER_MARKET_PENALTY;
                        }
                    }
                    if passage
                        .sentence_topics
                        .get(i)
                        .is_some_and(|t| t.iter().any(|t| request.named_topics.contains(t)))
                    {
                        bonus += TOPIC_TERM_BONUS;
                    }
                    (i, question.dot(&self.ngram.vector(s)) + bonus)
                })
                .collect();
            scored.sort_by(|a, b| b.1.total_cmp(&a.1).then(a.0.cmp(&b.0)));
            offered.extend(scored.into_iter().map(|(i, _)| (p, i)));
        }
        let Some(&(_, best)) = offered.first() else {
            return Err(GenerationError::NoPassage);
        };
        let best_sentence = &first.sentences[best];
        if best_sentence.chars().count() > budget {
            return Ok(fit_budget(best_sentence, budget));
        }
        let mut chosen = vec![(0, best)];
        let mut used = best_sentence.chars().count();
        // The rest of the section fills the budget, closest to the question first: a section is
        // about one thing, and a short question ("which methods?") is often answered by a
        // sentence it shares no words with.
        for &(p, i) in &offered[1..] {
            let len = request.passages[p].sentences[i].chars().count() + sep.chars().count();
            if used + len <= budget {
                chosen.push((p, i));
                used += len;
            }
        }
        chosen.sort_unstable();
        Ok(chosen
            .iter()
            .map(|&(p, i)| request.passages[p].sentences[i].as_str())
            .collect::<Vec<_>>()
            .join(sep))
    }
}

/// Chinese and Japanese sentences follow each other without a space.
fn separator(language: Lang) -> &'static str {
    match language {
        Lang::Zh | Lang::Ja => "",
        _ => " ",
    }
}

#[async_trait]
impl Generator for ExtractiveGenerator {
    fn name(&self) -> &'static str {
        "extractive"
    }

    async fn generate(&self, request: &GenerationRequest) -> Result<ChunkStream, GenerationError> {
        let answer = self.answer(request)?;
        let chunks = vec![Ok(Chunk::PromptTokens(0)), Ok(Chunk::Text(answer))];
        Ok(Box::pin(stream::iter(chunks)))
    }
}
