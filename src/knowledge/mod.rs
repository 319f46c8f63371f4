//! The seller's knowledge: Markdown documents with front matter, split into passages.
//!
//! A document is one file (`knowledge/<lang>/<slug>.md`) about one topic, in one language, for
//! some markets or all. Each `## ` section becomes one passage (or several, when text-splitter
//! finds it longer than the passage token budget); every passage keeps its section heading as
//! context and carries the section's example questions, which retrieval indexes beside it.

mod front_matter;
pub mod topic_terms;

pub use topic_terms::{TopicTerms, TOPICS_FILE};

use std::collections::HashSet;
use std::fmt;
use std::path::{Path, PathBuf};
use std::str::FromStr;
use std::sync::Arc;

use sha2::{Digest, Sha256};
use text_splitter::{ChunkConfig, MarkdownSplitter};

use crate::decision::HandoffReason;
use crate::language::Lang;
use crate::market::{Market, MarketBook};

/// The three things livedesk answers about.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum Topic {
    Shipping,
    Payment,
    Returns,
}

impl Topic {
    pub const ALL: [Topic; 3] = [Topic::Shipping, Topic::Payment, Topic::Returns];

    pub fn as_str(self) -> &'static str {
        match self {
            Topic::Shipping => "shipping",
            Topic::Payment => "payment",
            Topic::Returns => "returns",
        }
    }
}

impl fmt::Display for Topic {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

impl FromStr for Topic {
    type Err = String;

    fn from_str(s: &str) -> Result<Self, Self::Err> {
        match s {
            "shipping" => Ok(Topic::Shipping),
            "payment" => Ok(Topic::Payment),
            "returns" => Ok(Topic::Returns),
            other => Err(format!(
                "topic must be shipping, payment or returns, not {other:?}"
            )),
        }
    }
}

/// Which markets a document speaks for.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Markets {
    All,
    Only(Vec<Market>),
}

impl Markets {
    pub fn includes(&self, market: Market) -> bool {
        match self {
            Markets::All => true,
            Markets::Only(list) => list.contains(&market),
        }
    }

    /// The payload form stored in the index: `["all"]` or the country codes.
    pub fn keywords(&self) -> Vec<String> {
        match self {
            Markets::All => vec![ALL_MARKETS.to_string()],
            Markets::Only(list) => list.iter().map(|m| m.to_string()).collect(),
        }
    }
}

/// The keyword under which market-independent passages are indexed.
pub const ALL_MARKETS: &str = "all";

/// A document's front matter.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Document {
    pub id: String,
    pub topic: Topic,
    pub language: Lang,
    pub markets: Markets,
    pub title: String,
    /// The document's file name without extension, shared by its translations.
    pub slug: String,
}

/// One retrievable unit: a section (or part of one) of a document.
#[derive(Debug, Clone)]
pub struct Passage {
    /// `<document id>#<n>`, stable while the document's sections keep their order.
    pub id: String,
    /// `n`: 1 for the document's first passage, its main answer.
    pub ordinal: usize,
    pub document: Arc<Document>,
    /// The section heading, kept as context for the passage text.
    pub heading: String,
    /// The sentences, in order; extractive answers quote whole sentences.
    pub sentences: Vec<String>,
    /// The served markets each sentence names: for a viewer in one market, a sentence about
    /// another ("express to the UAE takes 3 to 5 days") answers less well.
    pub sentence_markets: Vec<Vec<Market>>,
    /// The topics each sentence names by a word of `topics.toml` (payment brands, "express").
    pub sentence_topics: Vec<Vec<Topic>>,
    /// Example questions shoppers ask that this passage answers.
    pub questions: Vec<String>,
    /// The section only gives the market-independent overview ("payment methods depend on your
    /// country"): when the viewer's market is known, that market's own passage answers better.
    /// Marked in the section with `<!-- livedesk: market-overview -->`.
    pub market_overview: bool,
    /// The section describes what a person handles (charges, disputes, lost parcels): a message
    /// it answers best is handed off for this reason. Marked with
    /// `<!-- livedesk: handoff <reason> -->`.
    pub handoff: Option<HandoffReason>,
}

impl Passage {
    /// The text as indexed and as given to the LLM: heading, then sentences.
    pub fn text(&self) -> String {
        let mut out = self.heading.clone();
        for s in &self.sentences {
            out.push('\n');
            out.push_str(s);
        }
        out
    }
}

/// Everything loaded from the knowledge directory.
#[derive(Debug, Clone)]
pub struct KnowledgeBase {
    pub documents: Vec<Arc<Document>>,
    pub passages: Vec<Passage>,
    pub markets: MarketBook,
    /// Words naming a topic in any language (payment brands), from `topics.toml`.
    pub topic_terms: TopicTerms,
    /// SHA-256 over every file's path and content: the index is rebuilt when it changes.
    pub fingerprint: String,
}

/// Why the knowledge directory could not be loaded. Each names the file and the problem.
#[derive(Debug, thiserror::Error)]
pub enum KnowledgeError {
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
    #[error(transparent)]
    Markets(#[from] crate::market::MarketsError),
    #[error("{0} holds no knowledge documents (*.md)")]
    Empty(PathBuf),
}

/// Passage size bounds, in o200k tokens. Sections are written short; longer ones are split.
const PASSAGE_TOKENS: std::ops::Range<usize> = 24..160;

/// The name of the market table inside the knowledge directory.
pub const MARKETS_FILE: &str = "markets.toml";

impl KnowledgeBase {
    /// Loads every `*.md` under `dir` (recursively) and `dir/markets.toml`. Documents in
    /// languages outside `languages` are skipped, so a deployment can serve fewer languages
    /// than the knowledge base holds.
    pub fn load(dir: &Path, languages: &[Lang]) -> Result<Self, KnowledgeError> {
        let markets = MarketBook::load(&dir.join(MARKETS_FILE))?;
        let mut files = Vec::new();
        collect_markdown(dir, &mut files)?;
        files.sort();
        if files.is_empty() {
            return Err(KnowledgeError::Empty(dir.to_path_buf()));
        }

        let mut hasher = Sha256::new();
        let markets_raw =
            std::fs::read(dir.join(MARKETS_FILE)).map_err(|source| KnowledgeError::Read {
                path: dir.join(MARKETS_FILE),
                source,
            })?;
        hasher.update(&markets_raw);

        let splitter = MarkdownSplitter::new(
            ChunkConfig::new(PASSAGE_TOKENS).with_sizer(tiktoken_rs::o200k_base_singleton()),
        );
        let mut documents = Vec::new();
        let mut passages = Vec::new();
        let mut ids = HashSet::new();
        for path in files {
            let raw = std::fs::read_to_string(&path).map_err(|source| KnowledgeError::Read {
                path: path.clone(),
                source,
            })?;
            let relative = path.strip_prefix(dir).unwrap_or(&path);
            hasher.update(relative.to_string_lossy().as_bytes());
            hasher.update([0]);
            hasher.update(raw.as_bytes());
            hasher.update([0]);

            let invalid = |line: usize, problem: String| KnowledgeError::Invalid {
                path: path.clone(),
                line,
                problem,
            };
            let (document, body, body_line) =
                front_matter::parse(&raw, &path, &markets).map_err(|(l, p)| invalid(l, p))?;
            if !ids.insert(document.id.clone()) {
                return Err(invalid(
                    1,
                    format!("duplicate document id {:?}", document.id),
                ));
            }
            if !languages.contains(&document.language) {
                continue;
            }
            let document = Arc::new(document);
            let sections = split_sections(body, body_line).map_err(|(l, p)| invalid(l, p))?;
            if sections.is_empty() {
                return Err(invalid(
                    body_line,
                    "the document has no `## ` section".into(),
                ));
            }
            let mut n = 0;
            for section in sections {
                for chunk in splitter.chunks(&section.body) {
                    let sentences = sentences(chunk);
                    if sentences.is_empty() {
                        continue;
                    }
                    n += 1;
                    let sentence_markets = sentences.iter().map(|s| markets.mentions(s)).collect();
                    passages.push(Passage {
                        id: format!("{}#{n}", document.id),
                        ordinal: n,
                        document: document.clone(),
                        heading: section.heading.clone(),
                        sentences,
                        sentence_markets,
                        sentence_topics: Vec::new(),
                        questions: section.questions.clone(),
                        market_overview: section.market_overview,
                        handoff: section.handoff,
                    });
                }
            }
            documents.push(document);
        }
        let topics_path = dir.join(TOPICS_FILE);
        let topic_terms =
            TopicTerms::load(&topics_path).map_err(|problem| KnowledgeError::Invalid {
                path: topics_path,
                line: 0,
                problem,
            })?;
        for passage in &mut passages {
            passage.sentence_topics = passage
                .sentences
                .iter()
                .map(|s| topic_terms.named(s))
                .collect();
        }
        Ok(KnowledgeBase {
            documents,
            passages,
            markets,
            topic_terms,
            fingerprint: hex(&hasher.finalize()),
        })
    }

    /// Builds a knowledge base from passages made in code (benchmarks, tests).
    pub fn from_passages(passages: Vec<Passage>, markets: MarketBook) -> Self {
        let mut hasher = Sha256::new();
        let mut documents: Vec<Arc<Document>> = Vec::new();
        for p in &passages {
            hasher.update(p.id.as_bytes());
            hasher.update(p.text().as_bytes());
            for q in &p.questions {
                hasher.update(q.as_bytes());
            }
            if !documents.iter().any(|d| Arc::ptr_eq(d, &p.document)) {
                documents.push(p.document.clone());
            }
        }
        KnowledgeBase {
            documents,
            passages,
            markets,
            topic_terms: TopicTerms::default(),
            fingerprint: hex(&hasher.finalize()),
        }
    }

    pub fn languages(&self) -> Vec<Lang> {
        let mut langs: Vec<Lang> = self.documents.iter().map(|d| d.language).collect();
        langs.sort();
        langs.dedup();
        langs
    }
}

fn hex(bytes: &[u8]) -> String {
    bytes.iter().map(|b| format!("{b:02x}")).collect()
}

fn collect_markdown(dir: &Path, out: &mut Vec<PathBuf>) -> Result<(), KnowledgeError> {
    let entries = std::fs::read_dir(dir).map_err(|source| KnowledgeError::Read {
        path: dir.to_path_buf(),
        source,
    })?;
    for entry in entries {
        let entry = entry.map_err(|source| KnowledgeError::Read {
            path: dir.to_path_buf(),
            source,
        })?;
        let path = entry.path();
        if path.is_dir() {
            collect_markdown(&path, out)?;
        } else if path.extension().is_some_and(|e| e == "md")
            && !path
                .file_name()
                .is_some_and(|n| n.eq_ignore_ascii_case("README.md"))
        {
            out.push(path);
        }
    }
    Ok(())
}

/// A `## ` section: its heading, its body without the questions block, and the questions.
struct Section {
    heading: String,
    body: String,
    questions: Vec<String>,
    market_overview: bool,
    handoff: Option<HandoffReason>,
}

/// The section directive that marks a market-independent overview.
const MARKET_OVERVIEW: &str = "<!-- livedesk: market-overview -->";
/// The section directive that marks what a person handles, before the reason code.
const HANDOFF: &str = "<!-- livedesk: handoff ";

fn split_sections(body: &str, first_line: usize) -> Result<Vec<Section>, (usize, String)> {
    let mut sections: Vec<Section> = Vec::new();
    let mut in_questions = false;
    let mut in_other_fence = false;
    for (i, line) in body.lines().enumerate() {
        let line_no = first_line + i;
        let trimmed = line.trim();
        if in_questions {
            if trimmed.starts_with("```") {
                in_questions = false;
            } else if !trimmed.is_empty() {
                if let Some(section) = sections.last_mut() {
                    section.questions.push(trimmed.to_string());
                }
            }
            continue;
        }
        if in_other_fence {
            in_other_fence = !trimmed.starts_with("```");
            continue;
        }
        if let Some(info) = trimmed.strip_prefix("```") {
            if info.trim() == "questions" {
                if sections.is_empty() {
                    return Err((
                        line_no,
                        "a questions block must follow a `## ` section".into(),
                    ));
                }
                in_questions = true;
            } else {
                in_other_fence = true;
            }
            continue;
        }
        if let Some(heading) = trimmed.strip_prefix("## ") {
            sections.push(Section {
                heading: heading.trim().to_string(),
                body: String::new(),
                questions: Vec::new(),
                market_overview: false,
                handoff: None,
            });
            continue;
        }
        if trimmed.starts_with("<!--") {
            let Some(section) = sections.last_mut() else {
                return Err((
                    line_no,
                    "a section directive must follow a `## ` heading".into(),
                ));
            };
            if trimmed == MARKET_OVERVIEW {
                section.market_overview = true;
            } else if let Some(reason) = trimmed
                .strip_prefix(HANDOFF)
                .and_then(|rest| rest.strip_suffix("-->"))
            {
                let reason = reason.trim();
                section.handoff = Some(reason.parse().map_err(|_| {
                    (
                        line_no,
                        format!("unknown handoff reason {reason:?} in section directive"),
                    )
                })?);
            } else {
                return Err((
                    line_no,
                    format!(
                        "unknown directive {trimmed:?} (known: {MARKET_OVERVIEW}, \
                         {HANDOFF}<reason> -->)"
                    ),
                ));
            }
            continue;
        }
        if trimmed.starts_with('#') && !trimmed.starts_with("###") {
            // A `# title` line repeats the front matter; deeper headings stay in the body.
            continue;
        }
        match sections.last_mut() {
            Some(section) => {
                section.body.push_str(line);
                section.body.push('\n');
            }
            None if trimmed.is_empty() => {}
            None => {
                return Err((line_no, "text before the first `## ` section".into()));
            }
        }
    }
    if in_questions {
        return Err((
            first_line + body.lines().count(),
            "unclosed questions block".into(),
        ));
    }
    Ok(sections)
}

/// Splits a passage body into sentences: one per line as the knowledge format asks, and lines
/// holding several sentences are split after sentence-final punctuation.
pub fn sentences(body: &str) -> Vec<String> {
    let mut out = Vec::new();
    for line in body.lines() {
        let line = line.trim().trim_start_matches(['-', '*', '•']).trim();
        if line.is_empty() || line.starts_with('#') {
            continue;
        }
        let mut start = 0;
        let chars: Vec<(usize, char)> = line.char_indices().collect();
        for (k, &(pos, c)) in chars.iter().enumerate() {
            let end = pos + c.len_utf8();
            let boundary = match c {
                '。' | '！' | '？' => true,
                '.' | '!' | '?' => chars.get(k + 1).is_some_and(|&(_, n)| n.is_whitespace()),
                _ => false,
            };
            if boundary {
                let s = line[start..end].trim();
                if !s.is_empty() {
                    out.push(s.to_string());
                }
                start = end;
            }
        }
        let rest = line[start..].trim();
        if !rest.is_empty() {
            out.push(rest.to_string());
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn sentences_split_lines_and_punctuation_but_not_prices() {
        let s = sentences("Free over USD 49. Below that it costs USD 4.99.\n発送後4〜7営業日です。速達は2〜3日です。");
        assert_eq!(
            s,
            vec![
                "Free over USD 49.",
                "Below that it costs USD 4.99.",
                "発送後4〜7営業日です。",
                "速達は2〜3日です。"
            ]
        );
    }

    #[test]
    fn sections_carry_their_questions() {
        let body = "## A\n<!-- livedesk: market-overview -->\nOne.\n```questions\nq1\nq2\n```\n## B\nTwo.\n";
        let sections = split_sections(body, 7).unwrap();
        assert_eq!(sections.len(), 2);
        assert_eq!(sections[0].questions, vec!["q1", "q2"]);
        assert!(sections[0].market_overview && !sections[1].market_overview);
        assert_eq!(sections[0].body.trim(), "One.");
        assert!(split_sections("## A\n<!-- livedesk: typo -->\n", 1).is_err());
        assert!(sections[1].questions.is_empty());
        assert_eq!(split_sections("orphan\n## A\n", 7).err().unwrap().0, 7);
        assert!(split_sections("## A\n```questions\nq\n", 1).is_err());
    }
}
