//! Retrieval: from a question to the passages that answer it, with a confidence.
//!
//! Each query runs in the viewer's language and in the fallback language, filtered to the
//! viewer's market (plus market-independent passages). The store returns one ranked list per
//! vector (BM25, character n-grams, and dense embeddings when configured); they are fused with
//! reciprocal rank fusion, passages in the viewer's language are preferred, and the confidence
//! is the n-gram cosine similarity between the question and the best passage or one of its
//! example questions: an absolute measure the decision step can threshold.

pub mod edge;
pub mod embedding;
pub mod ngram;
pub mod store;

use std::collections::HashMap;
use std::sync::Arc;

use crate::knowledge::{KnowledgeBase, Markets, Passage, Topic, ALL_MARKETS};
use crate::language::Lang;
use crate::market::Market;
use embedding::Embedder;
use ngram::NgramModel;
use store::{IndexPoint, PointKind, StoreError, StoreHit, StoreQuery, VectorStore};

/// How much less a passage in the fallback language counts than one in the viewer's language.
const FALLBACK_WEIGHT: f32 = 0.8;
/// Candidates per list. Many points share a BM25 score (example questions of the same length
/// with the same matching word), and which of the tied points a top-k cut keeps depends on how
/// the index was laid out: at 16 the scorecard differed between two builds of the same
/// knowledge. 64 keeps the ties that matter and the result reproducible.
const CANDIDATES: usize = 64;
/// The fallback language is searched only when the viewer's language found nothing this close:
/// it serves languages whose knowledge is missing or thin, and otherwise only adds noise.
const CONFIDENT: f32 = 0.3;
/// Weights of the lists in the fused score. Scores are fused, not ranks: on two-word questions
/// how much better one passage matches than the next is the signal, and rank fusion (RRF)
/// discards it (measured on the eval set: see BENCHMARKS.md).
const WEIGHT_BM25: f32 = 1.0;
const WEIGHT_NGRAM: f32 = 1.0;
const WEIGHT_DENSE: f32 = 1.0;
/// Added for a passage written for the viewer's market: when it matches about as well as a
/// market-independent one, the specific one answers better ("how do I pay?" from Brazil is
/// about Pix, not about prices being in local currency).
const MARKET_BONUS: f32 = 0.2;
/// Added, across topics, for a passage of a market the message itself names ("how long to
/// Berlin?"): a small nudge towards that market's passages, which the topic's evidence can
/// still overrule.
const NAMED_MARKET_BONUS: f32 = 0.2;
/// Added for a document's first passage: the knowledge format puts a document's main answer
/// first, so a question as short as "ship to Brazil?" gets the delivery time, not the duties.
const LEAD_BONUS: f32 = 0.08;
/// Added, across topics, for a passage of a topic the message names by a term of
/// `topics.toml` ("shopeepay?" is about payment, whatever else it matches).
const TOPIC_TERM_BONUS: f32 = 0.2;
/// The confidence, at least, when the message names the chosen topic by such a term: "shopeepay?"
/// matches no passage's words, but it is understood as "do you take ShopeePay?", which the
/// market's payment methods answer.
const TOPIC_TERM_CONFIDENCE: f32 = 0.3;
/// Added as well for the lead passage of a document about a market the message names: "do you
/// ship to Dubai?" and "how long to Seoul?" are answered by that market's delivery times, the
/// lead of its shipping document.
const NAMED_LEAD_BONUS: f32 = 0.1;
/// Taken from a market-overview passage when the viewer's market is known.
const OVERVIEW_PENALTY: f32 = 0.3;
/// How many leading hits the confidence looks at.
const CONFIDENCE_DEPTH: usize = 3;

#[derive(Debug, thiserror::Error)]
pub enum RetrievalError {
    #[error(transparent)]
    Store(#[from] StoreError),
    #[error("embeddings: {0}")]
    Embedding(String),
}

/// What to look for.
#[derive(Debug, Clone)]
pub struct RetrievalQuery<'a> {
    pub text: &'a str,
    pub language: Lang,
    /// The viewer's market, when known; `None` restricts results to market-independent
    /// passages.
    pub market: Option<Market>,
    /// The message itself names the market ("how long to Berlin?"): it asks about that market,
    /// so its passages are preferred over market-independent ones whatever their topic.
    pub market_named: bool,
}

/// One retrieved passage.
#[derive(Debug, Clone, PartialEq)]
pub struct Hit {
    /// Index into the knowledge base's passages.
    pub passage: usize,
    /// The fused score, for ranking only.
    pub score: f32,
    /// The n-gram cosine similarity of the question to this passage or its best example
    /// question, 0 to 1.
    pub similarity: f32,
}

/// The outcome of retrieval.
#[derive(Debug, Clone, Default)]
pub struct Retrieval {
    pub hits: Vec<Hit>,
    /// How well the best passage matches the question, 0 to 1.
    pub confidence: f32,
    /// The topics the question names by a word of `topics.toml`.
    pub named_topics: Vec<Topic>,
}

/// Whether `rebuild` did anything.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum IndexState {
    UpToDate,
    Rebuilt { points: usize },
}

/// The retriever: the store, the knowledge it indexes, and the query-side models.
pub struct Retriever {
    store: Arc<dyn VectorStore>,
    knowledge: Arc<KnowledgeBase>,
    ngram: Arc<NgramModel>,
    embedder: Option<Arc<dyn Embedder>>,
    fallback: Lang,
}

impl Retriever {
    pub fn new(
        store: Arc<dyn VectorStore>,
        knowledge: Arc<KnowledgeBase>,
        embedder: Option<Arc<dyn Embedder>>,
        fallback: Lang,
    ) -> Self {
        let ngram = Arc::new(NgramModel::fit(
            knowledge
                .passages
                .iter()
                .flat_map(|p| std::iter::once(p.text()).chain(p.questions.iter().cloned()))
                .collect::<Vec<_>>()
                .iter()
                .map(String::as_str),
        ));
        Retriever {
            store,
            knowledge,
            ngram,
            embedder,
            fallback,
        }
    }

    pub fn knowledge(&self) -> &Arc<KnowledgeBase> {
        &self.knowledge
    }

    pub fn ngram(&self) -> &Arc<NgramModel> {
        &self.ngram
    }

    pub fn store(&self) -> &Arc<dyn VectorStore> {
        &self.store
    }

    /// The fingerprint the index must carry: the knowledge, plus the embedding model when
    /// dense vectors are used.
    fn fingerprint(&self) -> String {
        match &self.embedder {
            Some(e) => format!("{}+{}", self.knowledge.fingerprint, e.model()),
            None => self.knowledge.fingerprint.clone(),
        }
    }

    /// Rebuilds the index when it is missing or was built from other knowledge (or `force`).
    pub async fn ensure_index(
        &self,
        force: bool,
        progress: &(dyn Fn(usize, usize) + Send + Sync),
    ) -> Result<IndexState, RetrievalError> {
        let fingerprint = self.fingerprint();
        if !force && self.store.fingerprint().await?.as_deref() == Some(fingerprint.as_str()) {
            return Ok(IndexState::UpToDate);
        }
        let mut points = self.points();
        if let Some(embedder) = &self.embedder {
            let texts: Vec<String> = points.iter().map(|p| p.text.clone()).collect();
            let vectors = embedder
                .embed(&texts)
                .await
                .map_err(|e| RetrievalError::Embedding(e.to_string()))?;
            for (point, vector) in points.iter_mut().zip(vectors) {
                point.dense = Some(vector);
            }
        }
        let total = points.len();
        self.store
            .rebuild(points, &fingerprint, &|n| progress(n, total))
            .await?;
        Ok(IndexState::Rebuilt { points: total })
    }

    /// One point per passage and one per example question.
    fn points(&self) -> Vec<IndexPoint> {
        let mut points = Vec::new();
        for (i, passage) in self.knowledge.passages.iter().enumerate() {
            let doc = &passage.document;
            let mut push = |text: String, kind: PointKind| {
                points.push(IndexPoint {
                    id: points.len() as u64 + 1,
                    passage: i as u32,
                    ngram: self.ngram.vector(&text),
                    text,
                    dense: None,
                    language: doc.language,
                    markets: doc.markets.keywords(),
                    topic: doc.topic.as_str(),
                    kind,
                });
            };
            push(passage.text(), PointKind::Passage);
            for q in &passage.questions {
                push(q.clone(), PointKind::Question);
            }
        }
        points
    }

    /// Finds the passages that answer `query`.
    pub async fn retrieve(&self, query: &RetrievalQuery<'_>) -> Result<Retrieval, RetrievalError> {
        let mut markets = vec![ALL_MARKETS.to_string()];
        if let Some(m) = query.market {
            markets.push(m.to_string());
        }
        let ngram = self.ngram.vector(query.text);
        let dense = match &self.embedder {
            Some(e) => Some(
                e.embed(&[query.text.to_string()])
                    .await
                    .map_err(|e| RetrievalError::Embedding(e.to_string()))?
                    .into_iter()
                    .next()
                    .unwrap_or_default(),
            ),
            None => None,
        };
        let mut languages = vec![query.language];
        if self.fallback != query.language {
            languages.push(self.fallback);
        }

        // Passage -> (fused score, n-gram similarity).
        let mut fused: HashMap<u32, (f32, f32)> = HashMap::new();
        for (n, language) in languages.into_iter().enumerate() {
            let weight = if n == 0 { 1.0 } else { FALLBACK_WEIGHT };
            let results = self
                .store
                .search(&StoreQuery {
                    text: query.text.to_string(),
                    ngram: ngram.clone(),
                    dense: dense.clone(),
                    language,
                    markets: markets.clone(),
                    limit: CANDIDATES,
                })
                .await?;
            if tracing::enabled!(tracing::Level::TRACE) {
                let show = |list: &[StoreHit]| -> Vec<String> {
                    list.iter()
                        .take(4)
                        .map(|h| {
                            format!(
                                "{} {:.2}",
                                self.knowledge.passages[h.passage as usize].id, h.score
                            )
                        })
                        .collect()
                };
                tracing::trace!(language = %language, bm25 = ?show(&results.bm25), ngram = ?show(&results.ngram), "lists");
            }
            // BM25 scores are unbounded: scale by the list's best. Cosines are absolute.
            let bm25_top = results
                .bm25
                .first()
                .map_or(1.0, |h| h.score.max(f32::EPSILON));
            let lists = [
                (&results.bm25, WEIGHT_BM25, 1.0 / bm25_top),
                (&results.ngram, WEIGHT_NGRAM, 1.0),
                (&results.dense, WEIGHT_DENSE, 1.0),
            ];
            let total_weight: f32 = lists
                .iter()
                .filter(|(list, _, _)| !list.is_empty())
                .map(|(_, w, _)| w)
                .sum::<f32>()
                .max(f32::EPSILON);
            for (list, list_weight, scale) in lists {
                for (passage, score) in best_per_passage(list) {
                    let contribution =
                        weight * list_weight * (score * scale).clamp(0.0, 1.0) / total_weight;
                    fused.entry(passage).or_default().0 += contribution;
                }
            }
            for hit in &results.ngram {
                let entry = fused.entry(hit.passage).or_default();
                entry.1 = entry.1.max(hit.score.clamp(0.0, 1.0) * weight);
            }
            let best = fused.values().map(|v| v.1).fold(0.0f32, f32::max);
            if best >= CONFIDENT {
                break;
            }
        }
        let is_specific =
            |p: &Passage| query.market.is_some() && matches!(p.document.markets, Markets::Only(_));
        let named_topics = self.knowledge.topic_terms.named(query.text);
        let mut hits: Vec<Hit> = fused
            .into_iter()
            .map(|(passage, (score, similarity))| {
                let p = &self.knowledge.passages[passage as usize];
                let mut score = score;
                if query.market_named && is_specific(p) {
                    score += NAMED_MARKET_BONUS;
                }
                if named_topics.contains(&p.document.topic) {
                    score += TOPIC_TERM_BONUS;
                }
                Hit {
                    passage: passage as usize,
                    score,
                    similarity,
                }
            })
            .collect();
        hits.sort_by(|a, b| b.score.total_cmp(&a.score).then(a.passage.cmp(&b.passage)));
        // The evidence decides the topic; within it, a passage written for the viewer's market
        // and a document's lead passage are preferred.
        if let Some(topic) = hits
            .first()
            .map(|h| self.knowledge.passages[h.passage].document.topic)
        {
            for hit in &mut hits {
                let p = &self.knowledge.passages[hit.passage];
                if p.document.topic != topic {
                    continue;
                }
                if is_specific(p) {
                    hit.score += MARKET_BONUS;
                }
                if p.ordinal == 1 {
                    hit.score += LEAD_BONUS;
                    if query.market_named && is_specific(p) {
                        hit.score += NAMED_LEAD_BONUS;
                    }
                }
                if p.market_overview && query.market.is_some() {
                    hit.score -= OVERVIEW_PENALTY;
                }
            }
            hits.sort_by(|a, b| {
                let ta = self.knowledge.passages[a.passage].document.topic == topic;
                let tb = self.knowledge.passages[b.passage].document.topic == topic;
                tb.cmp(&ta)
                    .then(b.score.total_cmp(&a.score))
                    .then(a.passage.cmp(&b.passage))
            });
        }
        if tracing::enabled!(tracing::Level::DEBUG) {
            let top: Vec<String> = hits
                .iter()
                .take(5)
                .map(|h| {
                    format!(
                        "{} {:.3}/{:.2}",
                        self.knowledge.passages[h.passage].id, h.score, h.similarity
                    )
                })
                .collect();
            tracing::debug!(hits = ?top, "retrieved");
        }
        // Confidence says whether the question was understood: the best match among the leading
        // passages of the chosen topic, so that preferring the viewer's market's passage (which
        // may match the words less closely) does not make the answer look less certain.
        let confidence = match hits.first() {
            Some(top) => {
                let topic = self.knowledge.passages[top.passage].document.topic;
                let matched = hits
                    .iter()
                    .take(CONFIDENCE_DEPTH)
                    .filter(|h| self.knowledge.passages[h.passage].document.topic == topic)
                    .map(|h| h.similarity)
                    .fold(0.0f32, f32::max);
                if named_topics.contains(&topic) {
                    matched.max(TOPIC_TERM_CONFIDENCE)
                } else {
                    matched
                }
            }
            None => 0.0,
        };
        Ok(Retrieval {
            hits,
            confidence,
            named_topics,
        })
    }

    pub fn passage(&self, index: usize) -> &Passage {
        &self.knowledge.passages[index]
    }
}

/// Each passage's best score in a list (a passage and its questions are separate points).
fn best_per_passage(list: &[StoreHit]) -> Vec<(u32, f32)> {
    let mut best: Vec<(u32, f32)> = Vec::with_capacity(list.len());
    for hit in list {
        match best.iter_mut().find(|(p, _)| *p == hit.passage) {
            Some(entry) => entry.1 = entry.1.max(hit.score),
            None => best.push((hit.passage, hit.score)),
        }
    }
    best
}
