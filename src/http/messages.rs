//! `POST /v1/messages`: one viewer message in, one decision and reply out, as JSON or, with
//! `Accept: text/event-stream`, as SSE events `meta`, `delta`..., `done` (or `error`).

use std::convert::Infallible;

use axum::body::Bytes;
use axum::extract::rejection::BytesRejection;
use axum::extract::State;
use axum::http::{header, HeaderMap, StatusCode};
use axum::response::sse::{Event, KeepAlive, Sse};
use axum::response::{IntoResponse, Response};
use axum::routing::post;
use axum::{Json, Router};
use futures::{stream, Stream, StreamExt};
use serde::Deserialize;
use serde_json::{json, Value};

use super::{ApiError, AppState, ErrorCode};
use crate::channel::Channel;
use crate::desk::{Final, Inbound, Prepared, ReplyEvent, Timings, Viewer};
use crate::market::Market;

pub fn router() -> Router<AppState> {
    Router::new().route("/v1/messages", post(create))
}

/// The request body.
#[derive(Debug, Deserialize)]
struct MessageRequest {
    channel: String,
    #[serde(default)]
    conversation_id: Option<String>,
    viewer: ViewerBody,
    #[serde(default)]
    text: Option<String>,
    /// The room's default language, for live rooms that have one.
    #[serde(default)]
    room_language: Option<String>,
}

#[derive(Debug, Deserialize)]
struct ViewerBody {
    id: String,
    #[serde(default)]
    name: Option<String>,
    #[serde(default)]
    locale: Option<String>,
    #[serde(default)]
    market: Option<String>,
}

/// Longest accepted identifier (viewer or conversation id).
const MAX_ID: usize = 256;

fn parse(state: &AppState, body: Result<Bytes, BytesRejection>) -> Result<Inbound, ApiError> {
    let body = body.map_err(|rejection| {
        if rejection.status() == StatusCode::PAYLOAD_TOO_LARGE {
            ApiError::new(
                ErrorCode::BodyTooLarge,
                format!("the request body is over {} bytes", state.max_body_bytes),
            )
        } else {
            ApiError::new(ErrorCode::InvalidRequest, rejection.body_text())
        }
    })?;
    let value: Value = serde_json::from_slice(&body).map_err(|e| {
        ApiError::new(
            ErrorCode::InvalidJson,
            format!("the body is not valid JSON: {e}"),
        )
    })?;
    let request: MessageRequest = serde_json::from_value(value)
        .map_err(|e| ApiError::new(ErrorCode::InvalidRequest, e.to_string()))?;
    let channel: Channel =
        request
            .channel
            .parse()
            .map_err(|e: crate::channel::UnknownChannel| {
                ApiError::new(ErrorCode::UnknownChannel, e.to_string())
            })?;
    let text = request.text.unwrap_or_default();
    if text.trim().is_empty() {
        return Err(ApiError::new(
            ErrorCode::MissingText,
            "`text` is missing or empty",
        ));
    }
    let max = state.max_text(channel);
    let length = text.chars().count();
    if length > max {
        return Err(ApiError::new(
            ErrorCode::TextTooLong,
            format!("`text` has {length} characters; the {channel} channel accepts at most {max}"),
        ));
    }
    if request.viewer.id.trim().is_empty() || request.viewer.id.len() > MAX_ID {
        return Err(ApiError::new(
            ErrorCode::InvalidRequest,
            format!("`viewer.id` must be 1 to {MAX_ID} bytes"),
        ));
    }
    if request
        .conversation_id
        .as_ref()
        .is_some_and(|c| c.len() > MAX_ID)
    {
        return Err(ApiError::new(
            ErrorCode::InvalidRequest,
            format!("`conversation_id` must be at most {MAX_ID} bytes"),
        ));
    }
    let market = match request.viewer.market.as_deref().filter(|m| !m.is_empty()) {
        Some(raw) => Some(
            raw.parse::<Market>()
                .map_err(|e| ApiError::new(ErrorCode::InvalidMarket, e.to_string()))?,
        ),
        None => None,
    };
    Ok(Inbound {
        channel,
        conversation_id: request.conversation_id,
        viewer: Viewer {
            id: request.viewer.id,
            name: request.viewer.name,
            locale: request.viewer.locale,
            market,
        },
        text,
        room_language: request.room_language.and_then(|l| l.parse().ok()),
    })
}

fn wants_stream(headers: &HeaderMap) -> bool {
    headers
        .get(header::ACCEPT)
        .and_then(|v| v.to_str().ok())
        .is_some_and(|v| v.contains("text/event-stream"))
}

async fn create(
    State(state): State<AppState>,
    headers: HeaderMap,
    body: Result<Bytes, BytesRejection>,
) -> Result<Response, ApiError> {
    let inbound = parse(&state, body)?;
    let desk = state.desk.clone();
    let prepared = desk
        .prepare(&inbound)
        .await
        .map_err(|e| ApiError::internal(&e))?;
    if wants_stream(&headers) {
        let meta = Event::default()
            .event("meta")
            .data(meta_json(&prepared).to_string());
        let events = desk.reply(&prepared);
        let body = stream::once(async move { meta })
            .chain(sse_events(events))
            .map(Ok::<_, Infallible>);
        return Ok(Sse::new(body)
            .keep_alive(KeepAlive::default())
            .into_response());
    }
    let mut events = desk.reply(&prepared);
    let mut done = None;
    while let Some(event) = events.next().await {
        if let ReplyEvent::Done(f) = event {
            done = Some(f);
        }
    }
    let done = done.ok_or_else(|| {
        ApiError::internal(&std::io::Error::other("the reply ended without a result"))
    })?;
    Ok(Json(result_json(&prepared, &done)).into_response())
}

/// Maps reply events to SSE events; a reply that ends without `Done` ends with `error`.
fn sse_events(
    events: impl Stream<Item = ReplyEvent> + Send + 'static,
) -> impl Stream<Item = Event> + Send {
    let mut finished = false;
    events
        .map(Some)
        .chain(stream::once(async { None }))
        .filter_map(move |event| {
            let out = match event {
                Some(ReplyEvent::Delta(text)) if !text.is_empty() => Some(
                    Event::default()
                        .event("delta")
                        .data(json!({"text": text}).to_string()),
                ),
                Some(ReplyEvent::Delta(_)) => None,
                Some(ReplyEvent::Done(done)) => {
                    finished = true;
                    Some(
                        Event::default()
                            .event("done")
                            .data(done_json(&done).to_string()),
                    )
                }
                None if !finished => {
                    let error = ApiError::new(ErrorCode::Internal, "the reply ended early");
                    Some(
                        Event::default()
                            .event("error")
                            .data(error.body()["error"].to_string()),
                    )
                }
                None => None,
            };
            futures::future::ready(out)
        })
}

fn meta_json(p: &Prepared) -> Value {
    let mut out = json!({
        "language": p.detection.language.code(),
        "language_signal": p.detection.signal.as_str(),
        "action": p.decision.action.kind(),
        "sources": sources_json(p),
    });
    if let Some(reason) = p.decision.action.reason() {
        out["reason"] = json!(reason.as_str());
    }
    if let Some(topic) = p.topic {
        out["topic"] = json!(topic.as_str());
    }
    if let Some(market) = p.market {
        out["market"] = json!(market.to_string());
    }
    if let Some(code) = p.detection.unsupported {
        out["detected_language"] = json!(code);
    }
    out
}

fn sources_json(p: &Prepared) -> Value {
    Value::Array(
        p.sources
            .iter()
            .map(|s| {
                json!({
                    "passage_id": s.passage_id,
                    "document_id": s.document_id,
                    "title": s.title,
                    "topic": s.topic.as_str(),
                    "language": s.language.code(),
                    "score": s.score,
                })
            })
            .collect(),
    )
}

fn done_json(done: &Final) -> Value {
    let mut out = json!({"action": done.action.kind()});
    if let Some(reason) = done.action.reason() {
        out["reason"] = json!(reason.as_str());
    }
    if let Some(text) = &done.text {
        out["answer"] = json!(text);
    }
    if let Some(usage) = done.usage {
        out["usage"] =
            json!({"prompt_tokens": usage.prompt_tokens, "answer_tokens": usage.answer_tokens});
    }
    if let Some(generator) = done.generator {
        out["generator"] = json!(generator);
    }
    if let Some(fallback) = &done.fallback {
        out["fallback"] = json!(fallback);
    }
    out["timings_us"] = timings_json(&done.timings);
    out
}

fn timings_json(t: &Timings) -> Value {
    json!({"detect": t.detect_us, "retrieve": t.retrieve_us, "decide": t.decide_us, "generate": t.generate_us})
}

/// The JSON response: the meta fields and the done fields in one object.
pub fn result_json(p: &Prepared, done: &Final) -> Value {
    let mut out = meta_json(p);
    if let (Value::Object(target), Value::Object(extra)) = (&mut out, done_json(done)) {
        for (k, v) in extra {
            target.insert(k, v);
        }
    }
    if done.action.reason().is_none() {
        if let Value::Object(o) = &mut out {
            o.remove("reason");
        }
    }
    if let Some(c) = p.confidence {
        out["confidence"] = json!(c);
    }
    out
}
