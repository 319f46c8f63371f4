//! The API's errors: one table of stable codes, each with its HTTP status. Every error is the
//! JSON body `{"error": {"code", "message"}}`; the same codes appear in SSE `error` events.
//! 5xx responses are logged with their cause and never show it to the caller.

use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use axum::Json;
use serde_json::json;

/// Every error code the API returns.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ErrorCode {
    InvalidJson,
    InvalidRequest,
    MissingText,
    TextTooLong,
    BodyTooLarge,
    UnknownChannel,
    InvalidMarket,
    NotFound,
    MethodNotAllowed,
    NotReady,
    Internal,
}

impl ErrorCode {
    pub fn as_str(self) -> &'static str {
        match self {
            ErrorCode::InvalidJson => "invalid_json",
            ErrorCode::InvalidRequest => "invalid_request",
            ErrorCode::MissingText => "missing_text",
            ErrorCode::TextTooLong => "text_too_long",
            ErrorCode::BodyTooLarge => "body_too_large",
            ErrorCode::UnknownChannel => "unknown_channel",
            ErrorCode::InvalidMarket => "invalid_market",
            ErrorCode::NotFound => "not_found",
            ErrorCode::MethodNotAllowed => "method_not_allowed",
            ErrorCode::NotReady => "not_ready",
            ErrorCode::Internal => "internal",
        }
    }

    pub fn status(self) -> StatusCode {
        match self {
            ErrorCode::InvalidJson => StatusCode::BAD_REQUEST,
            ErrorCode::InvalidRequest
            | ErrorCode::MissingText
            | ErrorCode::TextTooLong
            | ErrorCode::UnknownChannel
            | ErrorCode::InvalidMarket => StatusCode::UNPROCESSABLE_ENTITY,
            ErrorCode::BodyTooLarge => StatusCode::PAYLOAD_TOO_LARGE,
            ErrorCode::NotFound => StatusCode::NOT_FOUND,
            ErrorCode::MethodNotAllowed => StatusCode::METHOD_NOT_ALLOWED,
            ErrorCode::NotReady => StatusCode::SERVICE_UNAVAILABLE,
            ErrorCode::Internal => StatusCode::INTERNAL_SERVER_ERROR,
        }
    }
}

/// An error response.
#[derive(Debug)]
pub struct ApiError {
    pub code: ErrorCode,
    pub message: String,
}

impl ApiError {
    pub fn new(code: ErrorCode, message: impl Into<String>) -> Self {
        ApiError {
            code,
            message: message.into(),
        }
    }

    /// A 500 whose cause is logged, not returned.
    pub fn internal(cause: &dyn std::error::Error) -> Self {
        let mut chain = cause.to_string();
        let mut source = cause.source();
        while let Some(s) = source {
            chain.push_str(": ");
            chain.push_str(&s.to_string());
            source = s.source();
        }
        tracing::error!(error = %chain, "internal error");
        ApiError::new(ErrorCode::Internal, "internal error; it has been logged")
    }

    pub fn body(&self) -> serde_json::Value {
        json!({"error": {"code": self.code.as_str(), "message": self.message}})
    }
}

impl IntoResponse for ApiError {
    fn into_response(self) -> Response {
        (self.code.status(), Json(self.body())).into_response()
    }
}
