//! The LLM path against a local OpenAI-compatible stand-in, and every way it can fail: the
//! message still gets an extractive answer, never silence.

use std::sync::atomic::Ordering;
use std::time::Duration;

use crate::helpers::{message, spawn_app_with, spawn_llm, LlmMode};

const LLM_ANSWER: &str =
    "No Brasil você paga com Pix, cartão em até 6x sem juros ou boleto bancário.";

#[tokio::test]
async fn the_llm_answer_streams_with_the_passages_and_language_in_the_prompt() {
    let llm = spawn_llm(LlmMode::Answer(LLM_ANSWER.into())).await;
    let app = spawn_app_with(|s| {
        s.llm_base_url = llm.base_url.clone();
        s.llm_api_key = livedesk::settings::Secret::new("sk-test");
    })
    .await;
    let events = app
        .stream(&message("live", "como pago?", Some("pt-BR"), Some("BR")))
        .await;
    let names: Vec<&str> = events.iter().map(|(n, _)| n.as_str()).collect();
    assert_eq!(names.first(), Some(&"meta"));
    assert_eq!(names.last(), Some(&"done"));
    assert!(
        names.iter().filter(|n| **n == "delta").count() >= 2,
        "streamed in pieces: {names:?}"
    );
    let done = &events.last().unwrap().1;
    assert_eq!(done["answer"], LLM_ANSWER);
    assert_eq!(done["generator"], "llm");
    assert!(done["usage"]["prompt_tokens"].as_u64().unwrap() > 50);

    let requests = llm.requests.lock().unwrap();
    let request = &requests[0];
    assert_eq!(request["stream"], true);
    let messages = request["messages"].as_array().unwrap();
    assert_eq!(messages[0]["role"], "system");
    assert!(messages[0]["content"]
        .as_str()
        .unwrap()
        .contains("Brazilian Portuguese"));
    let context = messages[1]["content"].as_str().unwrap();
    assert!(
        context.contains("<passages>") && context.contains("Pix"),
        "{context}"
    );
    assert!(
        !context.contains("GoPay"),
        "only the viewer's market: {context}"
    );
    assert_eq!(messages[2]["role"], "user");
    assert_eq!(messages[2]["content"], "como pago?");
}

#[tokio::test]
async fn llm_failures_fall_back_to_the_extractive_answer() {
    for (mode, why) in [
        (LlmMode::Status(500), "server error"),
        (LlmMode::Status(429), "rate limited"),
        (LlmMode::Break(LLM_ANSWER.into()), "broken stream"),
        (
            LlmMode::Slow(LLM_ANSWER.into(), Duration::from_secs(5)),
            "too slow",
        ),
    ] {
        let llm = spawn_llm(mode).await;
        let app = spawn_app_with(|s| {
            s.llm_base_url = llm.base_url.clone();
            s.llm_first_token_timeout_ms = 1500;
        })
        .await;
        let (status, v) = app
            .post(&message("live", "como pago?", Some("pt-BR"), Some("BR")))
            .await;
        assert_eq!(status, 200, "{why}: {v}");
        assert_eq!(v["action"], "answer", "{why}: {v}");
        assert_eq!(v["generator"], "extractive", "{why}: {v}");
        assert!(
            v["fallback"].as_str().is_some_and(|f| !f.is_empty()),
            "{why}: {v}"
        );
        assert!(v["answer"].as_str().unwrap().contains("Pix"), "{why}: {v}");
        assert!(
            llm.count.load(Ordering::SeqCst) >= 1,
            "{why}: the LLM was tried"
        );
    }
}

#[tokio::test]
async fn a_broken_stream_still_ends_with_done() {
    let llm = spawn_llm(LlmMode::Break(LLM_ANSWER.into())).await;
    let app = spawn_app_with(|s| s.llm_base_url = llm.base_url.clone()).await;
    let events = app
        .stream(&message("live", "como pago?", Some("pt-BR"), Some("BR")))
        .await;
    let names: Vec<&str> = events.iter().map(|(n, _)| n.as_str()).collect();
    assert_eq!(names.first(), Some(&"meta"));
    assert_eq!(names.last(), Some(&"done"), "{names:?}");
    let done = &events.last().unwrap().1;
    assert_eq!(done["generator"], "extractive");
    assert!(done["answer"].as_str().unwrap().contains("Pix"));
}

#[tokio::test]
async fn dense_embeddings_are_indexed_and_fused() {
    let embeddings = spawn_llm(LlmMode::Status(500)).await;
    let app = spawn_app_with(|s| {
        s.embeddings_base_url = embeddings.base_url.clone();
        s.embeddings_model = "stand-in-embed".into();
    })
    .await;
    let indexed = embeddings.count.load(Ordering::SeqCst);
    assert!(indexed >= 1, "the index was rebuilt with dense vectors");
    let (status, v) = app
        .post(&message(
            "live",
            "como faço pra pagar?",
            Some("pt-BR"),
            Some("BR"),
        ))
        .await;
    assert_eq!(status, 200, "{v}");
    assert_eq!(v["action"], "answer", "{v}");
    assert!(v["answer"].as_str().unwrap().contains("Pix"), "{v}");
    assert!(
        embeddings.count.load(Ordering::SeqCst) > indexed,
        "the question was embedded too"
    );
}
