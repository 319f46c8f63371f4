//! What livedesk remembers of a conversation between messages: the language it has been held in,
//! a prior for detecting the next short message. Bounded in size and age, because a live room
//! can bring tens of thousands of viewers in an hour.

use std::collections::HashMap;
use std::sync::Mutex;
use std::time::{Duration, Instant};

use crate::language::Lang;

/// Conversation id -> (language, last seen).
pub struct ConversationMemory {
    entries: Mutex<HashMap<String, (Lang, Instant)>>,
    capacity: usize,
    ttl: Duration,
}

impl ConversationMemory {
    pub fn new(capacity: usize, ttl: Duration) -> Self {
        ConversationMemory {
            entries: Mutex::new(HashMap::new()),
            capacity,
            ttl,
        }
    }

    pub fn language(&self, conversation: &str) -> Option<Lang> {
        let entries = self.entries.lock().ok()?;
        entries
            .get(conversation)
            .filter(|(_, seen)| seen.elapsed() < self.ttl)
            .map(|(lang, _)| *lang)
    }

    pub fn remember(&self, conversation: &str, lang: Lang) {
        let Ok(mut entries) = self.entries.lock() else {
            return;
        };
        if entries.len() >= self.capacity && !entries.contains_key(conversation) {
            // Drop the expired entries; if the map is still full, drop the oldest half. The
            // cost is paid once per `capacity / 2` new conversations.
            let ttl = self.ttl;
            entries.retain(|_, (_, seen)| seen.elapsed() < ttl);
            if entries.len() >= self.capacity {
                let mut ages: Vec<Instant> = entries.values().map(|(_, s)| *s).collect();
                ages.sort_unstable();
                let cutoff = ages[ages.len() / 2];
                entries.retain(|_, (_, seen)| *seen > cutoff);
            }
        }
        entries.insert(conversation.to_string(), (lang, Instant::now()));
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn remembers_and_stays_bounded() {
        let memory = ConversationMemory::new(10, Duration::from_secs(60));
        memory.remember("a", Lang::Th);
        assert_eq!(memory.language("a"), Some(Lang::Th));
        assert_eq!(memory.language("b"), None);
        for i in 0..100 {
            memory.remember(&format!("c{i}"), Lang::En);
        }
        assert!(memory.entries.lock().unwrap().len() <= 10);
        assert_eq!(memory.language("c99"), Some(Lang::En));
    }
}
