//! The embedded vector store: Qdrant's engine in-process (qdrant-edge), persisted under the data
//! directory. BM25 sparse vectors come from qdrant-edge's own `EdgeBm25` with its multilingual
//! tokenizer (charabia segments Chinese, Japanese and Thai), one model per language so stemming
//! and stopwords fit the language; the n-gram and dense vectors are computed by livedesk.

use std::collections::HashMap;
use std::path::{Path, PathBuf};
use std::sync::{Arc, RwLock};

use async_trait::async_trait;
use qdrant_edge::bm25_embed::{EdgeBm25, EdgeBm25Config};
use qdrant_edge::{
    Condition, CreateIndex, Distance, EdgeConfig, EdgeShard, EdgeSparseVectorParams,
    EdgeVectorParams, FieldCondition, FieldIndexOperations, Filter, JsonPath, Match, Modifier,
    NamedQuery, PayloadFieldSchema, PayloadSchemaType, PointInsertOperations, PointOperations,
    PointStruct, QueryEnum, QueryRequest, ScoringQuery, SparseVector as EdgeSparse,
    UpdateOperation, Vector, VectorInternal, Vectors, WithPayloadInterface, WithVector,
};
use serde_json::json;

use super::ngram::SparseVector;
use super::store::{IndexPoint, StoreError, StoreHit, StoreQuery, StoreResults, VectorStore};
use crate::language::Lang;

const BM25: &str = "bm25";
const NGRAM: &str = "ngram";
const DENSE: &str = "dense";
const FINGERPRINT_FILE: &str = "livedesk-fingerprint";
/// Bumped when the point layout changes, so an old index is rebuilt rather than misread.
const SCHEMA: &str = "livedesk-index-v1";
/// Text in every script the tokenizer segments with a dictionary.
const WARM_UP: &str = "配送要几天 日本まで何日ですか 배송 며칠 ส่งกี่วัน shipping";
/// Points written per update call during a rebuild.
const BATCH: usize = 512;

/// Qdrant Edge, in-process.
pub struct EdgeStore {
    dir: PathBuf,
    shard: RwLock<Option<Arc<EdgeShard>>>,
    bm25: HashMap<Lang, EdgeBm25>,
}

fn engine(e: impl std::fmt::Display) -> StoreError {
    StoreError::Engine(e.to_string())
}

/// The BM25 model for a language: Qdrant's stemmer and stopwords where it has them for the
/// language, ASCII folding so "envio" finds "envío".
fn bm25_for(lang: Lang) -> Result<EdgeBm25, StoreError> {
    let language = match lang {
        Lang::En => Some("en"),
        Lang::Zh => Some("zh"),
        Lang::Es => Some("es"),
        Lang::Pt => Some("pt"),
        Lang::Id | Lang::Ms => Some("id"),
        Lang::Ar => Some("ar"),
        Lang::Fr => Some("fr"),
        Lang::De => Some("de"),
        Lang::It => Some("it"),
        Lang::Nl => Some("nl"),
        Lang::Ja => Some("jp"),
        Lang::Th | Lang::Vi | Lang::Tl | Lang::Ko => None,
    };
    let mut config = json!({"tokenizer": "multilingual", "ascii_folding": true});
    match language {
        Some(code) => config["language"] = json!(code),
        // No stemmer or stopword list for this language: keep every word.
        None => config["stopwords"] = json!({"custom": []}),
    }
    let config: EdgeBm25Config = serde_json::from_value(config).map_err(engine)?;
    EdgeBm25::new(config).map_err(engine)
}

impl EdgeStore {
    /// Opens (or prepares) the store under `dir`. An existing index is loaded lazily by
    /// `fingerprint` or `search`.
    pub fn open(dir: &Path) -> Result<Self, StoreError> {
        std::fs::create_dir_all(dir)?;
        let mut bm25 = HashMap::new();
        for lang in Lang::ALL {
            let model = bm25_for(lang)?;
            // The multilingual tokenizer loads its Chinese, Japanese and Thai dictionaries on
            // first use (over 100 ms): pay that at start-up, not on a viewer's first question.
            model.embed_query(WARM_UP);
            bm25.insert(lang, model);
        }
        let store = EdgeStore {
            dir: dir.to_path_buf(),
            shard: RwLock::new(None),
            bm25,
        };
        if store.current().join(FINGERPRINT_FILE).exists() {
            let shard = EdgeShard::load(&store.current(), None).map_err(engine)?;
            *store.shard.write().map_err(engine)? = Some(Arc::new(shard));
        }
        Ok(store)
    }

    fn current(&self) -> PathBuf {
        self.dir.join("current")
    }

    fn shard(&self) -> Result<Option<Arc<EdgeShard>>, StoreError> {
        Ok(self.shard.read().map_err(engine)?.clone())
    }

    fn build(
        &self,
        path: &Path,
        points: Vec<IndexPoint>,
        progress: &(dyn Fn(usize) + Send + Sync),
    ) -> Result<EdgeShard, StoreError> {
        let mut config = EdgeConfig {
            sparse_vectors: HashMap::from([
                (
                    BM25.to_string(),
                    EdgeSparseVectorParams {
                        modifier: Some(Modifier::Idf),
                        ..Default::default()
                    },
                ),
                (NGRAM.to_string(), EdgeSparseVectorParams::default()),
            ]),
            ..Default::default()
        };
        if let Some(size) = points.iter().find_map(|p| p.dense.as_ref().map(Vec::len)) {
            config.vectors.insert(
                DENSE.to_string(),
                EdgeVectorParams {
                    size,
                    distance: Distance::Cosine,
                    on_disk: None,
                    multivector_config: None,
                    datatype: None,
                    quantization_config: None,
                    hnsw_config: None,
                },
            );
        }
        let shard = EdgeShard::new(path, config).map_err(engine)?;
        for field in ["language", "markets"] {
            shard
                .update(UpdateOperation::FieldIndexOperation(
                    FieldIndexOperations::CreateIndex(CreateIndex {
                        field_name: payload_path(field)?,
                        field_schema: Some(PayloadFieldSchema::FieldType(
                            PayloadSchemaType::Keyword,
                        )),
                    }),
                ))
                .map_err(engine)?;
        }
        let mut written = 0;
        let mut iter = points.into_iter().peekable();
        while iter.peek().is_some() {
            let batch: Vec<_> = iter.by_ref().take(BATCH).collect();
            let n = batch.len();
            let structs = batch
                .into_iter()
                .map(|p| self.point(p))
                .collect::<Result<Vec<_>, _>>()?;
            shard
                .update(UpdateOperation::PointOperation(
                    PointOperations::UpsertPoints(PointInsertOperations::PointsList(structs)),
                ))
                .map_err(engine)?;
            written += n;
            progress(written);
        }
        shard.optimize().map_err(engine)?;
        Ok(shard)
    }

    fn point(&self, p: IndexPoint) -> Result<qdrant_edge::PointStructPersisted, StoreError> {
        let bm25 = self
            .bm25
            .get(&p.language)
            .ok_or_else(|| engine("no BM25 model for language"))?
            .embed_document(&p.text);
        let mut vectors: Vec<(String, Vector)> = vec![
            (BM25.to_string(), Vector::from(bm25)),
            (NGRAM.to_string(), Vector::from(to_edge(&p.ngram))),
        ];
        if let Some(dense) = p.dense {
            vectors.push((DENSE.to_string(), Vector::from(dense)));
        }
        let payload = json!({
            "passage": p.passage,
            "language": p.language.code(),
            "markets": p.markets,
            "topic": p.topic,
            "kind": p.kind.as_str(),
        });
        Ok(PointStruct::new(p.id, Vectors::new_named(vectors), payload).into())
    }

    fn run(
        shard: &EdgeShard,
        using: &str,
        vector: VectorInternal,
        filter: &Filter,
        limit: usize,
    ) -> Result<Vec<StoreHit>, StoreError> {
        let request = QueryRequest {
            prefetches: vec![],
            query: Some(ScoringQuery::Vector(QueryEnum::Nearest(NamedQuery {
                query: vector,
                using: Some(using.to_string()),
            }))),
            filter: Some(filter.clone()),
            score_threshold: None,
            limit,
            offset: 0,
            params: None,
            with_vector: WithVector::Bool(false),
            with_payload: WithPayloadInterface::Bool(true),
        };
        let points = shard.query(request).map_err(engine)?;
        Ok(points
            .into_iter()
            .filter_map(|p| {
                let passage = p.payload.as_ref()?.0.get("passage")?.as_u64()?;
                Some(StoreHit {
                    passage: passage as u32,
                    score: p.score,
                })
            })
            .collect())
    }
}

fn to_edge(v: &SparseVector) -> EdgeSparse {
    EdgeSparse {
        indices: v.indices.clone(),
        values: v.values.clone(),
    }
}

/// A payload path; the names are constants, so a parse failure is a bug reported as an error.
fn payload_path(name: &str) -> Result<JsonPath, StoreError> {
    name.parse()
        .map_err(|()| engine(format!("invalid payload path {name:?}")))
}

fn filter(query: &StoreQuery) -> Result<Filter, StoreError> {
    let language = Condition::Field(FieldCondition::new_match(
        payload_path("language")?,
        Match::from(query.language.code().to_string()),
    ));
    let markets = Condition::Field(FieldCondition::new_match(
        payload_path("markets")?,
        Match::from(query.markets.clone()),
    ));
    Ok(Filter {
        must: Some(vec![language, markets]),
        ..Filter::new()
    })
}

#[async_trait]
impl VectorStore for EdgeStore {
    fn name(&self) -> &'static str {
        "qdrant-edge"
    }

    async fn fingerprint(&self) -> Result<Option<String>, StoreError> {
        let path = self.current().join(FINGERPRINT_FILE);
        match std::fs::read_to_string(&path) {
            Ok(raw) => Ok(raw
                .strip_prefix(SCHEMA)
                .and_then(|r| r.strip_prefix(' '))
                .map(|f| f.trim().to_string())),
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => Ok(None),
            Err(e) => Err(e.into()),
        }
    }

    async fn rebuild(
        &self,
        points: Vec<IndexPoint>,
        fingerprint: &str,
        progress: &(dyn Fn(usize) + Send + Sync),
    ) -> Result<(), StoreError> {
        // Build beside the live index, then swap directories: a crash mid-build leaves the old
        // index (or none) in place, never a half-written one under `current`.
        let staging = self.dir.join(format!("staging-{}", std::process::id()));
        if staging.exists() {
            std::fs::remove_dir_all(&staging)?;
        }
        std::fs::create_dir_all(&staging)?;
        // Rebuilds run at start-up or from `livedesk ingest`, before traffic: blocking here is fine.
        let shard = self.build(&staging, points, progress)?;
        drop(shard);
        std::fs::write(
            staging.join(FINGERPRINT_FILE),
            format!("{SCHEMA} {fingerprint}\n"),
        )?;
        let mut guard = self.shard.write().map_err(engine)?;
        *guard = None;
        let current = self.current();
        if current.exists() {
            std::fs::remove_dir_all(&current)?;
        }
        std::fs::rename(&staging, &current)?;
        let shard = EdgeShard::load(&current, None).map_err(engine)?;
        *guard = Some(Arc::new(shard));
        Ok(())
    }

    async fn search(&self, query: &StoreQuery) -> Result<StoreResults, StoreError> {
        let Some(shard) = self.shard()? else {
            return Err(engine("the index has not been built"));
        };
        let filter = filter(query)?;
        let bm25 = self
            .bm25
            .get(&query.language)
            .ok_or_else(|| engine("no BM25 model for language"))?
            .embed_query(&query.text);
        let mut results = StoreResults::default();
        if !bm25.indices.is_empty() {
            results.bm25 = Self::run(
                &shard,
                BM25,
                VectorInternal::from(bm25),
                &filter,
                query.limit,
            )?;
        }
        if !query.ngram.is_empty() {
            results.ngram = Self::run(
                &shard,
                NGRAM,
                VectorInternal::from(to_edge(&query.ngram)),
                &filter,
                query.limit,
            )?;
        }
        if let Some(dense) = &query.dense {
            if shard.config().vectors.contains_key(DENSE) {
                results.dense = Self::run(
                    &shard,
                    DENSE,
                    VectorInternal::from(dense.clone()),
                    &filter,
                    query.limit,
                )?;
            }
        }
        Ok(results)
    }
}
