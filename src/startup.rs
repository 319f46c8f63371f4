//! Start-up: from settings to a running desk and server. Everything that chooses an
//! implementation (vector store, generator, embedder) does it here, once.

use std::future::Future;
use std::net::SocketAddr;
use std::sync::Arc;
use std::time::Duration;

use async_openai::config::OpenAIConfig;
use tokio::net::TcpListener;

use crate::conversation::ConversationMemory;
use crate::decision::{CueBook, CueError, DecisionRules};
use crate::desk::{Budgets, Desk};
use crate::generation::extractive::ExtractiveGenerator;
use crate::generation::llm::{LlmGenerator, LlmOptions};
use crate::generation::Generator;
use crate::knowledge::{KnowledgeBase, KnowledgeError};
use crate::language::{LanguageDetector, Lexicon};
use crate::prompts::{PromptError, Prompts};
use crate::retrieval::edge::EdgeStore;
use crate::retrieval::embedding::{Embedder, OpenAiEmbedder};
use crate::retrieval::store::{StoreError, VectorStore};
use crate::retrieval::{IndexState, RetrievalError, Retriever};
use crate::settings::{Settings, SettingsError};

#[derive(Debug, thiserror::Error)]
pub enum StartupError {
    #[error(transparent)]
    Settings(#[from] SettingsError),
    #[error("knowledge: {0}")]
    Knowledge(#[from] KnowledgeError),
    #[error("prompts: {0}")]
    Prompts(#[from] PromptError),
    #[error(transparent)]
    Cues(#[from] CueError),
    #[error("vector store: {0}")]
    Store(#[from] StoreError),
    #[error("indexing: {0}")]
    Index(#[from] RetrievalError),
    #[error("HTTP client: {0}")]
    Http(#[from] reqwest::Error),
    #[error("cannot listen on {addr}: {source}")]
    Bind {
        addr: String,
        source: std::io::Error,
    },
}

/// Called while indexing with (points written, points in all).
pub type IndexProgress<'a> = &'a (dyn Fn(usize, usize) + Send + Sync);

/// How many conversations' languages are remembered, and for how long.
const CONVERSATIONS: usize = 200_000;
const CONVERSATION_TTL: Duration = Duration::from_secs(6 * 3600);

/// Builds the desk: loads knowledge and prompts, opens the store, (re)builds the index when
/// the knowledge changed, and picks the generator.
pub async fn build_desk(
    settings: &Settings,
    force_reindex: bool,
    progress: IndexProgress<'_>,
) -> Result<(Arc<Desk>, IndexState), StartupError> {
    let languages = settings.languages()?;
    let fallback = settings.fallback()?;
    let knowledge = Arc::new(KnowledgeBase::load(&settings.knowledge_dir, &languages)?);
    let prompts = Prompts::load(&settings.prompts_dir)?;
    let cues = CueBook::builtin()?;

    // The detector learns the knowledge base's words: a seller's vocabulary is the best
    // evidence of the language its shoppers ask in.
    let mut lexicon = Lexicon::builtin();
    for passage in &knowledge.passages {
        let lang = passage.document.language;
        lexicon.add_text(lang, &passage.text());
        for q in &passage.questions {
            lexicon.add_text(lang, q);
        }
    }
    // Chat words and laughter are language evidence too: "jajaja" is Spanish, "wkwk"
    // Indonesian, "555" Thai.
    for lang in crate::language::Lang::ALL {
        let (words, units) = cues.chatter_entries(lang);
        for word in words {
            lexicon.add_listed(lang, &word);
        }
        for unit in units {
            lexicon.add_repeat(lang, &unit);
        }
    }
    let detector = LanguageDetector::new(languages, fallback, lexicon);

    let store: Arc<dyn VectorStore> = Arc::new(EdgeStore::open(&settings.data_dir.join("index"))?);
    let http = reqwest::Client::builder()
        .connect_timeout(Duration::from_secs(5))
        .read_timeout(Duration::from_millis(settings.llm_read_timeout_ms))
        .build()?;
    let embedder: Option<Arc<dyn Embedder>> =
        (!settings.embeddings_base_url.is_empty()).then(|| {
            let config = OpenAIConfig::new()
                .with_api_base(settings.embeddings_base_url.trim_end_matches('/'))
                .with_api_key(settings.embeddings_api_key.expose());
            Arc::new(OpenAiEmbedder::new(
                async_openai::Client::build(http.clone(), config),
                settings.embeddings_model.clone(),
            )) as Arc<dyn Embedder>
        });
    let retriever = Retriever::new(store, knowledge.clone(), embedder, fallback);
    let state = retriever.ensure_index(force_reindex, progress).await?;

    let extractive = Arc::new(ExtractiveGenerator::new(retriever.ngram().clone()));
    let generator: Arc<dyn Generator> = if settings.llm_base_url.is_empty() {
        extractive.clone()
    } else {
        let config = OpenAIConfig::new()
            .with_api_base(settings.llm_base_url.trim_end_matches('/'))
            .with_api_key(settings.llm_api_key.expose());
        Arc::new(LlmGenerator::new(
            async_openai::Client::build(http, config),
            LlmOptions {
                model: settings.llm_model.clone(),
                max_tokens: settings.llm_max_tokens,
                temperature: settings.llm_temperature,
                stream_usage: settings.llm_stream_usage,
            },
            prompts.clone(),
        ))
    };
    let desk = Desk {
        detector,
        retriever,
        rules: DecisionRules::new(cues, settings.min_confidence),
        generator,
        extractive,
        prompts,
        conversations: ConversationMemory::new(CONVERSATIONS, CONVERSATION_TTL),
        budgets: Budgets {
            live: settings.budget_live,
            whatsapp: settings.budget_whatsapp,
            email: settings.budget_email,
        },
        first_token_timeout: Duration::from_millis(settings.llm_first_token_timeout_ms),
    };
    Ok((Arc::new(desk), state))
}

/// The HTTP application: a bound listener and the router.
pub struct Application {
    listener: TcpListener,
    router: axum::Router,
    desk: Arc<Desk>,
}

impl Application {
    /// Builds the desk and binds `settings.bind` (port 0 picks a free port).
    pub async fn build(settings: Settings) -> Result<Self, StartupError> {
        let progress = |done: usize, total: usize| {
            if done == total {
                tracing::info!(points = total, "index rebuilt");
            }
        };
        let (desk, state) = build_desk(&settings, false, &progress).await?;
        if state == IndexState::UpToDate {
            tracing::info!("index up to date");
        }
        let listener =
            TcpListener::bind(&settings.bind)
                .await
                .map_err(|source| StartupError::Bind {
                    addr: settings.bind.clone(),
                    source,
                })?;
        let router = crate::http::app(crate::http::AppState::new(desk.clone(), &settings));
        Ok(Application {
            listener,
            router,
            desk,
        })
    }

    pub fn local_addr(&self) -> SocketAddr {
        self.listener
            .local_addr()
            .unwrap_or_else(|_| SocketAddr::from(([127, 0, 0, 1], 0)))
    }

    pub fn port(&self) -> u16 {
        self.local_addr().port()
    }

    pub fn desk(&self) -> &Arc<Desk> {
        &self.desk
    }

    /// Serves until `shutdown` completes, then lets in-flight requests finish.
    pub async fn run_until_stopped(
        self,
        shutdown: impl Future<Output = ()> + Send + 'static,
    ) -> std::io::Result<()> {
        axum::serve(self.listener, self.router)
            .with_graceful_shutdown(shutdown)
            .await
    }
}

/// Completes on Ctrl-C or SIGTERM.
pub async fn shutdown_signal() {
    let ctrl_c = async {
        let _ = tokio::signal::ctrl_c().await;
    };
    #[cfg(unix)]
    let terminate = async {
        match tokio::signal::unix::signal(tokio::signal::unix::SignalKind::terminate()) {
            Ok(mut s) => {
                s.recv().await;
            }
            Err(_) => std::future::pending::<()>().await,
        }
    };
    #[cfg(not(unix))]
    let terminate = std::future::pending::<()>();
    tokio::select! {
        _ = ctrl_c => {},
        _ = terminate => {},
    }
}
