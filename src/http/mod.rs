//! The HTTP API. Only this module knows axum, JSON shapes and status codes: it turns requests
//! into `desk::Inbound` values and desk results into JSON or SSE.

mod error;
mod health;
pub mod messages;

use std::sync::Arc;

use axum::extract::DefaultBodyLimit;
use axum::response::IntoResponse;
use axum::Router;

pub use error::{ApiError, ErrorCode};

use crate::channel::Channel;
use crate::desk::Desk;
use crate::settings::Settings;

/// What every handler can reach.
#[derive(Clone)]
pub struct AppState {
    pub desk: Arc<Desk>,
    /// Longest accepted text per channel, in characters.
    pub max_text: [(Channel, usize); 3],
    /// Largest accepted request body, in bytes.
    pub max_body_bytes: usize,
}

impl AppState {
    pub fn new(desk: Arc<Desk>, settings: &Settings) -> Self {
        AppState {
            desk,
            max_text: Channel::ALL.map(|c| (c, settings.max_text(c))),
            max_body_bytes: settings.max_body_bytes,
        }
    }

    fn max_text(&self, channel: Channel) -> usize {
        self.max_text
            .iter()
            .find(|(c, _)| *c == channel)
            .map_or(2000, |(_, n)| *n)
    }
}

/// The whole API. Body size is limited here; the handlers turn the limit into
/// `body_too_large`.
pub fn app(state: AppState) -> Router {
    let limit = state.max_body_bytes;
    Router::new()
        .merge(messages::router())
        .merge(health::router())
        .fallback(not_found)
        .method_not_allowed_fallback(method_not_allowed)
        .layer(DefaultBodyLimit::max(limit))
        .with_state(state)
}

async fn not_found() -> impl IntoResponse {
    ApiError::new(ErrorCode::NotFound, "no such route")
}

async fn method_not_allowed() -> impl IntoResponse {
    ApiError::new(
        ErrorCode::MethodNotAllowed,
        "method not allowed on this route",
    )
}
