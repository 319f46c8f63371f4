//! The front matter of a knowledge document: a strict subset of YAML (`key: value` lines, lists
//! as `[A, B]`), so that every mistake gets a line number and a plain-language message.

use std::path::Path;

use super::{Document, Markets, ALL_MARKETS};
use crate::language::Lang;
use crate::market::{Market, MarketBook};

const KEYS: [&str; 5] = ["id", "topic", "language", "markets", "title"];

/// Parses the front matter; returns the document, the body after it, and the body's first line
/// number. Errors carry a 1-based line number and the problem.
pub fn parse<'a>(
    raw: &'a str,
    path: &Path,
    markets: &MarketBook,
) -> Result<(Document, &'a str, usize), (usize, String)> {
    let raw = raw.strip_prefix('\u{feff}').unwrap_or(raw);
    let mut lines = raw.split_inclusive('\n');
    let first = lines.next().unwrap_or("");
    if first.trim_end() != "---" {
        return Err((
            1,
            "the file must start with a `---` front matter line".into(),
        ));
    }
    let mut offset = first.len();
    let mut fields: Vec<(usize, &str, &str)> = Vec::new();
    let mut closed = false;
    let mut line_no = 1;
    for line in lines {
        line_no += 1;
        offset += line.len();
        let trimmed = line.trim();
        if trimmed == "---" {
            closed = true;
            break;
        }
        if trimmed.is_empty() || trimmed.starts_with('#') {
            continue;
        }
        let Some((key, value)) = trimmed.split_once(':') else {
            return Err((line_no, format!("expected `key: value`, found {trimmed:?}")));
        };
        let key = key.trim();
        if !KEYS.contains(&key) {
            return Err((
                line_no,
                format!("unknown front matter key {key:?} (expected one of {KEYS:?})"),
            ));
        }
        if fields.iter().any(|(_, k, _)| *k == key) {
            return Err((line_no, format!("{key:?} is given twice")));
        }
        fields.push((line_no, key, unquote(value.trim())));
    }
    if !closed {
        return Err((
            line_no,
            "the front matter is not closed by a `---` line".into(),
        ));
    }
    let get = |key: &str| -> Result<(usize, &str), (usize, String)> {
        fields
            .iter()
            .find(|(_, k, _)| *k == key)
            .map(|(l, _, v)| (*l, *v))
            .filter(|(_, v)| !v.is_empty())
            .ok_or((1, format!("front matter is missing {key:?}")))
    };

    let (_, id) = get("id")?;
    let (topic_line, topic) = get("topic")?;
    let topic = topic.parse().map_err(|e| (topic_line, e))?;
    let (lang_line, language) = get("language")?;
    let language: Lang = language
        .parse()
        .map_err(|e: crate::language::UnknownLanguage| (lang_line, e.to_string()))?;
    let (markets_line, market_list) = get("markets")?;
    let markets_value = parse_markets(market_list, markets).map_err(|e| (markets_line, e))?;
    let (_, title) = get("title")?;

    let slug = path
        .file_stem()
        .map(|s| s.to_string_lossy().into_owned())
        .unwrap_or_default();
    let document = Document {
        id: id.to_string(),
        topic,
        language,
        markets: markets_value,
        title: title.to_string(),
        slug,
    };
    Ok((document, &raw[offset.min(raw.len())..], line_no + 1))
}

fn unquote(value: &str) -> &str {
    for q in ['"', '\''] {
        if let Some(inner) = value.strip_prefix(q).and_then(|v| v.strip_suffix(q)) {
            return inner;
        }
    }
    value
}

fn parse_markets(value: &str, book: &MarketBook) -> Result<Markets, String> {
    if value == ALL_MARKETS {
        return Ok(Markets::All);
    }
    let inner = value
        .strip_prefix('[')
        .and_then(|v| v.strip_suffix(']'))
        .ok_or_else(|| format!("markets must be `all` or a list like `[BR, MX]`, not {value:?}"))?;
    let mut list = Vec::new();
    for code in inner.split(',').map(str::trim).filter(|c| !c.is_empty()) {
        let market: Market = code
            .parse()
            .map_err(|e: crate::market::InvalidMarket| e.to_string())?;
        if !book.serves(market) {
            return Err(format!("market {market} is not listed in markets.toml"));
        }
        list.push(market);
    }
    if list.is_empty() {
        return Err("markets must name at least one market, or be `all`".into());
    }
    Ok(Markets::Only(list))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn book() -> MarketBook {
        MarketBook::parse(
            "[markets.BR]\nlanguages = [\"pt\"]\n[markets.MX]\nlanguages = [\"es\"]\n",
        )
        .unwrap()
    }

    fn check(raw: &str) -> Result<Document, (usize, String)> {
        parse(raw, Path::new("pt/payment-br.md"), &book()).map(|(d, _, _)| d)
    }

    #[test]
    fn parses_a_valid_header() {
        let doc = check("---\nid: pt-payment-br\ntopic: payment\nlanguage: pt\nmarkets: [BR, MX]\ntitle: \"Pagamento\"\n---\n## A\n").unwrap();
        assert_eq!(doc.id, "pt-payment-br");
        assert_eq!(doc.slug, "payment-br");
        assert_eq!(
            doc.markets,
            Markets::Only(vec!["BR".parse().unwrap(), "MX".parse().unwrap()])
        );
        assert_eq!(doc.title, "Pagamento");
    }

    #[test]
    fn reports_the_line_and_the_problem() {
        let base = "---\nid: x\ntopic: payment\nlanguage: pt\nmarkets: all\ntitle: T\n---\n";
        assert!(check(base).is_ok());
        let err = check(&base.replace("topic: payment", "topic: billing")).unwrap_err();
        assert_eq!(err.0, 3);
        assert!(err.1.contains("billing"));
        let err = check(&base.replace("markets: all", "markets: [BR, ZZ]")).unwrap_err();
        assert_eq!(err.0, 5);
        assert!(err.1.contains("ZZ"));
        let err = check(&base.replace("language: pt", "language: klingon")).unwrap_err();
        assert_eq!(err.0, 4);
        assert!(check(&base.replace("title: T\n", ""))
            .unwrap_err()
            .1
            .contains("title"));
        assert!(check(&base.replace("---\nid", "id")).is_err());
        assert!(check("---\nid: x\n").unwrap_err().1.contains("not closed"));
        assert!(check(&base.replace("title: T", "title: T\ncolour: red"))
            .unwrap_err()
            .1
            .contains("colour"));
    }
}
