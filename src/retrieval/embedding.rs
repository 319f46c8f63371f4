//! Dense embeddings from any OpenAI-compatible `/v1/embeddings` endpoint (OpenAI, Ollama, vLLM,
//! a text-embeddings-inference server). Optional: without one, retrieval uses the two sparse
//! vectors only.

use async_openai::config::OpenAIConfig;
use async_openai::types::embeddings::{CreateEmbeddingRequest, EmbeddingInput};
use async_openai::Client;
use async_trait::async_trait;

/// Turns texts into dense vectors.
#[async_trait]
pub trait Embedder: Send + Sync {
    /// The model name; part of the index fingerprint, so changing it rebuilds the index.
    fn model(&self) -> &str;

    async fn embed(&self, texts: &[String]) -> Result<Vec<Vec<f32>>, EmbeddingError>;
}

#[derive(Debug, thiserror::Error)]
pub enum EmbeddingError {
    #[error("embeddings request failed: {0}")]
    Request(#[from] async_openai::error::OpenAIError),
    #[error("the embeddings endpoint returned {got} vectors for {asked} inputs")]
    Count { asked: usize, got: usize },
}

/// Inputs per request; OpenAI accepts up to 2,048, local servers often fewer.
const BATCH: usize = 128;

/// An OpenAI-compatible embeddings client.
pub struct OpenAiEmbedder {
    client: Client<OpenAIConfig>,
    model: String,
}

impl OpenAiEmbedder {
    pub fn new(client: Client<OpenAIConfig>, model: String) -> Self {
        OpenAiEmbedder { client, model }
    }
}

#[async_trait]
impl Embedder for OpenAiEmbedder {
    fn model(&self) -> &str {
        &self.model
    }

    async fn embed(&self, texts: &[String]) -> Result<Vec<Vec<f32>>, EmbeddingError> {
        let mut out = Vec::with_capacity(texts.len());
        for chunk in texts.chunks(BATCH) {
            let request = CreateEmbeddingRequest {
                model: self.model.clone(),
                input: EmbeddingInput::StringArray(chunk.to_vec()),
                encoding_format: None,
                user: None,
                dimensions: None,
            };
            let mut response = self.client.embeddings().create(request).await?;
            if response.data.len() != chunk.len() {
                return Err(EmbeddingError::Count {
                    asked: chunk.len(),
                    got: response.data.len(),
                });
            }
            response.data.sort_by_key(|e| e.index);
            out.extend(response.data.into_iter().map(|e| e.embedding));
        }
        Ok(out)
    }
}
