//! The knowledge base against the store's policy sheet: every language has every document and
//! topic, every market's payment methods are in its passages (and no other market's), and the
//! key figures are stated in every language. When `../shared/store-policies.md` is present, the
//! brands and figures this test expects are checked against the sheet too.

use std::collections::{BTreeSet, HashMap};
use std::path::Path;

use livedesk::knowledge::{KnowledgeBase, Markets, Topic};
use livedesk::language::Lang;

fn knowledge() -> KnowledgeBase {
    let dir = Path::new(env!("CARGO_MANIFEST_DIR")).join("knowledge");
    KnowledgeBase::load(&dir, &Lang::ALL).expect("knowledge loads")
}

/// Each market payment document, its markets, and the payment brands the sheet lists for them.
const PAYMENT: &[(&str, &[&str], &[&str])] = &[
    (
        "payment-north-america-europe",
        &["US", "CA", "GB", "DE", "FR", "ES", "IT", "NL"],
        &[
            "Visa",
            "Mastercard",
            "American Express",
            "PayPal",
            "Apple Pay",
            "Google Pay",
        ],
    ),
    (
        "payment-id",
        &["ID"],
        &[
            "GoPay",
            "OVO",
            "Indomaret",
            "Alfamart",
            "Visa",
            "Mastercard",
        ],
    ),
    (
        "payment-th",
        &["TH"],
        &["TrueMoney", "PromptPay", "Visa", "Mastercard"],
    ),
    ("payment-vn", &["VN"], &["MoMo", "Visa", "Mastercard"]),
    (
        "payment-my-sg",
        &["MY", "SG"],
        &["GrabPay", "Visa", "Mastercard", "PayPal"],
    ),
    (
        "payment-ph",
        &["PH"],
        &["GCash", "GrabPay", "Visa", "Mastercard"],
    ),
    (
        "payment-sa-ae",
        &["SA", "AE"],
        &[
            "Mada",
            "Visa",
            "Mastercard",
            "Apple Pay",
            "Google Pay",
            "Tabby",
        ],
    ),
    ("payment-br", &["BR"], &["Pix", "boleto"]),
    ("payment-mx", &["MX"], &["OXXO", "Visa", "Mastercard"]),
    (
        "payment-jp",
        &["JP"],
        &["Visa", "Mastercard", "JCB", "PayPal", "Apple Pay"],
    ),
    ("payment-kr", &["KR"], &["Visa", "Mastercard", "PayPal"]),
];

/// Brands that belong to one market group only: no other document may name them.
const EXCLUSIVE: &[(&str, &[&str])] = &[
    ("GoPay", &["payment-id", "returns-id"]),
    ("OVO", &["payment-id", "returns-id"]),
    ("Indomaret", &["payment-id", "returns-id"]),
    ("TrueMoney", &["payment-th"]),
    ("PromptPay", &["payment-th"]),
    ("MoMo", &["payment-vn", "returns-vn"]),
    ("GCash", &["payment-ph"]),
    ("Mada", &["payment-sa-ae"]),
    ("Tabby", &["payment-sa-ae"]),
    ("Pix", &["payment-br", "returns-br"]),
    ("OXXO", &["payment-mx", "returns-mx"]),
    ("JCB", &["payment-jp"]),
];

/// Figures each document must state in every language (as whole numbers).
const FIGURES: &[(&str, &[&str])] = &[
    ("shipping", &["1", "2", "48", "24", "10"]),
    ("shipping-sea", &["5", "9", "2", "4", "25", "2.99"]),
    ("shipping-east-asia", &["4", "7", "2", "3", "49", "4.99"]),
    (
        "shipping-north-america",
        &["7", "12", "3", "6", "49", "4.99"],
    ),
    ("shipping-europe", &["8", "14", "4", "6", "49", "4.99"]),
    ("shipping-middle-east", &["7", "12", "3", "5", "49", "4.99"]),
    ("shipping-brazil", &["15", "25", "49", "4.99"]),
    ("shipping-mexico", &["12", "20", "49", "4.99"]),
    ("payment", &["15"]),
    ("payment-sa-ae", &["4", "200"]),
    ("payment-br", &["6", "150", "3"]),
    ("payment-mx", &["72", "3", "6"]),
    ("returns", &["30", "7", "5", "10", "1"]),
    ("returns-br", &["2"]),
];

/// The numbers written in a text: maximal runs of digits, with `.` or `,` between digits kept
/// ("4.99", "5,000").
fn numbers(text: &str) -> BTreeSet<String> {
    let chars: Vec<char> = text.chars().collect();
    let mut out = BTreeSet::new();
    let mut i = 0;
    while i < chars.len() {
        if chars[i].is_ascii_digit() {
            let start = i;
            while i < chars.len()
                && (chars[i].is_ascii_digit()
                    || (matches!(chars[i], '.' | ',')
                        && chars.get(i + 1).is_some_and(|c| c.is_ascii_digit())))
            {
                i += 1;
            }
            out.insert(chars[start..i].iter().collect());
        } else {
            i += 1;
        }
    }
    out
}

/// Every document's full text (title, headings, sentences), by (language, slug).
fn texts(kb: &KnowledgeBase) -> HashMap<(Lang, String), String> {
    let mut out: HashMap<(Lang, String), String> = HashMap::new();
    for p in &kb.passages {
        let entry = out
            .entry((p.document.language, p.document.slug.clone()))
            .or_insert_with(|| p.document.title.clone());
        entry.push('\n');
        entry.push_str(&p.text());
    }
    out
}

#[test]
fn every_language_has_every_document_and_topic() {
    let kb = knowledge();
    let english: BTreeSet<&str> = kb
        .documents
        .iter()
        .filter(|d| d.language == Lang::En)
        .map(|d| d.slug.as_str())
        .collect();
    assert_eq!(english.len(), 25, "{english:?}");
    for lang in Lang::ALL {
        let docs: Vec<_> = kb.documents.iter().filter(|d| d.language == lang).collect();
        let slugs: BTreeSet<&str> = docs.iter().map(|d| d.slug.as_str()).collect();
        assert_eq!(slugs, english, "{lang} has a different set of documents");
        for topic in Topic::ALL {
            assert!(
                docs.iter().any(|d| d.topic == topic),
                "{lang} has no {topic} document"
            );
        }
        for doc in &docs {
            let en = kb
                .documents
                .iter()
                .find(|d| d.language == Lang::En && d.slug == doc.slug)
                .unwrap();
            assert_eq!(
                doc.topic, en.topic,
                "{}: topic differs from English",
                doc.id
            );
            assert_eq!(
                doc.markets, en.markets,
                "{}: markets differ from English",
                doc.id
            );
            assert_eq!(doc.id, format!("{lang}-{}", doc.slug));
        }
    }
}

#[test]
fn every_market_payment_document_names_its_methods_in_every_language() {
    let kb = knowledge();
    let texts = texts(&kb);
    for lang in Lang::ALL {
        for (slug, markets, brands) in PAYMENT {
            let doc = kb
                .documents
                .iter()
                .find(|d| d.language == lang && d.slug == *slug)
                .unwrap_or_else(|| panic!("{lang}-{slug} is missing"));
            let expected = Markets::Only(markets.iter().map(|m| m.parse().unwrap()).collect());
            assert_eq!(doc.markets, expected, "{}", doc.id);
            let text = texts[&(lang, slug.to_string())].to_lowercase();
            for brand in *brands {
                assert!(
                    text.contains(&brand.to_lowercase()),
                    "{lang}-{slug} does not name {brand}"
                );
            }
        }
    }
}

#[test]
fn no_document_names_another_markets_payment_brand() {
    let kb = knowledge();
    for ((lang, slug), text) in texts(&kb) {
        let words: BTreeSet<String> = text
            .split(|c: char| !c.is_alphanumeric())
            .map(str::to_lowercase)
            .collect();
        for (brand, allowed) in EXCLUSIVE {
            if words.contains(&brand.to_lowercase()) {
                assert!(
                    allowed.contains(&slug.as_str()),
                    "{lang}-{slug} names {brand}, which belongs to {allowed:?}"
                );
            }
        }
    }
}

#[test]
fn key_figures_are_stated_in_every_language() {
    let kb = knowledge();
    let texts = texts(&kb);
    for lang in Lang::ALL {
        for (slug, figures) in FIGURES {
            let found = numbers(&texts[&(lang, slug.to_string())]);
            for figure in *figures {
                assert!(
                    found.contains(*figure),
                    "{lang}-{slug} does not state {figure}: {found:?}"
                );
            }
        }
        let tabby = numbers(&texts[&(lang, "payment-sa-ae".to_string())]);
        assert!(
            tabby.contains("5,000") || tabby.contains("5000"),
            "{lang}-payment-sa-ae: Tabby's 5,000"
        );
        let statement = &texts[&(lang, "payment".to_string())];
        assert!(
            statement.contains("AURORA LIVING HK"),
            "{lang}-payment: card statement name"
        );
    }
}

#[test]
fn the_expected_brands_and_figures_come_from_the_policy_sheet() {
    let sheet = Path::new(env!("CARGO_MANIFEST_DIR")).join("../shared/store-policies.md");
    let Ok(sheet) = std::fs::read_to_string(&sheet) else {
        // The sheet lives outside the repository; without it the other tests still hold the
        // knowledge base to the figures above.
        eprintln!("../shared/store-policies.md not found: sheet cross-check not run");
        return;
    };
    let sheet_numbers = numbers(&sheet);
    for (_, _, brands) in PAYMENT {
        for brand in *brands {
            assert!(sheet.contains(brand), "{brand} is not in the sheet");
        }
    }
    for (_, figures) in FIGURES {
        for figure in *figures {
            assert!(
                sheet_numbers.contains(*figure),
                "{figure} is not a figure of the sheet"
            );
        }
    }
}
