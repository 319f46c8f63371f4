//! Liveness and readiness.

use axum::extract::State;
use axum::http::StatusCode;
use axum::response::IntoResponse;
use axum::routing::get;
use axum::{Json, Router};
use serde_json::json;

use super::{ApiError, AppState, ErrorCode};

pub fn router() -> Router<AppState> {
    Router::new()
        .route("/healthz", get(healthz))
        .route("/readyz", get(readyz))
}

async fn healthz() -> impl IntoResponse {
    (StatusCode::OK, Json(json!({"status": "ok"})))
}

/// Ready when the index exists and matches the knowledge it serves.
async fn readyz(State(state): State<AppState>) -> Result<impl IntoResponse, ApiError> {
    let desk = &state.desk;
    let retriever = &desk.retriever;
    let fingerprint = retriever
        .store()
        .fingerprint()
        .await
        .map_err(|e| ApiError::internal(&e))?;
    if fingerprint.is_none() {
        return Err(ApiError::new(ErrorCode::NotReady, "the index is not built"));
    }
    let knowledge = retriever.knowledge();
    Ok(Json(json!({
        "status": "ready",
        "store": retriever.store().name(),
        "generator": desk.generator.name(),
        "passages": knowledge.passages.len(),
        "languages": desk.detector.supported().iter().map(|l| l.code()).collect::<Vec<_>>(),
        "knowledge_languages": knowledge.languages().iter().map(|l| l.code()).collect::<Vec<_>>(),
    })))
}
