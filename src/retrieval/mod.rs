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

use crate::knowledge::{KnowledgeBase, Markets, Passage, ALL_MARKETS};
use crate::language::Lang;
use crate::market::Market;
use embedding::Embedder;
use ngram::NgramModel;
use store::{IndexPoint, PointKind, StoreError, StoreHit, StoreQuery, VectorStore};

/// Reciprocal rank fusion constant: small, because the lists are short and the first ranks
/// should count.
const RRF_K: f32 = 10.0;
/// How much less a passage in the fallback language counts than one in the viewer's language.
const FALLBACK_WEIGHT: f32 = 0.8;
/// Candidates per list.
const CANDIDATES: usize = 24;
/// How much more a passage written for the viewer's market counts than a market-independent
/// one: when both match, the specific one answers better ("how do I pay?" from Brazil is about
/// Pix, not about prices being in local currency).
const MARKET_SPECIFIC_WEIGHT: f32 = 1.3;
/// How much more a document's first passage counts: the knowledge format puts a document's main
/// answer first, so a question as short as "ship to Brazil?" gets the delivery time, not the
/// duties.
const LEAD_WEIGHT: f32 = 1.1;

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
            for list in [&results.bm25, &results.ngram, &results.dense] {
                for (rank, passage) in distinct(list).into_iter().enumerate() {
                    fused.entry(passage).or_default().0 += weight / (RRF_K + rank as f32 + 1.0);
                }
            }
            for hit in &results.ngram {
                let entry = fused.entry(hit.passage).or_default();
                entry.1 = entry.1.max(hit.score.clamp(0.0, 1.0) * weight);
            }
        }
        let mut hits: Vec<Hit> = fused
            .into_iter()
            .map(|(passage, (score, similarity))| {
                let p = &self.knowledge.passages[passage as usize];
                let mut score = score;
                if query.market.is_some() && matches!(p.document.markets, Markets::Only(_)) {
                    score *= MARKET_SPECIFIC_WEIGHT;
                }
                if p.ordinal == 1 {
                    score *= LEAD_WEIGHT;
                }
                Hit {
                    passage: passage as usize,
                    score,
                    similarity,
                }
            })
            .collect();
        hits.sort_by(|a, b| b.score.total_cmp(&a.score).then(a.passage.cmp(&b.passage)));
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
        let confidence = hits.first().map_or(0.0, |h| h.similarity);
        Ok(Retrieval { hits, confidence })
    }

    pub fn passage(&self, index: usize) -> &Passage {
        &self.knowledge.passages[index]
    }
}

/// Passages in rank order, each once (a passage and its questions are separate points).
fn distinct(list: &[StoreHit]) -> Vec<u32> {
    let mut seen = Vec::with_capacity(list.len());
    for hit in list {
        if !seen.contains(&hit.passage) {
            seen.push(hit.passage);
        }
    }
    seen
}
