//! Markets: the countries the seller serves, the languages spoken there, and the names shoppers
//! use for them in chat ("frete pro brasil?", "ship to Riyadh?"), loaded from
//! `knowledge/markets.toml`.

use std::collections::HashMap;
use std::fmt;
use std::path::Path;
use std::str::FromStr;

use serde::Deserialize;

use crate::language::Lang;
use crate::text;

/// An ISO 3166-1 alpha-2 country code, upper case.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct Market([u8; 2]);

impl Market {
    pub fn as_str(&self) -> &str {
        // Only ASCII upper-case letters are ever stored.
        std::str::from_utf8(&self.0).unwrap_or("??")
    }
}

impl fmt::Display for Market {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

#[derive(Debug, thiserror::Error)]
#[error("{0:?} is not an ISO 3166-1 alpha-2 country code")]
pub struct InvalidMarket(pub String);

impl FromStr for Market {
    type Err = InvalidMarket;

    fn from_str(s: &str) -> Result<Self, Self::Err> {
        let b = s.trim().as_bytes();
        if b.len() == 2 && b.iter().all(|c| c.is_ascii_alphabetic()) {
            Ok(Market([
                b[0].to_ascii_uppercase(),
                b[1].to_ascii_uppercase(),
            ]))
        } else {
            Err(InvalidMarket(s.to_string()))
        }
    }
}

/// A place named in a message.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Mention {
    /// A served market, by its name or one of its cities.
    Served(Market),
    /// A country the seller does not ship to.
    Unserved,
}

#[derive(Debug, Deserialize)]
struct MarketsFile {
    markets: HashMap<String, MarketEntry>,
    #[serde(default)]
    unserved: Option<UnservedEntry>,
}

#[derive(Debug, Deserialize)]
struct MarketEntry {
    languages: Vec<String>,
    #[serde(default)]
    names: Vec<String>,
    #[serde(default)]
    cities: Vec<String>,
}

#[derive(Debug, Deserialize)]
struct UnservedEntry {
    #[serde(default)]
    names: Vec<String>,
}

#[derive(Debug, thiserror::Error)]
pub enum MarketsError {
    #[error("cannot read {path}: {source}")]
    Read {
        path: String,
        source: std::io::Error,
    },
    #[error("{path}: {message}")]
    Invalid { path: String, message: String },
}

/// The served markets and a matcher for place names.
#[derive(Debug, Clone, Default)]
pub struct MarketBook {
    languages: HashMap<Market, Vec<Lang>>,
    /// Names in spaced scripts, keyed by their first folded word: (all words, target).
    by_first_word: HashMap<String, Vec<(Vec<String>, Mention)>>,
    /// Names in unspaced scripts (Chinese, Japanese, Thai), found as substrings.
    substrings: Vec<(String, Mention)>,
}

impl MarketBook {
    /// Loads `markets.toml`.
    pub fn load(path: &Path) -> Result<Self, MarketsError> {
        let display = path.display().to_string();
        let raw = std::fs::read_to_string(path).map_err(|source| MarketsError::Read {
            path: display.clone(),
            source,
        })?;
        Self::parse(&raw).map_err(|message| MarketsError::Invalid {
            path: display,
            message,
        })
    }

    /// Parses the contents of a `markets.toml`.
    pub fn parse(raw: &str) -> Result<Self, String> {
        let file: MarketsFile = toml::from_str(raw).map_err(|e| e.to_string())?;
        let mut book = MarketBook::default();
        for (code, entry) in file.markets {
            let market: Market = code.parse().map_err(|e: InvalidMarket| e.to_string())?;
            let mut langs = Vec::new();
            for tag in &entry.languages {
                match tag.parse::<Lang>() {
                    Ok(lang) => langs.push(lang),
                    Err(e) => return Err(format!("market {code}: {e}")),
                }
            }
            book.languages.insert(market, langs);
            for name in entry.names.iter().chain(&entry.cities) {
                book.add_name(name, Mention::Served(market));
            }
        }
        for name in file.unserved.map(|u| u.names).unwrap_or_default() {
            book.add_name(&name, Mention::Unserved);
        }
        Ok(book)
    }

    fn add_name(&mut self, name: &str, target: Mention) {
        let folded = text::fold(name);
        if folded.chars().any(text::is_unspaced) {
            self.substrings.push((folded, target));
            return;
        }
        let words: Vec<String> = text::words(&folded)
            .into_iter()
            .map(str::to_string)
            .collect();
        if let Some(first) = words.first() {
            self.by_first_word
                .entry(first.clone())
                .or_default()
                .push((words, target));
        }
    }

    /// Whether `market` is served.
    pub fn serves(&self, market: Market) -> bool {
        self.languages.contains_key(&market)
    }

    /// The markets served, sorted.
    pub fn markets(&self) -> Vec<Market> {
        let mut all: Vec<Market> = self.languages.keys().copied().collect();
        all.sort();
        all
    }

    /// The languages spoken in `market`, most common first.
    pub fn languages(&self, market: Market) -> &[Lang] {
        self.languages.get(&market).map_or(&[], Vec::as_slice)
    }

    /// The one market where `lang` is the main language, if there is exactly one
    /// (Thai means Thailand; Spanish could be Mexico or Spain).
    pub fn home_of(&self, lang: Lang) -> Option<Market> {
        let mut homes = self
            .languages
            .iter()
            .filter(|(_, langs)| langs.first() == Some(&lang))
            .map(|(m, _)| *m);
        let first = homes.next()?;
        homes.next().is_none().then_some(first)
    }

    /// The longest name starting at word `i`: how many words it spans, and what it names.
    /// Arabic attaches "and" (و) to the next word ("والإمارات"), so a name may carry it.
    fn name_at(&self, words: &[&str], i: usize) -> Option<(usize, Mention)> {
        let first = words[i];
        let bare = first
            .strip_prefix('و')
            .filter(|rest| rest.chars().count() >= 2);
        [Some(first), bare]
            .into_iter()
            .flatten()
            .filter_map(|head| {
                self.by_first_word
                    .get(head)?
                    .iter()
                    .filter(|(name, _)| {
                        name.len() <= words.len() - i
                            && name[1..].iter().zip(&words[i + 1..]).all(|(a, b)| a == b)
                    })
                    .max_by_key(|(name, _)| name.len())
            })
            .max_by_key(|(name, _)| name.len())
            .map(|(name, target)| (name.len(), *target))
    }

    /// `text` with every place name removed (folded), for checks that treat places as neutral:
    /// "hi from manila" is a greeting.
    pub fn without_places(&self, text: &str) -> String {
        let mut folded = text::fold(text);
        for (name, _) in &self.substrings {
            folded = folded.replace(name.as_str(), " ");
        }
        let words = text::words(&folded);
        let mut keep = Vec::with_capacity(words.len());
        let mut i = 0;
        while i < words.len() {
            match self.name_at(&words, i).map(|(n, _)| n) {
                Some(n) => i += n,
                None => {
                    keep.push(words[i]);
                    i += 1;
                }
            }
        }
        keep.join(" ")
    }

    /// Every served market named in `text`, in no particular order, each once.
    pub fn mentions(&self, text: &str) -> Vec<Market> {
        let folded = text::fold(text);
        let words = text::words(&folded);
        let mut found = Vec::new();
        let mut add = |m: &Mention| {
            if let Mention::Served(m) = m {
                if !found.contains(m) {
                    found.push(*m);
                }
            }
        };
        let mut i = 0;
        while i < words.len() {
            match self.name_at(&words, i) {
                Some((n, target)) => {
                    add(&target);
                    i += n;
                }
                None => i += 1,
            }
        }
        for (name, target) in &self.substrings {
            if folded.contains(name.as_str()) {
                add(target);
            }
        }
        found
    }

    /// The first place named in `text`. Longer names win over their prefixes
    /// ("united states" over "united").
    pub fn mention(&self, text: &str) -> Option<Mention> {
        let folded = text::fold(text);
        let words = text::words(&folded);
        if let Some((_, target)) = (0..words.len()).find_map(|i| self.name_at(&words, i)) {
            return Some(target);
        }
        self.substrings
            .iter()
            .filter_map(|(name, target)| {
                folded
                    .find(name.as_str())
                    .map(|pos| (pos, name.len(), *target))
            })
            .min_by_key(|(pos, len, _)| (*pos, usize::MAX - len))
            .map(|(_, _, target)| target)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const SAMPLE: &str = r#"
[markets.BR]
languages = ["pt"]
names = ["brazil", "brasil", "巴西"]
cities = ["são paulo"]
[markets.SA]
languages = ["ar"]
names = ["saudi arabia", "السعودية"]
cities = ["riyadh", "الرياض"]
[markets.US]
languages = ["en", "es"]
names = ["united states", "usa"]
[markets.MX]
languages = ["es"]
names = ["mexico"]
[markets.ES]
languages = ["es"]
names = ["spain"]
[unserved]
names = ["india", "united kingdom of nowhere"]
"#;

    #[test]
    fn mentions_lists_every_served_market_named() {
        let book = MarketBook::parse(SAMPLE).unwrap();
        let sa: Market = "SA".parse().unwrap();
        let us: Market = "US".parse().unwrap();
        let mut named = book.mentions("Standard delivery to Saudi Arabia and the USA, not India.");
        named.sort_by(|a, b| a.as_str().cmp(b.as_str()));
        assert_eq!(named, vec![sa, us]);
        // Arabic attaches "and" to the name that follows it.
        assert_eq!(book.mentions("إلى مصر والسعودية"), vec![sa]);
        assert_eq!(book.mention("والرياض"), Some(Mention::Served(sa)));
        assert!(book.mentions("no place here").is_empty());
    }

    #[test]
    fn finds_names_cities_and_unserved_countries() {
        let book = MarketBook::parse(SAMPLE).unwrap();
        let br: Market = "BR".parse().unwrap();
        let sa: Market = "sa".parse().unwrap();
        assert_eq!(book.mention("frete pro Brasil?"), Some(Mention::Served(br)));
        assert_eq!(book.mention("envio a Sao Paulo"), Some(Mention::Served(br)));
        assert_eq!(
            book.mention("do you ship to Riyadh?"),
            Some(Mention::Served(sa))
        );
        assert_eq!(
            book.mention("الشحن الى الرياض كم"),
            Some(Mention::Served(sa))
        );
        assert_eq!(book.mention("寄到巴西吗"), Some(Mention::Served(br)));
        assert_eq!(book.mention("ship to india?"), Some(Mention::Unserved));
        assert_eq!(
            book.mention("ship to the united states"),
            Some(Mention::Served("US".parse().unwrap()))
        );
        assert_eq!(book.mention("how long is shipping"), None);
    }

    #[test]
    fn places_can_be_removed() {
        let book = MarketBook::parse(SAMPLE).unwrap();
        assert_eq!(book.without_places("Hi from São Paulo!"), "hi from");
        assert_eq!(book.without_places("寄到巴西吗"), "寄到 吗");
    }

    #[test]
    fn home_market_only_when_unique() {
        let book = MarketBook::parse(SAMPLE).unwrap();
        assert_eq!(book.home_of(Lang::Pt), Some("BR".parse().unwrap()));
        assert_eq!(book.home_of(Lang::Es), None);
        assert_eq!(book.home_of(Lang::Th), None);
    }

    #[test]
    fn rejects_bad_codes() {
        assert!("BRA".parse::<Market>().is_err());
        assert!(MarketBook::parse("[markets.B1]\nlanguages=[\"pt\"]").is_err());
        assert!(MarketBook::parse("[markets.BR]\nlanguages=[\"xx\"]").is_err());
    }
}
