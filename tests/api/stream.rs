//! Server-sent events: `meta`, then `delta`s, then `done`, over a real socket.

use crate::helpers::{message, spawn_app};

#[tokio::test]
async fn an_answer_streams_meta_deltas_done_in_order() {
    let app = spawn_app().await;
    let events = app
        .stream(&message(
            "live",
            "how long is shipping to brazil?",
            None,
            Some("BR"),
        ))
        .await;
    let names: Vec<&str> = events.iter().map(|(n, _)| n.as_str()).collect();
    assert_eq!(names.first(), Some(&"meta"), "{names:?}");
    assert_eq!(names.last(), Some(&"done"), "{names:?}");
    assert!(
        names[1..names.len() - 1].iter().all(|n| *n == "delta"),
        "{names:?}"
    );
    assert!(names.len() >= 3, "{names:?}");
    let meta = &events[0].1;
    assert_eq!(meta["action"], "answer");
    assert_eq!(meta["language"], "en");
    assert!(!meta["sources"].as_array().unwrap().is_empty());
    let streamed: String = events[1..events.len() - 1]
        .iter()
        .map(|(_, d)| d["text"].as_str().unwrap().to_string())
        .collect();
    let done = &events.last().unwrap().1;
    assert_eq!(done["answer"].as_str().unwrap(), streamed);
    assert!(
        streamed.contains("15") && streamed.contains("25"),
        "{streamed}"
    );
    assert!(done["usage"]["answer_tokens"].as_u64().unwrap() > 0);
}

#[tokio::test]
async fn a_handoff_streams_meta_then_done_with_the_holding_message() {
    let app = spawn_app().await;
    let events = app
        .stream(&message(
            "live",
            "can I speak to a human agent please",
            None,
            None,
        ))
        .await;
    let names: Vec<&str> = events.iter().map(|(n, _)| n.as_str()).collect();
    assert_eq!(names, vec!["meta", "done"]);
    assert_eq!(events[0].1["action"], "handoff");
    assert_eq!(events[1].1["reason"], "human_requested");
    assert!(events[1].1["answer"]
        .as_str()
        .is_some_and(|a| !a.is_empty()));
}
