//! livedesk: answers live-commerce shoppers' shipping, payment and returns questions in their own
//! language, grounded in the seller's policy text, and hands everything else to a person.
//!
//! The path of a message, stage by stage (one module each):

/// The one action per message: answer, handoff or ignore.
pub mod decision;
/// The pipeline that ties the stages together.
pub mod desk;
/// Streaming the answer: LLM or extractive.
pub mod generation;
/// The seller's knowledge: documents, passages, front matter.
pub mod knowledge;
/// Language detection for short, code-mixed messages.
pub mod language;
/// Markets served and place names in messages.
pub mod market;
/// Finding the passages that answer a question: the vector store and fusion.
pub mod retrieval;
/// Text normalisation shared by the stages.
pub mod text;

/// Channels and their budgets.
pub mod channel;
/// The command line.
pub mod cli;
/// What is remembered between a conversation's messages.
pub mod conversation;
/// The eval runner and scorecard.
pub mod eval;
/// The HTTP API (the only module that knows axum and JSON).
pub mod http;
/// Prompt and holding-message texts.
pub mod prompts;
/// Settings from file and environment.
pub mod settings;
/// Building the desk and the server.
pub mod startup;
/// Token counting.
pub mod tokens;
