//! Eval cases: JSON Lines, one case per line, in the shape other tools read too.

use std::path::{Path, PathBuf};

use serde::Deserialize;

use crate::channel::Channel;
use crate::decision::HandoffReason;
use crate::knowledge::Topic;
use crate::market::Market;

/// One case as written in the file.
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
struct RawCase {
    id: String,
    channel: String,
    text: String,
    locale: Option<String>,
    market: Option<String>,
    expect: RawExpect,
}

#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
struct RawExpect {
    language: String,
    #[serde(default)]
    topic: Option<String>,
    action: OneOrMany,
    #[serde(default)]
    reason: Option<String>,
    #[serde(default)]
    facts: Vec<String>,
    #[serde(default)]
    must_not_contain: Vec<String>,
}

#[derive(Debug, Clone, Deserialize)]
#[serde(untagged)]
enum OneOrMany {
    One(String),
    Many(Vec<String>),
}

/// An expected action kind.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ActionKind {
    Answer,
    Handoff,
    Ignore,
}

impl ActionKind {
    fn parse(s: &str) -> Result<Self, String> {
        match s {
            "answer" => Ok(ActionKind::Answer),
            "handoff" => Ok(ActionKind::Handoff),
            "ignore" => Ok(ActionKind::Ignore),
            other => Err(format!("unknown action {other:?}")),
        }
    }

    pub fn as_str(self) -> &'static str {
        match self {
            ActionKind::Answer => "answer",
            ActionKind::Handoff => "handoff",
            ActionKind::Ignore => "ignore",
        }
    }
}

/// A validated case.
#[derive(Debug, Clone)]
pub struct Case {
    pub id: String,
    pub channel: Channel,
    pub text: String,
    pub locale: Option<String>,
    pub market: Option<Market>,
    /// The expected reply language, as written (may be a language livedesk does not serve).
    pub language: String,
    pub topic: Option<Topic>,
    pub actions: Vec<ActionKind>,
    pub reason: Option<HandoffReason>,
    pub facts: Vec<String>,
    pub must_not_contain: Vec<String>,
    /// The file the case came from.
    pub file: PathBuf,
}

#[derive(Debug, thiserror::Error)]
pub enum CaseError {
    #[error("cannot read {path}: {source}")]
    Read {
        path: PathBuf,
        source: std::io::Error,
    },
    #[error("{path}:{line}: {problem}")]
    Invalid {
        path: PathBuf,
        line: usize,
        problem: String,
    },
    #[error("no *.jsonl case files under {0}")]
    Empty(PathBuf),
}

/// Loads every `*.jsonl` file under each path (files or directories), sorted by path.
pub fn load(paths: &[PathBuf]) -> Result<Vec<Case>, CaseError> {
    let mut files = Vec::new();
    for path in paths {
        if path.is_dir() {
            collect(path, &mut files)?;
            if files.is_empty() {
                return Err(CaseError::Empty(path.clone()));
            }
        } else {
            files.push(path.clone());
        }
    }
    files.sort();
    let mut cases = Vec::new();
    let mut ids = std::collections::HashSet::new();
    for file in files {
        let raw = std::fs::read_to_string(&file).map_err(|source| CaseError::Read {
            path: file.clone(),
            source,
        })?;
        for (i, line) in raw.lines().enumerate() {
            if line.trim().is_empty() {
                continue;
            }
            let invalid = |problem: String| CaseError::Invalid {
                path: file.clone(),
                line: i + 1,
                problem,
            };
            let case = parse(line, &file).map_err(invalid)?;
            if !ids.insert(case.id.clone()) {
                return Err(invalid(format!("duplicate case id {:?}", case.id)));
            }
            cases.push(case);
        }
    }
    Ok(cases)
}

fn collect(dir: &Path, out: &mut Vec<PathBuf>) -> Result<(), CaseError> {
    let entries = std::fs::read_dir(dir).map_err(|source| CaseError::Read {
        path: dir.to_path_buf(),
        source,
    })?;
    for entry in entries.flatten() {
        let path = entry.path();
        if path.is_dir() {
            collect(&path, out)?;
        } else if path.extension().is_some_and(|e| e == "jsonl") {
            out.push(path);
        }
    }
    Ok(())
}

fn parse(line: &str, file: &Path) -> Result<Case, String> {
    let raw: RawCase = serde_json::from_str(line).map_err(|e| e.to_string())?;
    let channel: Channel = raw
        .channel
        .parse()
        .map_err(|e: crate::channel::UnknownChannel| e.to_string())?;
    let market = match raw.market.as_deref() {
        Some(m) => Some(m.parse::<Market>().map_err(|e| e.to_string())?),
        None => None,
    };
    let topic = match raw.expect.topic.as_deref() {
        Some(t) => Some(t.parse::<Topic>()?),
        None => None,
    };
    let actions = match raw.expect.action {
        OneOrMany::One(a) => vec![ActionKind::parse(&a)?],
        OneOrMany::Many(list) => list
            .iter()
            .map(|a| ActionKind::parse(a))
            .collect::<Result<Vec<_>, _>>()?,
    };
    if actions.is_empty() {
        return Err("expect.action is an empty list".into());
    }
    let reason = match raw.expect.reason.as_deref() {
        Some(r) => Some(r.parse::<HandoffReason>()?),
        None => None,
    };
    if raw.text.trim().is_empty() {
        return Err("text is empty".into());
    }
    Ok(Case {
        id: raw.id,
        channel,
        text: raw.text,
        locale: raw.locale,
        market,
        language: raw.expect.language,
        topic,
        actions,
        reason,
        facts: raw.expect.facts,
        must_not_contain: raw.expect.must_not_contain,
        file: file.to_path_buf(),
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn parses_the_documented_shape() {
        let line = r#"{"id": "th-ship-003", "channel": "live", "text": "ส่งไทยกี่วันคะ", "locale": null, "market": "TH", "expect": {"language": "th", "topic": "shipping", "action": "answer", "facts": ["5", "9"]}}"#;
        let case = parse(line, Path::new("x.jsonl")).unwrap();
        assert_eq!(case.actions, vec![ActionKind::Answer]);
        assert_eq!(case.facts, vec!["5", "9"]);
        assert_eq!(case.market.unwrap().to_string(), "TH");
        let many = line.replace(
            r#""action": "answer""#,
            r#""action": ["handoff", "ignore"]"#,
        );
        assert_eq!(parse(&many, Path::new("x")).unwrap().actions.len(), 2);
        assert!(parse(&line.replace("live", "fax"), Path::new("x")).is_err());
        assert!(parse(&line.replace("\"answer\"", "\"shout\""), Path::new("x")).is_err());
        assert!(parse(&line.replace("\"locale\"", "\"lang\""), Path::new("x")).is_err());
    }
}
