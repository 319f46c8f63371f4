//! The texts livedesk says or asks an LLM to follow, kept out of Rust: the system prompt, one
//! style block per channel, and the holding messages a viewer gets on handoff. Files in the
//! configured prompts directory override the copies compiled into the binary, so a seller can
//! change wording without a rebuild.

use std::collections::HashMap;
use std::path::Path;

use crate::channel::Channel;
use crate::decision::HandoffReason;
use crate::language::Lang;

const SYSTEM: &str = include_str!("../prompts/system.md");
const LIVE: &str = include_str!("../prompts/channel-live.md");
const WHATSAPP: &str = include_str!("../prompts/channel-whatsapp.md");
const EMAIL: &str = include_str!("../prompts/channel-email.md");
const HOLDING: &str = include_str!("../prompts/holding.toml");

#[derive(Debug, thiserror::Error)]
pub enum PromptError {
    #[error("cannot read {path}: {source}")]
    Read {
        path: String,
        source: std::io::Error,
    },
    #[error("{path}: {message}")]
    Invalid { path: String, message: String },
}

/// All prompt texts, loaded once at start-up.
#[derive(Debug, Clone)]
pub struct Prompts {
    system: String,
    channels: HashMap<Channel, String>,
    /// Holding messages by language and reason.
    holding: HashMap<Lang, HashMap<HandoffReason, String>>,
}

impl Prompts {
    /// Loads from `dir`, falling back to the compiled-in copy of each file that is absent.
    pub fn load(dir: &Path) -> Result<Self, PromptError> {
        let read = |name: &str, default: &str| -> Result<String, PromptError> {
            let path = dir.join(name);
            match std::fs::read_to_string(&path) {
                Ok(s) => Ok(s),
                Err(e) if e.kind() == std::io::ErrorKind::NotFound => Ok(default.to_string()),
                Err(source) => Err(PromptError::Read {
                    path: path.display().to_string(),
                    source,
                }),
            }
        };
        let holding_raw = read("holding.toml", HOLDING)?;
        let holding = parse_holding(&holding_raw).map_err(|message| PromptError::Invalid {
            path: dir.join("holding.toml").display().to_string(),
            message,
        })?;
        Ok(Prompts {
            system: read("system.md", SYSTEM)?,
            channels: HashMap::from([
                (Channel::Live, read("channel-live.md", LIVE)?),
                (Channel::WhatsApp, read("channel-whatsapp.md", WHATSAPP)?),
                (Channel::Email, read("channel-email.md", EMAIL)?),
            ]),
            holding,
        })
    }

    /// The compiled-in prompts.
    pub fn builtin() -> Result<Self, PromptError> {
        Self::load(Path::new("/nonexistent/livedesk-prompts"))
    }

    /// The system prompt with its placeholders filled.
    pub fn system(&self, language: Lang, channel: Channel, budget: usize) -> String {
        let style = self.channels.get(&channel).map_or("", String::as_str);
        self.system
            .replace("{language}", language.name())
            .replace("{budget}", &budget.to_string())
            .replace("{channel_style}", style.trim())
    }

    /// The holding message for a handoff, in `language` (or English when that language has
    /// none).
    pub fn holding(&self, language: Lang, reason: HandoffReason) -> &str {
        self.holding
            .get(&language)
            .and_then(|m| m.get(&reason))
            .or_else(|| self.holding.get(&Lang::En).and_then(|m| m.get(&reason)))
            .map_or("", String::as_str)
    }
}

fn parse_holding(raw: &str) -> Result<HashMap<Lang, HashMap<HandoffReason, String>>, String> {
    let table: HashMap<String, HashMap<String, String>> =
        toml::from_str(raw).map_err(|e| e.to_string())?;
    let mut out = HashMap::new();
    for (tag, messages) in table {
        let lang: Lang = tag
            .parse()
            .map_err(|e: crate::language::UnknownLanguage| e.to_string())?;
        let mut by_reason = HashMap::new();
        for (key, text) in messages {
            let reason: HandoffReason = key.parse().map_err(|e| format!("[{tag}] {e}"))?;
            by_reason.insert(reason, text.trim().to_string());
        }
        for reason in HandoffReason::ALL {
            if !by_reason.contains_key(&reason) {
                return Err(format!("[{tag}] has no {reason} message"));
            }
        }
        out.insert(lang, by_reason);
    }
    if !out.contains_key(&Lang::En) {
        return Err("holding messages need an [en] table, the last resort".into());
    }
    Ok(out)
}
