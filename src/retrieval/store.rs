//! The vector store: where indexed points live and how they are searched. The embedded default
//! is Qdrant's own engine in-process (`EdgeStore`); a Qdrant server or cluster implements the
//! same trait with the same data model (named sparse vectors `bm25` and `ngram`, an optional
//! dense vector `dense`, keyword payload fields `language`, `markets`, `topic`, `kind`).

use async_trait::async_trait;

use super::ngram::SparseVector;
use crate::language::Lang;

/// One point to index: a passage or one of its example questions.
#[derive(Debug, Clone)]
pub struct IndexPoint {
    pub id: u64,
    /// The index of the passage in the knowledge base this point stands for.
    pub passage: u32,
    /// The text, for the store's own BM25 embedding.
    pub text: String,
    pub ngram: SparseVector,
    pub dense: Option<Vec<f32>>,
    pub language: Lang,
    /// Market codes, or `["all"]`.
    pub markets: Vec<String>,
    pub topic: &'static str,
    pub kind: PointKind,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum PointKind {
    Passage,
    Question,
}

impl PointKind {
    pub fn as_str(self) -> &'static str {
        match self {
            PointKind::Passage => "passage",
            PointKind::Question => "question",
        }
    }
}

/// A search within one language.
#[derive(Debug, Clone)]
pub struct StoreQuery {
    pub text: String,
    pub ngram: SparseVector,
    pub dense: Option<Vec<f32>>,
    pub language: Lang,
    /// Keep points whose `markets` holds any of these (e.g. `["BR", "all"]`).
    pub markets: Vec<String>,
    pub limit: usize,
}

/// The ranked lists a store returns, one per vector; fusion is the caller's.
#[derive(Debug, Clone, Default)]
pub struct StoreResults {
    pub bm25: Vec<StoreHit>,
    pub ngram: Vec<StoreHit>,
    pub dense: Vec<StoreHit>,
}

#[derive(Debug, Clone, Copy, PartialEq)]
pub struct StoreHit {
    pub passage: u32,
    pub score: f32,
}

#[derive(Debug, thiserror::Error)]
pub enum StoreError {
    #[error("vector store I/O: {0}")]
    Io(#[from] std::io::Error),
    #[error("vector store: {0}")]
    Engine(String),
}

/// A vector store backend.
#[async_trait]
pub trait VectorStore: Send + Sync {
    /// A short name for logs and `/readyz`.
    fn name(&self) -> &'static str;

    /// The fingerprint of the knowledge the index was built from, if there is an index.
    async fn fingerprint(&self) -> Result<Option<String>, StoreError>;

    /// Replaces the whole index with `points`, then records `fingerprint`. `progress` is called
    /// with the number of points written so far.
    async fn rebuild(
        &self,
        points: Vec<IndexPoint>,
        fingerprint: &str,
        progress: &(dyn Fn(usize) + Send + Sync),
    ) -> Result<(), StoreError>;

    /// Searches one language's points.
    async fn search(&self, query: &StoreQuery) -> Result<StoreResults, StoreError>;
}
