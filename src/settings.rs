//! Settings: one typed struct. Defaults need no file and no keys; an optional `livedesk.toml`
//! overrides them, and `LIVEDESK_<NAME>` environment variables override the file (name upper-
//! cased: `data_dir` is `LIVEDESK_DATA_DIR`). Every field is documented in `SETTINGS`, which
//! `livedesk serve --help` prints; a unit test keeps the two in step.

use std::fmt;
use std::path::{Path, PathBuf};

use figment::providers::{Env, Format, Toml};
use figment::Figment;
use serde::{Deserialize, Deserializer};

use crate::channel::Channel;
use crate::language::Lang;

/// A secret (API key): usable, never printed.
#[derive(Clone, Default, PartialEq, Eq)]
pub struct Secret(String);

impl Secret {
    pub fn new(value: impl Into<String>) -> Self {
        Secret(value.into())
    }

    pub fn expose(&self) -> &str {
        &self.0
    }

    pub fn is_empty(&self) -> bool {
        self.0.is_empty()
    }
}

impl fmt::Debug for Secret {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(if self.0.is_empty() {
            "\"\""
        } else {
            "\"[redacted]\""
        })
    }
}

impl<'de> Deserialize<'de> for Secret {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        String::deserialize(d).map(Secret)
    }
}

/// Every setting. See `SETTINGS` for the documentation of each.
#[derive(Debug, Clone, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct Settings {
    pub data_dir: PathBuf,
    pub bind: String,
    pub knowledge_dir: PathBuf,
    pub prompts_dir: PathBuf,
    #[serde(deserialize_with = "list")]
    pub languages: Vec<String>,
    pub fallback_language: String,
    pub budget_live: usize,
    pub budget_whatsapp: usize,
    pub budget_email: usize,
    pub max_text_live: usize,
    pub max_text_whatsapp: usize,
    pub max_text_email: usize,
    pub max_body_bytes: usize,
    pub min_confidence: f32,
    pub llm_base_url: String,
    pub llm_model: String,
    pub llm_api_key: Secret,
    pub llm_max_tokens: u32,
    pub llm_temperature: f32,
    pub llm_stream_usage: bool,
    pub llm_first_token_timeout_ms: u64,
    pub llm_read_timeout_ms: u64,
    pub embeddings_base_url: String,
    pub embeddings_model: String,
    pub embeddings_api_key: Secret,
    pub log_format: String,
}

impl Default for Settings {
    fn default() -> Self {
        Settings {
            data_dir: PathBuf::from("./data"),
            bind: "127.0.0.1:8080".into(),
            knowledge_dir: PathBuf::from("knowledge"),
            prompts_dir: PathBuf::from("prompts"),
            languages: Lang::ALL.iter().map(|l| l.code().to_string()).collect(),
            fallback_language: "en".into(),
            budget_live: 200,
            budget_whatsapp: 600,
            budget_email: 1200,
            max_text_live: 2000,
            max_text_whatsapp: 4096,
            max_text_email: 20_000,
            max_body_bytes: 65_536,
            min_confidence: 0.22,
            llm_base_url: String::new(),
            llm_model: "gpt-4o-mini".into(),
            llm_api_key: Secret::default(),
            llm_max_tokens: 300,
            llm_temperature: 0.2,
            llm_stream_usage: true,
            llm_first_token_timeout_ms: 4000,
            llm_read_timeout_ms: 10_000,
            embeddings_base_url: String::new(),
            embeddings_model: "text-embedding-3-small".into(),
            embeddings_api_key: Secret::default(),
            log_format: "text".into(),
        }
    }
}

/// (name, default, meaning) for every field, in the order `--help` prints them.
pub const SETTINGS: &[(&str, &str, &str)] = &[
    ("data_dir", "./data", "where the vector index (and later the handoff database) is kept"),
    ("bind", "127.0.0.1:8080", "address the HTTP server listens on"),
    ("knowledge_dir", "knowledge", "the seller's knowledge: <lang>/*.md documents and markets.toml"),
    ("prompts_dir", "prompts", "prompt and holding-message files; missing files fall back to the built-in copies"),
    ("languages", "en,zh,es,pt,id,ms,th,vi,tl,ar,fr,de,it,nl,ja,ko", "languages livedesk answers in (comma-separated ISO 639-1)"),
    ("fallback_language", "en", "language used when the viewer's is unsupported, and searched when the viewer's language has no passage"),
    ("budget_live", "200", "most characters in a live-room answer"),
    ("budget_whatsapp", "600", "most characters in a WhatsApp answer"),
    ("budget_email", "1200", "most characters in an email answer"),
    ("max_text_live", "2000", "longest accepted live-room message, in characters"),
    ("max_text_whatsapp", "4096", "longest accepted WhatsApp message, in characters"),
    ("max_text_email", "20000", "longest accepted email text, in characters"),
    ("max_body_bytes", "65536", "largest accepted HTTP request body"),
    ("min_confidence", "0.22", "retrieval confidence (0-1) below which a question goes to a person"),
    ("llm_base_url", "(none: extractive answers)", "OpenAI-compatible API base including /v1, e.g. https://api.openai.com/v1 or http://localhost:11434/v1"),
    ("llm_model", "gpt-4o-mini", "chat model name"),
    ("llm_api_key", "(none)", "API key for the LLM; never logged"),
    ("llm_max_tokens", "300", "most tokens the LLM may generate per answer"),
    ("llm_temperature", "0.2", "sampling temperature"),
    ("llm_stream_usage", "true", "ask for the usage chunk at the end of the stream (turn off for servers that reject stream_options)"),
    ("llm_first_token_timeout_ms", "4000", "if the LLM sends no text within this time, answer extractively instead"),
    ("llm_read_timeout_ms", "10000", "longest silence between two stream chunks before the answer is treated as broken"),
    ("embeddings_base_url", "(none: sparse retrieval only)", "OpenAI-compatible embeddings API base including /v1; adds dense vectors fused by RRF"),
    ("embeddings_model", "text-embedding-3-small", "embeddings model name"),
    ("embeddings_api_key", "(none)", "API key for the embeddings endpoint; never logged"),
    ("log_format", "text", "text or json"),
];

#[derive(Debug, thiserror::Error)]
pub enum SettingsError {
    #[error("invalid settings: {0}")]
    Load(#[from] Box<figment::Error>),
    #[error("invalid setting {name}: {message}")]
    Invalid { name: &'static str, message: String },
}

/// Accepts a list as a TOML array or as a comma-separated string (the form environment
/// variables take).
fn list<'de, D: Deserializer<'de>>(d: D) -> Result<Vec<String>, D::Error> {
    #[derive(Deserialize)]
    #[serde(untagged)]
    enum Raw {
        Text(String),
        List(Vec<String>),
    }
    Ok(match Raw::deserialize(d)? {
        Raw::Text(s) => s
            .split(',')
            .map(|p| p.trim().to_string())
            .filter(|p| !p.is_empty())
            .collect(),
        Raw::List(v) => v,
    })
}

impl Settings {
    /// Defaults, then `file` if it exists, then `LIVEDESK_*` variables.
    pub fn load(file: &Path) -> Result<Self, SettingsError> {
        let settings: Settings = Figment::new()
            .merge(Toml::file(file))
            .merge(Env::prefixed("LIVEDESK_").ignore(&["config"]))
            .extract()
            .map_err(Box::new)?;
        settings.validate()?;
        Ok(settings)
    }

    /// Checks the values that must be valid before anything starts.
    pub fn validate(&self) -> Result<(), SettingsError> {
        self.languages()?;
        self.fallback()?;
        if !(0.0..=1.0).contains(&self.min_confidence) {
            return Err(SettingsError::Invalid {
                name: "min_confidence",
                message: "must be between 0 and 1".into(),
            });
        }
        for (name, value) in [
            ("budget_live", self.budget_live),
            ("budget_whatsapp", self.budget_whatsapp),
            ("budget_email", self.budget_email),
        ] {
            if value < 20 {
                return Err(SettingsError::Invalid {
                    name,
                    message: "must be at least 20 characters".into(),
                });
            }
        }
        if !matches!(self.log_format.as_str(), "text" | "json") {
            return Err(SettingsError::Invalid {
                name: "log_format",
                message: "must be text or json".into(),
            });
        }
        Ok(())
    }

    pub fn languages(&self) -> Result<Vec<Lang>, SettingsError> {
        let mut out = Vec::new();
        for tag in &self.languages {
            let lang: Lang = tag.parse().map_err(|e: crate::language::UnknownLanguage| {
                SettingsError::Invalid {
                    name: "languages",
                    message: e.to_string(),
                }
            })?;
            if !out.contains(&lang) {
                out.push(lang);
            }
        }
        if out.is_empty() {
            return Err(SettingsError::Invalid {
                name: "languages",
                message: "at least one language is needed".into(),
            });
        }
        Ok(out)
    }

    pub fn fallback(&self) -> Result<Lang, SettingsError> {
        let lang: Lang =
            self.fallback_language
                .parse()
                .map_err(
                    |e: crate::language::UnknownLanguage| SettingsError::Invalid {
                        name: "fallback_language",
                        message: e.to_string(),
                    },
                )?;
        if !self.languages()?.contains(&lang) {
            return Err(SettingsError::Invalid {
                name: "fallback_language",
                message: format!("{lang} is not in `languages`"),
            });
        }
        Ok(lang)
    }

    pub fn max_text(&self, channel: Channel) -> usize {
        match channel {
            Channel::Live => self.max_text_live,
            Channel::WhatsApp => self.max_text_whatsapp,
            Channel::Email => self.max_text_email,
        }
    }

    /// The settings table for `--help`.
    pub fn help() -> String {
        let mut out = String::from(
            "Settings (defaults need no file; `livedesk.toml` overrides them, LIVEDESK_<NAME> variables override the file):\n",
        );
        for (name, default, meaning) in SETTINGS {
            out.push_str(&format!(
                "  {name}  [env: LIVEDESK_{}]  [default: {default}]\n      {meaning}\n",
                name.to_uppercase()
            ));
        }
        out
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_field_is_documented() {
        // Deserialize a file naming every documented key: deny_unknown_fields rejects a
        // documented key that is not a field, and the count catches an undocumented field.
        let doc_names: Vec<&str> = SETTINGS.iter().map(|s| s.0).collect();
        let debug = format!("{:?}", Settings::default());
        let field_count = debug.matches(": ").count();
        assert_eq!(field_count, doc_names.len(), "{debug}");
        for name in doc_names {
            assert!(
                debug.contains(&format!("{name}: ")),
                "{name} is documented but not a field"
            );
        }
    }

    #[test]
    #[allow(clippy::result_large_err)] // figment's Jail fixes the closure's error type.
    fn file_and_env_override_defaults() {
        figment::Jail::expect_with(|jail| {
            jail.create_file(
                "livedesk.toml",
                "budget_live = 150\nlanguages = [\"en\", \"pt\"]\nllm_api_key = \"sk-file\"",
            )?;
            jail.set_env("LIVEDESK_BUDGET_LIVE", "180");
            jail.set_env("LIVEDESK_DATA_DIR", "/tmp/x");
            let s = Settings::load(Path::new("livedesk.toml")).map_err(|e| e.to_string())?;
            assert_eq!(s.budget_live, 180);
            assert_eq!(s.data_dir, PathBuf::from("/tmp/x"));
            assert_eq!(s.languages().unwrap(), vec![Lang::En, Lang::Pt]);
            assert!(!format!("{s:?}").contains("sk-file"));
            jail.set_env("LIVEDESK_LANGUAGES", "th, vi");
            jail.set_env("LIVEDESK_FALLBACK_LANGUAGE", "th");
            let s = Settings::load(Path::new("livedesk.toml")).map_err(|e| e.to_string())?;
            assert_eq!(s.languages().unwrap(), vec![Lang::Th, Lang::Vi]);
            jail.set_env("LIVEDESK_MIN_CONFIDENCE", "3");
            assert!(Settings::load(Path::new("livedesk.toml")).is_err());
            Ok(())
        });
    }
}
