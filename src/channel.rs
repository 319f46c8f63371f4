//! Where a message came from. The channel sets the answer budget (a live-room chat line is short,
//! an email can say more) and the style block of the LLM prompt.

use std::fmt;
use std::str::FromStr;

#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Channel {
    Live,
    WhatsApp,
    Email,
}

impl Channel {
    pub const ALL: [Channel; 3] = [Channel::Live, Channel::WhatsApp, Channel::Email];

    pub fn as_str(self) -> &'static str {
        match self {
            Channel::Live => "live",
            Channel::WhatsApp => "whatsapp",
            Channel::Email => "email",
        }
    }
}

impl fmt::Display for Channel {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

#[derive(Debug, thiserror::Error)]
#[error("unknown channel {0:?}: expected live, whatsapp or email")]
pub struct UnknownChannel(pub String);

impl FromStr for Channel {
    type Err = UnknownChannel;

    fn from_str(s: &str) -> Result<Self, Self::Err> {
        match s {
            "live" => Ok(Channel::Live),
            "whatsapp" => Ok(Channel::WhatsApp),
            "email" => Ok(Channel::Email),
            other => Err(UnknownChannel(other.to_string())),
        }
    }
}
