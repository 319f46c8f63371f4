//! Every error code, as a 4xx with a stable JSON body; never a 500 for bad input.

use serde_json::json;

use crate::helpers::{message, spawn_app, spawn_app_with};

#[tokio::test]
async fn bad_input_gets_stable_error_codes() {
    let app = spawn_app_with(|s| s.max_body_bytes = 4096).await;
    let long_text = "a".repeat(2001);
    let cases = vec![
        (
            json!({"channel": "live", "viewer": {"id": "v"}, "text": long_text}),
            422,
            "text_too_long",
        ),
        (
            json!({"channel": "live", "viewer": {"id": "v"}}),
            422,
            "missing_text",
        ),
        (
            json!({"channel": "live", "viewer": {"id": "v"}, "text": "   "}),
            422,
            "missing_text",
        ),
        (
            json!({"channel": "fax", "viewer": {"id": "v"}, "text": "hi"}),
            422,
            "unknown_channel",
        ),
        (
            json!({"channel": "live", "text": "hi"}),
            422,
            "invalid_request",
        ),
        (
            json!({"channel": "live", "viewer": {"id": ""}, "text": "hi"}),
            422,
            "invalid_request",
        ),
        (
            json!({"channel": "live", "viewer": {"id": "v", "market": "Brazil"}, "text": "hi"}),
            422,
            "invalid_market",
        ),
        (
            json!({"channel": 7, "viewer": {"id": "v"}, "text": "hi"}),
            422,
            "invalid_request",
        ),
    ];
    for (body, status, code) in cases {
        let (got, v) = app.post(&body).await;
        assert_eq!(got.as_u16(), status, "{body}: {v}");
        assert_eq!(v["error"]["code"], code, "{body}: {v}");
        assert!(v["error"]["message"]
            .as_str()
            .is_some_and(|m| !m.is_empty()));
    }

    let (status, v) = app
        .post_raw("{\"channel\": \"live\",", "application/json")
        .await;
    assert_eq!(
        (status.as_u16(), v["error"]["code"].as_str()),
        (400, Some("invalid_json")),
        "{v}"
    );
    let (status, v) = app.post_raw("not json at all", "text/plain").await;
    assert_eq!(
        (status.as_u16(), v["error"]["code"].as_str()),
        (400, Some("invalid_json")),
        "{v}"
    );

    let huge = message("email", &"b".repeat(10_000), None, None).to_string();
    let (status, v) = app.post_raw(huge, "application/json").await;
    assert_eq!(
        (status.as_u16(), v["error"]["code"].as_str()),
        (413, Some("body_too_large")),
        "{v}"
    );
}

#[tokio::test]
async fn unknown_routes_and_methods() {
    let app = spawn_app().await;
    let (status, v) = app.get("/v1/nothing").await;
    assert_eq!(
        (status.as_u16(), v["error"]["code"].as_str()),
        (404, Some("not_found"))
    );
    let (status, v) = app.get("/v1/messages").await;
    assert_eq!(
        (status.as_u16(), v["error"]["code"].as_str()),
        (405, Some("method_not_allowed"))
    );
}

#[tokio::test]
async fn text_limits_follow_the_channel() {
    let app = spawn_app().await;
    // 3,000 characters is over the live limit but within the email limit.
    let text = "How long does shipping to Brazil take? ".repeat(77);
    let (status, v) = app.post(&message("live", &text, None, None)).await;
    assert_eq!(
        (status.as_u16(), v["error"]["code"].as_str()),
        (422, Some("text_too_long"))
    );
    let (status, v) = app.post(&message("email", &text, None, None)).await;
    assert_eq!(status.as_u16(), 200, "{v}");
}
