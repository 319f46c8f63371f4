//! Answers, handoffs and ignores through the real server, in several languages and markets.

use serde_json::Value;

use crate::helpers::{message, spawn_app};

fn answer(v: &Value) -> String {
    v["answer"].as_str().unwrap_or_default().to_string()
}

#[tokio::test]
async fn health_and_readiness() {
    let app = spawn_app().await;
    let (status, health) = app.get("/healthz").await;
    assert_eq!(status, 200);
    assert_eq!(health["status"], "ok");
    let (status, ready) = app.get("/readyz").await;
    assert_eq!(status, 200);
    assert_eq!(ready["status"], "ready");
    assert_eq!(ready["store"], "qdrant-edge");
    assert_eq!(ready["generator"], "extractive");
    assert_eq!(ready["knowledge_languages"].as_array().unwrap().len(), 16);
}

#[tokio::test]
async fn a_brazilian_asking_how_to_pay_gets_pix_not_gopay() {
    let app = spawn_app().await;
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
    assert_eq!(v["language"], "pt");
    assert_eq!(v["topic"], "payment");
    let text = answer(&v);
    assert!(text.contains("Pix"), "{text}");
    for other in ["GoPay", "OXXO", "TrueMoney", "Mada"] {
        assert!(!text.contains(other), "{text}");
    }
    assert!(text.chars().count() <= 200);
    let source = &v["sources"][0];
    assert_eq!(source["document_id"], "pt-payment-br", "{v}");
    assert!(v["usage"]["answer_tokens"].as_u64().unwrap() > 0);
}

/// (channel, text, locale, market, language, topic, facts, forbidden words)
type Case<'a> = (
    &'a str,
    &'a str,
    Option<&'a str>,
    Option<&'a str>,
    &'a str,
    &'a str,
    &'a [&'a str],
    &'a [&'a str],
);

#[tokio::test]
async fn short_questions_in_several_languages_get_their_markets_facts() {
    let app = spawn_app().await;
    let cases: &[Case] = &[
        (
            "live",
            "ส่งไทยกี่วันคะ",
            None,
            Some("TH"),
            "th",
            "shipping",
            &["5", "9"],
            &[],
        ),
        (
            "live",
            "bisa COD?",
            Some("id-ID"),
            Some("ID"),
            "id",
            "payment",
            &["COD"],
            &[],
        ),
        (
            "live",
            "bisa bayar pakai gopay?",
            None,
            Some("ID"),
            "id",
            "payment",
            &["GoPay"],
            &["Pix"],
        ),
        (
            "whatsapp",
            "هل تقبلون مدى؟",
            Some("ar-SA"),
            Some("SA"),
            "ar",
            "payment",
            &["Mada"],
            &["Pix", "GoPay"],
        ),
        (
            "live",
            "¿aceptan OXXO?",
            None,
            Some("MX"),
            "es",
            "payment",
            &["OXXO"],
            &["Pix"],
        ),
        (
            "live",
            "frete pro brasil demora quanto?",
            None,
            None,
            "pt",
            "shipping",
            &["15", "25"],
            &[],
        ),
        (
            "live",
            "ship to Brazil?",
            None,
            Some("US"),
            "en",
            "shipping",
            &["15", "25"],
            &[],
        ),
        (
            "email",
            "What is your return policy?",
            Some("en-GB"),
            Some("GB"),
            "en",
            "returns",
            &["30"],
            &[],
        ),
    ];
    for (channel, text, locale, market, language, topic, facts, forbidden) in cases {
        let (status, v) = app.post(&message(channel, text, *locale, *market)).await;
        assert_eq!(status, 200, "{text}: {v}");
        assert_eq!(v["action"], "answer", "{text}: {v}");
        assert_eq!(v["language"], *language, "{text}: {v}");
        assert_eq!(v["topic"], *topic, "{text}: {v}");
        let reply = answer(&v).to_lowercase();
        for fact in *facts {
            assert!(
                reply.contains(&fact.to_lowercase()),
                "{text}: missing {fact} in {reply}"
            );
        }
        for word in *forbidden {
            assert!(
                !reply.contains(&word.to_lowercase()),
                "{text}: {word} in {reply}"
            );
        }
    }
}

#[tokio::test]
async fn handoff_reasons_in_several_languages() {
    let app = spawn_app().await;
    let cases = [
        ("I want to talk to a person", None, "human_requested", "en"),
        (
            "quero falar com um atendente",
            Some("pt-BR"),
            "human_requested",
            "pt",
        ),
        (
            "pesanan saya belum sampai kak",
            Some("id-ID"),
            "order_specific",
            "id",
        ),
        ("where is my order 5839201", None, "order_specific", "en"),
        (
            "me cobraron dos veces",
            Some("es-MX"),
            "payment_dispute",
            "es",
        ),
        (
            "my item arrived broken, this is a scam",
            None,
            "complaint",
            "en",
        ),
        ("any discount code?", None, "out_of_scope", "en"),
    ];
    for (text, locale, reason, language) in cases {
        let (status, v) = app.post(&message("whatsapp", text, locale, None)).await;
        assert_eq!(status, 200, "{v}");
        assert_eq!(v["action"], "handoff", "{text}: {v}");
        assert_eq!(v["reason"], reason, "{text}: {v}");
        assert_eq!(v["language"], language, "{text}: {v}");
        assert!(!answer(&v).is_empty(), "a holding message is sent: {v}");
        assert!(v["sources"].as_array().unwrap().is_empty());
    }
}

#[tokio::test]
async fn unanswerable_questions_go_to_a_person_with_low_confidence() {
    let app = spawn_app().await;
    let (_, v) = app
        .post(&message(
            "live",
            "do you sell matching curtains in navy blue",
            None,
            Some("US"),
        ))
        .await;
    assert_eq!(v["action"], "handoff", "{v}");
    assert_eq!(v["reason"], "low_confidence", "{v}");
    assert!(v["confidence"].as_f64().unwrap() < 0.3);
}

#[tokio::test]
async fn chatter_is_ignored_without_a_reply() {
    let app = spawn_app().await;
    for text in [
        "❤️❤️❤️",
        "niceee",
        "hahaha",
        "kkkkkk",
        "wkwkwk",
        "555555",
        "hi from manila",
    ] {
        let (status, v) = app.post(&message("live", text, None, None)).await;
        assert_eq!(status, 200);
        assert_eq!(v["action"], "ignore", "{text}: {v}");
        assert!(v.get("answer").is_none(), "{text}: {v}");
    }
}

#[tokio::test]
async fn unsupported_languages_get_an_english_holding_message() {
    let app = spawn_app().await;
    let (_, v) = app
        .post(&message(
            "whatsapp",
            "Сколько стоит доставка в Москву?",
            None,
            None,
        ))
        .await;
    assert_eq!(v["action"], "handoff", "{v}");
    assert_eq!(v["reason"], "unsupported_language");
    assert_eq!(v["language"], "en");
    assert_eq!(v["detected_language"], "ru");
}

#[tokio::test]
async fn the_conversation_language_carries_over_to_short_messages() {
    let app = spawn_app().await;
    let mut first = message(
        "whatsapp",
        "quanto tempo demora a entrega no brasil?",
        None,
        None,
    );
    first["conversation_id"] = "conv-42".into();
    let (_, v) = app.post(&first).await;
    assert_eq!(v["language"], "pt", "{v}");
    let mut second = message("whatsapp", "ok", None, None);
    second["conversation_id"] = "conv-42".into();
    let (_, v) = app.post(&second).await;
    assert_eq!(v["language"], "pt", "{v}");
    assert_eq!(v["language_signal"], "conversation", "{v}");
}
