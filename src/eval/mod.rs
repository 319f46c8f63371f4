//! `livedesk eval`: runs eval cases through the same desk as the server, in process, and scores
//! language, topic, market, action, handoff and ignore precision and recall, reasons, facts,
//! violations, budgets and per-stage latency, against the thresholds in `evals/thresholds.toml`.

pub mod case;
pub mod langid;

use std::collections::BTreeMap;
use std::sync::Arc;

use serde::Deserialize;
use serde_json::{json, Value};

use crate::decision::Action;
use crate::desk::{Desk, Inbound, Viewer};
use crate::knowledge::Markets;
use crate::market::{Market, Mention};
use case::{ActionKind, Case};

/// What happened to one case.
#[derive(Debug, Clone)]
pub struct Outcome {
    pub case: Case,
    pub language: String,
    pub action: Action,
    pub topic: Option<crate::knowledge::Topic>,
    /// The text sent to the viewer (answer or holding message).
    pub reply: Option<String>,
    /// The language the reply is written in: the source passage's for answers, the reply
    /// language for holding messages.
    pub reply_language: Option<String>,
    /// Passages whose markets do not include the viewer's market.
    pub foreign_passages: Vec<String>,
    pub facts_found: usize,
    pub violations: Vec<String>,
    pub over_budget: bool,
    pub timings: crate::desk::Timings,
    /// The retrieval confidence, when retrieval ran.
    pub confidence: Option<f32>,
    /// The best source passage, for answers.
    pub source: Option<String>,
}

/// Runs every case, one after another (latency figures are per message, not under load).
pub async fn run(
    desk: &Arc<Desk>,
    cases: Vec<Case>,
) -> Result<Vec<Outcome>, crate::desk::DeskError> {
    let mut outcomes = Vec::with_capacity(cases.len());
    for case in cases {
        let inbound = Inbound {
            channel: case.channel,
            conversation_id: None,
            viewer: Viewer {
                id: format!("eval-{}", case.id),
                name: None,
                locale: case.locale.clone(),
                market: case.market,
            },
            text: case.text.clone(),
            room_language: None,
        };
        let (prepared, done) = desk.handle(&inbound).await?;
        let knowledge = desk.retriever.knowledge();
        let expected_market: Option<Market> = match knowledge.markets.mention(&case.text) {
            Some(Mention::Served(m)) => Some(m),
            Some(Mention::Unserved) => None,
            None => case.market,
        };
        let mut foreign = Vec::new();
        let mut reply_language = None;
        if done.action == Action::Answer {
            for source in &prepared.sources {
                let doc = knowledge
                    .documents
                    .iter()
                    .find(|d| d.id == source.document_id);
                if let (Some(doc), Some(market)) = (doc, expected_market) {
                    if let Markets::Only(list) = &doc.markets {
                        if !list.contains(&market) {
                            foreign.push(source.passage_id.clone());
                        }
                    }
                }
            }
            reply_language = prepared.sources.first().map(|s| {
                if done.generator == Some("llm") {
                    prepared.detection.language.code().to_string()
                } else {
                    s.language.code().to_string()
                }
            });
        } else if done.text.is_some() {
            reply_language = Some(prepared.detection.language.code().to_string());
        }
        let reply_lower = done.text.as_deref().unwrap_or("").to_lowercase();
        let facts_found = case
            .facts
            .iter()
            .filter(|f| reply_lower.contains(&f.to_lowercase()))
            .count();
        let violations = case
            .must_not_contain
            .iter()
            .filter(|w| reply_lower.contains(&w.to_lowercase()))
            .cloned()
            .collect();
        let budget = desk.budgets.of(case.channel);
        let over_budget = done
            .text
            .as_deref()
            .is_some_and(|t| done.action == Action::Answer && t.chars().count() > budget);
        outcomes.push(Outcome {
            language: prepared.detection.language.code().to_string(),
            action: done.action,
            topic: prepared.topic,
            reply: done.text.clone(),
            reply_language,
            foreign_passages: foreign,
            facts_found,
            violations,
            over_budget,
            timings: done.timings,
            confidence: prepared.confidence,
            source: prepared.sources.first().map(|s| s.passage_id.clone()),
            case,
        });
    }
    Ok(outcomes)
}

fn kind(action: Action) -> ActionKind {
    match action {
        Action::Answer => ActionKind::Answer,
        Action::Handoff(_) => ActionKind::Handoff,
        Action::Ignore => ActionKind::Ignore,
    }
}

/// A ratio that is 1 when there is nothing to measure.
fn ratio(num: usize, den: usize) -> f64 {
    if den == 0 {
        1.0
    } else {
        num as f64 / den as f64
    }
}

fn word_count(text: &str) -> usize {
    text.split_whitespace().count()
}

/// The length bucket of a message, by whitespace-separated words.
fn bucket(text: &str) -> &'static str {
    match word_count(text) {
        0..=2 => "1-2",
        3..=6 => "3-6",
        _ => "7+",
    }
}

fn percentile(values: &mut [u64], p: f64) -> u64 {
    if values.is_empty() {
        return 0;
    }
    values.sort_unstable();
    let rank = ((p / 100.0) * (values.len() - 1) as f64).round() as usize;
    values[rank.min(values.len() - 1)]
}

/// Precision and recall of one action kind. A case "wants" the kind when it is the only
/// acceptable action; a prediction is wrong when the kind is not acceptable at all.
fn precision_recall(outcomes: &[Outcome], target: ActionKind) -> (f64, f64) {
    let predicted: Vec<&Outcome> = outcomes
        .iter()
        .filter(|o| kind(o.action) == target)
        .collect();
    let correct = predicted
        .iter()
        .filter(|o| o.case.actions.contains(&target))
        .count();
    let wanted: Vec<&Outcome> = outcomes
        .iter()
        .filter(|o| o.case.actions == [target])
        .collect();
    let found = wanted.iter().filter(|o| kind(o.action) == target).count();
    (ratio(correct, predicted.len()), ratio(found, wanted.len()))
}

/// The scorecard, as the `--json` object.
pub fn scorecard(outcomes: &[Outcome]) -> Value {
    let n = outcomes.len();
    let lang_ok = |o: &Outcome| o.language == o.case.language;
    let language_correct = outcomes.iter().filter(|o| lang_ok(o)).count();
    let mut by_length: BTreeMap<&str, (usize, usize)> = BTreeMap::new();
    for o in outcomes {
        let e = by_length.entry(bucket(&o.case.text)).or_default();
        e.1 += 1;
        if lang_ok(o) {
            e.0 += 1;
        }
    }
    let topical: Vec<&Outcome> = outcomes
        .iter()
        .filter(|o| o.case.topic.is_some() && o.case.actions.contains(&ActionKind::Answer))
        .collect();
    let topic_correct = topical.iter().filter(|o| o.topic == o.case.topic).count();
    let answered: Vec<&Outcome> = outcomes
        .iter()
        .filter(|o| o.action == Action::Answer)
        .collect();
    let market_correct = answered
        .iter()
        .filter(|o| o.foreign_passages.is_empty())
        .count();
    let action_correct = outcomes
        .iter()
        .filter(|o| o.case.actions.contains(&kind(o.action)))
        .count();
    let (handoff_precision, handoff_recall) = precision_recall(outcomes, ActionKind::Handoff);
    let (ignore_precision, ignore_recall) = precision_recall(outcomes, ActionKind::Ignore);
    let with_reason: Vec<&Outcome> = outcomes
        .iter()
        .filter(|o| o.case.reason.is_some())
        .collect();
    let reason_correct = with_reason
        .iter()
        .filter(|o| o.action.reason() == o.case.reason)
        .count();
    let facts_total: usize = outcomes.iter().map(|o| o.case.facts.len()).sum();
    let facts_found: usize = outcomes.iter().map(|o| o.facts_found).sum();
    let violations: usize = outcomes.iter().map(|o| o.violations.len()).sum();
    let over_budget = outcomes.iter().filter(|o| o.over_budget).count();
    let wrong_language = outcomes
        .iter()
        .filter(|o| {
            o.reply_language
                .as_ref()
                .is_some_and(|l| *l != o.case.language)
        })
        .count();

    let mut stages = serde_json::Map::new();
    for (name, get) in [
        (
            "detect",
            (|t: &crate::desk::Timings| t.detect_us) as fn(&crate::desk::Timings) -> u64,
        ),
        ("retrieve", |t| t.retrieve_us),
        ("decide", |t| t.decide_us),
        ("generate", |t| t.generate_us),
        ("total", |t| {
            t.detect_us + t.retrieve_us + t.decide_us + t.generate_us
        }),
    ] {
        let mut values: Vec<u64> = outcomes.iter().map(|o| get(&o.timings)).collect();
        stages.insert(
            name.to_string(),
            json!({"p50_us": percentile(&mut values, 50.0), "p99_us": percentile(&mut values, 99.0)}),
        );
    }

    let mut per_language = serde_json::Map::new();
    let mut languages: Vec<&str> = outcomes.iter().map(|o| o.case.language.as_str()).collect();
    languages.sort_unstable();
    languages.dedup();
    for lang in languages {
        let subset: Vec<Outcome> = outcomes
            .iter()
            .filter(|o| o.case.language == lang)
            .cloned()
            .collect();
        let facts_total: usize = subset.iter().map(|o| o.case.facts.len()).sum();
        let facts_found: usize = subset.iter().map(|o| o.facts_found).sum();
        per_language.insert(
            lang.to_string(),
            json!({
                "cases": subset.len(),
                "language_accuracy": ratio(subset.iter().filter(|o| lang_ok(o)).count(), subset.len()),
                "action_accuracy": ratio(subset.iter().filter(|o| o.case.actions.contains(&kind(o.action))).count(), subset.len()),
                "facts_recall": ratio(facts_found, facts_total),
            }),
        );
    }

    let failures: Vec<Value> = outcomes.iter().filter_map(failure).collect();
    json!({
        "cases": n,
        "language_accuracy": ratio(language_correct, n),
        "language_accuracy_by_length": by_length
            .iter()
            .map(|(k, (ok, total))| (k.to_string(), json!({"cases": total, "accuracy": ratio(*ok, *total)})))
            .collect::<serde_json::Map<_, _>>(),
        "topic_accuracy": ratio(topic_correct, topical.len()),
        "market_correctness": ratio(market_correct, answered.len()),
        "action_accuracy": ratio(action_correct, n),
        "handoff_precision": handoff_precision,
        "handoff_recall": handoff_recall,
        "ignore_precision": ignore_precision,
        "ignore_recall": ignore_recall,
        "reason_accuracy": ratio(reason_correct, with_reason.len()),
        "facts_recall": ratio(facts_found, facts_total),
        "violations": violations,
        "over_budget": over_budget,
        "wrong_language": wrong_language,
        "latency": stages,
        "per_language": per_language,
        "failures": failures,
    })
}

/// One line per case for `--dump`: what was expected, what happened, and the problems.
pub fn dump_line(o: &Outcome) -> Value {
    json!({
        "id": o.case.id,
        "text": o.case.text,
        "expected_action": o.case.actions.iter().map(|a| a.as_str()).collect::<Vec<_>>(),
        "expected_topic": o.case.topic.map(|t| t.as_str()),
        "action": kind(o.action).as_str(),
        "reason": o.action.reason().map(|r| r.as_str()),
        "language": o.language,
        "topic": o.topic.map(|t| t.as_str()),
        "confidence": o.confidence,
        "source": o.source,
        "reply": o.reply,
        "retrieve_us": o.timings.retrieve_us,
        "problems": failure(o).map(|f| f["problems"].clone()).unwrap_or(json!([])),
    })
}

/// The case's problems, if any, with what was expected and what happened.
fn failure(o: &Outcome) -> Option<Value> {
    let mut problems = Vec::new();
    if o.language != o.case.language {
        problems.push(format!(
            "language {} (expected {})",
            o.language, o.case.language
        ));
    }
    if !o.case.actions.contains(&kind(o.action)) {
        problems.push(format!("action {}", kind(o.action).as_str()));
    }
    if o.case.topic.is_some()
        && o.case.actions.contains(&ActionKind::Answer)
        && o.topic != o.case.topic
    {
        problems.push(format!(
            "topic {}",
            o.topic.map_or("none".to_string(), |t| t.to_string())
        ));
    }
    if let Some(reason) = o.case.reason {
        if o.action.reason() != Some(reason) {
            problems.push(format!(
                "reason {}",
                o.action
                    .reason()
                    .map_or("none".to_string(), |r| r.to_string())
            ));
        }
    }
    if o.facts_found < o.case.facts.len() {
        problems.push("missing facts".into());
    }
    if !o.violations.is_empty() {
        problems.push(format!("contains {:?}", o.violations));
    }
    if !o.foreign_passages.is_empty() {
        problems.push(format!("other market's passage {:?}", o.foreign_passages));
    }
    if o.over_budget {
        problems.push("over budget".into());
    }
    if problems.is_empty() {
        return None;
    }
    Some(json!({
        "id": o.case.id,
        "text": o.case.text,
        "problems": problems,
        "expected": {
            "language": o.case.language,
            "topic": o.case.topic.map(|t| t.as_str()),
            "action": o.case.actions.iter().map(|a| a.as_str()).collect::<Vec<_>>(),
            "reason": o.case.reason.map(|r| r.as_str()),
            "facts": o.case.facts,
        },
        "got": {
            "language": o.language,
            "action": kind(o.action).as_str(),
            "reason": o.action.reason().map(|r| r.as_str()),
            "topic": o.topic.map(|t| t.as_str()),
            "confidence": o.confidence,
            "source": o.source,
            "reply": o.reply,
        },
    }))
}

/// The minimum (or, for counts, maximum) each metric must reach. Missing keys are not checked.
#[derive(Debug, Clone, Default, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Thresholds {
    pub language_accuracy: Option<f64>,
    pub language_accuracy_short: Option<f64>,
    pub topic_accuracy: Option<f64>,
    pub market_correctness: Option<f64>,
    pub action_accuracy: Option<f64>,
    pub handoff_precision: Option<f64>,
    pub handoff_recall: Option<f64>,
    pub ignore_precision: Option<f64>,
    pub ignore_recall: Option<f64>,
    pub reason_accuracy: Option<f64>,
    pub facts_recall: Option<f64>,
    pub max_violations: Option<u64>,
    pub max_over_budget: Option<u64>,
    pub max_wrong_language: Option<u64>,
}

/// The metrics below their thresholds, as "name: value < threshold" lines.
pub fn check(card: &Value, t: &Thresholds) -> Vec<String> {
    let mut misses = Vec::new();
    let mut min = |name: &str, value: f64, threshold: Option<f64>| {
        if let Some(th) = threshold {
            if value + 1e-9 < th {
                misses.push(format!("{name}: {value:.4} < {th}"));
            }
        }
    };
    let f = |k: &str| card[k].as_f64().unwrap_or(0.0);
    min(
        "language_accuracy",
        f("language_accuracy"),
        t.language_accuracy,
    );
    min(
        "language_accuracy (1-2 words)",
        card["language_accuracy_by_length"]["1-2"]["accuracy"]
            .as_f64()
            .unwrap_or(1.0),
        t.language_accuracy_short,
    );
    min("topic_accuracy", f("topic_accuracy"), t.topic_accuracy);
    min(
        "market_correctness",
        f("market_correctness"),
        t.market_correctness,
    );
    min("action_accuracy", f("action_accuracy"), t.action_accuracy);
    min(
        "handoff_precision",
        f("handoff_precision"),
        t.handoff_precision,
    );
    min("handoff_recall", f("handoff_recall"), t.handoff_recall);
    min(
        "ignore_precision",
        f("ignore_precision"),
        t.ignore_precision,
    );
    min("ignore_recall", f("ignore_recall"), t.ignore_recall);
    min("reason_accuracy", f("reason_accuracy"), t.reason_accuracy);
    min("facts_recall", f("facts_recall"), t.facts_recall);
    let u = |k: &str| card[k].as_u64().unwrap_or(0);
    for (name, value, max) in [
        ("violations", u("violations"), t.max_violations),
        ("over_budget", u("over_budget"), t.max_over_budget),
        ("wrong_language", u("wrong_language"), t.max_wrong_language),
    ] {
        if let Some(max) = max {
            if value > max {
                misses.push(format!("{name}: {value} > {max}"));
            }
        }
    }
    misses
}

/// The scorecard for people.
pub fn render(card: &Value) -> String {
    let pct = |v: &Value| format!("{:6.2}%", v.as_f64().unwrap_or(0.0) * 100.0);
    let mut out = String::new();
    out.push_str(&format!("cases                 {}\n", card["cases"]));
    out.push_str(&format!(
        "language accuracy     {}\n",
        pct(&card["language_accuracy"])
    ));
    if let Some(map) = card["language_accuracy_by_length"].as_object() {
        for (bucket, v) in map {
            out.push_str(&format!(
                "  {bucket:>3} words          {}  ({} cases)\n",
                pct(&v["accuracy"]),
                v["cases"]
            ));
        }
    }
    for (label, key) in [
        ("topic accuracy", "topic_accuracy"),
        ("market correctness", "market_correctness"),
        ("action accuracy", "action_accuracy"),
        ("handoff precision", "handoff_precision"),
        ("handoff recall", "handoff_recall"),
        ("ignore precision", "ignore_precision"),
        ("ignore recall", "ignore_recall"),
        ("reason accuracy", "reason_accuracy"),
        ("facts recall", "facts_recall"),
    ] {
        out.push_str(&format!("{label:<22}{}\n", pct(&card[key])));
    }
    for (label, key) in [
        ("violations", "violations"),
        ("over budget", "over_budget"),
        ("wrong language", "wrong_language"),
    ] {
        out.push_str(&format!("{label:<22}{}\n", card[key]));
    }
    out.push_str("latency (per message, microseconds)\n");
    if let Some(map) = card["latency"].as_object() {
        for (stage, v) in map {
            out.push_str(&format!(
                "  {stage:<10} p50 {:>7}  p99 {:>7}\n",
                v["p50_us"], v["p99_us"]
            ));
        }
    }
    out.push_str("per language           cases  lang    action  facts\n");
    if let Some(map) = card["per_language"].as_object() {
        for (lang, v) in map {
            out.push_str(&format!(
                "  {lang:<20} {:>5} {} {} {}\n",
                v["cases"],
                pct(&v["language_accuracy"]),
                pct(&v["action_accuracy"]),
                pct(&v["facts_recall"])
            ));
        }
    }
    if let Some(failures) = card["failures"].as_array() {
        out.push_str(&format!("failures ({})\n", failures.len()));
        for f in failures {
            out.push_str(&format!(
                "  {:<14} {}  | {}\n      got: {}\n",
                f["id"].as_str().unwrap_or(""),
                f["problems"]
                    .as_array()
                    .map(|p| p
                        .iter()
                        .filter_map(|x| x.as_str())
                        .collect::<Vec<_>>()
                        .join("; "))
                    .unwrap_or_default(),
                f["text"].as_str().unwrap_or(""),
                f["got"]["reply"].as_str().unwrap_or("-"),
            ));
        }
    }
    out
}
