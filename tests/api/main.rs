//! Integration tests: the real server on port 0 with its own data directory, the real embedded
//! Qdrant index, and a local stand-in for the OpenAI-compatible LLM API that speaks its wire
//! format. One binary, one module per area.

mod errors;
mod helpers;
mod knowledge;
mod llm;
mod messages;
mod stream;
