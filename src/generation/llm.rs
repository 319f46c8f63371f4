//! The LLM generator: any OpenAI-compatible chat-completions API (OpenAI, Azure, Ollama, vLLM,
//! llama.cpp, LM Studio), streamed. The retrieved passages go in a delimited system block, the
//! viewer's text is the user message, and the system prompt (from `prompts/`) holds the rules.
//! The stream is cut at the channel budget whatever the model does.

use async_openai::config::OpenAIConfig;
use async_openai::types::chat::{
    ChatCompletionRequestMessage, ChatCompletionRequestSystemMessage,
    ChatCompletionRequestUserMessage, ChatCompletionStreamOptions, CreateChatCompletionRequest,
};
use async_openai::Client;
use async_trait::async_trait;
use futures::StreamExt;

use super::{Chunk, ChunkStream, GenerationError, GenerationRequest, Generator};
use crate::prompts::Prompts;
use crate::tokens;

/// LLM request settings.
#[derive(Debug, Clone)]
pub struct LlmOptions {
    pub model: String,
    pub max_tokens: u32,
    pub temperature: f32,
    /// Ask for the usage chunk at the end of the stream (some servers reject the option).
    pub stream_usage: bool,
}

pub struct LlmGenerator {
    client: Client<OpenAIConfig>,
    options: LlmOptions,
    prompts: Prompts,
}

impl LlmGenerator {
    pub fn new(client: Client<OpenAIConfig>, options: LlmOptions, prompts: Prompts) -> Self {
        LlmGenerator {
            client,
            options,
            prompts,
        }
    }

    /// The messages sent to the model.
    pub fn messages(&self, request: &GenerationRequest) -> (String, String, String) {
        let system = self
            .prompts
            .system(request.language, request.channel, request.budget);
        let mut context = String::from("<passages>\n");
        for p in &request.passages {
            context.push_str(&format!(
                "<passage id=\"{}\" topic=\"{}\" language=\"{}\">\n{}\n</passage>\n",
                p.id,
                p.document.topic,
                p.document.language,
                p.text()
            ));
        }
        context.push_str("</passages>");
        (system, context, request.question.clone())
    }
}

#[async_trait]
impl Generator for LlmGenerator {
    fn name(&self) -> &'static str {
        "llm"
    }

    async fn generate(&self, request: &GenerationRequest) -> Result<ChunkStream, GenerationError> {
        if request.passages.is_empty() {
            return Err(GenerationError::NoPassage);
        }
        let (system, context, question) = self.messages(request);
        let prompt_tokens =
            tokens::count(&system) + tokens::count(&context) + tokens::count(&question);
        let body = CreateChatCompletionRequest {
            model: self.options.model.clone(),
            messages: vec![
                ChatCompletionRequestMessage::System(ChatCompletionRequestSystemMessage::from(
                    system.as_str(),
                )),
                ChatCompletionRequestMessage::System(ChatCompletionRequestSystemMessage::from(
                    context.as_str(),
                )),
                ChatCompletionRequestMessage::User(ChatCompletionRequestUserMessage::from(
                    question.as_str(),
                )),
            ],
            max_completion_tokens: Some(self.options.max_tokens),
            temperature: Some(self.options.temperature),
            stream_options: self
                .options
                .stream_usage
                .then_some(ChatCompletionStreamOptions {
                    include_usage: Some(true),
                    include_obfuscation: None,
                }),
            ..Default::default()
        };
        let upstream = self
            .client
            .chat()
            .create_stream(body)
            .await
            .map_err(|e| GenerationError::Provider(e.to_string()))?;
        let budget = request.budget;
        let mut emitted = 0usize;
        let text = upstream.filter_map(move |item| {
            let out = match item {
                Err(e) => Some(Err(GenerationError::Stream(e.to_string()))),
                Ok(chunk) => {
                    let piece: String = chunk
                        .choices
                        .iter()
                        .filter_map(|c| c.delta.content.as_deref())
                        .collect();
                    // Past the budget the rest is dropped; the caller trims the final text to
                    // a sentence end.
                    let room = budget.saturating_sub(emitted);
                    let piece: String = piece.chars().take(room).collect();
                    emitted += piece.chars().count();
                    (!piece.is_empty()).then_some(Ok(Chunk::Text(piece)))
                }
            };
            futures::future::ready(out)
        });
        let head = futures::stream::once(futures::future::ready(Ok(Chunk::PromptTokens(
            prompt_tokens,
        ))));
        Ok(Box::pin(head.chain(text)))
    }
}
