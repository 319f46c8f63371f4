//! Benchmarks: the whole pipeline without an LLM (detect, retrieve, decide, extractive answer)
//! on the shipped knowledge base, and retrieval alone on a generated 10,000-passage knowledge
//! base. Criterion reports the mean; each group then prints p50 and p99 of single calls, the
//! figures BENCHMARKS.md records.

use std::path::Path;
use std::sync::Arc;
use std::time::{Duration, Instant};

use criterion::{criterion_group, criterion_main, Criterion};
use livedesk::channel::Channel;
use livedesk::desk::{Inbound, Viewer};
use livedesk::knowledge::{Document, KnowledgeBase, Markets, Passage, Topic};
use livedesk::language::Lang;
use livedesk::market::MarketBook;
use livedesk::retrieval::edge::EdgeStore;
use livedesk::retrieval::{RetrievalQuery, Retriever};
use livedesk::settings::Settings;

/// Messages as they arrive in a live room: short, many languages, some chatter and handoffs.
const MESSAGES: &[(&str, Option<&str>, Option<&str>)] = &[
    ("ship to Brazil?", None, Some("US")),
    ("bisa COD?", Some("id-ID"), Some("ID")),
    ("ส่งไทยกี่วันคะ", None, Some("TH")),
    ("¿aceptan OXXO?", None, Some("MX")),
    ("frete pro brasil demora quanto?", None, None),
    ("هل تقبلون مدى؟", Some("ar-SA"), Some("SA")),
    ("配送要几天", None, Some("SG")),
    ("返品できますか", Some("ja-JP"), Some("JP")),
    ("반품 며칠 안에 돼요?", None, Some("KR")),
    ("boleh bayar guna grabpay?", None, Some("MY")),
    ("pwede po gcash?", None, Some("PH")),
    ("ship ve vn bao lau", None, Some("VN")),
    ("livraison en france combien de temps", None, Some("FR")),
    ("rücksendung kostenlos?", None, Some("DE")),
    ("I want to talk to a person", None, None),
    ("❤️❤️❤️", None, None),
];

fn percentiles(mut samples: Vec<Duration>) -> (Duration, Duration) {
    samples.sort_unstable();
    let at = |p: f64| samples[((samples.len() - 1) as f64 * p).round() as usize];
    (at(0.50), at(0.99))
}

fn pipeline(c: &mut Criterion) {
    let runtime = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .unwrap();
    let data = tempfile::tempdir().unwrap();
    let root = Path::new(env!("CARGO_MANIFEST_DIR"));
    let settings = Settings {
        data_dir: data.path().to_path_buf(),
        knowledge_dir: root.join("knowledge"),
        prompts_dir: root.join("prompts"),
        ..Settings::default()
    };
    let (desk, _) = runtime
        .block_on(livedesk::startup::build_desk(&settings, true, &|_, _| {}))
        .expect("desk builds");
    let inbound: Vec<Inbound> = MESSAGES
        .iter()
        .map(|(text, locale, market)| Inbound {
            channel: Channel::Live,
            conversation_id: None,
            viewer: Viewer {
                id: "bench".into(),
                name: None,
                locale: locale.map(str::to_string),
                market: market.map(|m| m.parse().unwrap()),
            },
            text: text.to_string(),
            room_language: None,
        })
        .collect();
    let mut i = 0;
    c.bench_function("pipeline/message (shipped knowledge, extractive)", |b| {
        b.iter(|| {
            let message = &inbound[i % inbound.len()];
            i += 1;
            runtime.block_on(desk.handle(message)).unwrap()
        })
    });
    let mut samples = Vec::new();
    for round in 0..200 {
        for message in &inbound {
            let start = Instant::now();
            runtime.block_on(desk.handle(message)).unwrap();
            if round > 0 {
                samples.push(start.elapsed());
            }
        }
    }
    let (p50, p99) = percentiles(samples);
    println!(
        "pipeline per message: p50 {p50:?}  p99 {p99:?}  ({} messages)",
        199 * inbound.len()
    );
}

/// Deterministic pseudo-random words, so the generated knowledge base is the same every run.
struct Words(u64);

impl Words {
    fn next(&mut self) -> u64 {
        self.0 ^= self.0 << 13;
        self.0 ^= self.0 >> 7;
        self.0 ^= self.0 << 17;
        self.0
    }

    fn word(&mut self) -> String {
        const SYLLABLES: &[&str] = &[
            "ka", "ri", "po", "te", "lu", "ma", "shi", "no", "va", "de", "ben", "tor", "qua", "ze",
            "mi", "ral", "sun", "ge", "fo", "lin", "dra", "xo", "pe", "hu",
        ];
        let n = 2 + (self.next() % 2) as usize;
        (0..n)
            .map(|_| SYLLABLES[(self.next() % SYLLABLES.len() as u64) as usize])
            .collect()
    }

    fn sentence(&mut self, words: usize) -> String {
        (0..words)
            .map(|_| self.word())
            .collect::<Vec<_>>()
            .join(" ")
            + "."
    }
}

fn retrieval_10k(c: &mut Criterion) {
    let runtime = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .unwrap();
    let markets = MarketBook::parse(
        "[markets.BR]\nlanguages=[\"pt\"]\n[markets.MX]\nlanguages=[\"es\"]\n[markets.US]\nlanguages=[\"en\"]\n[markets.TH]\nlanguages=[\"th\"]\n",
    )
    .unwrap();
    let mut words = Words(0x9e37_79b9_7f4a_7c15);
    let languages = [Lang::En, Lang::Pt, Lang::Es, Lang::Id];
    let market_sets = [
        Markets::All,
        Markets::Only(vec!["BR".parse().unwrap()]),
        Markets::Only(vec!["MX".parse().unwrap()]),
        Markets::Only(vec!["US".parse().unwrap(), "TH".parse().unwrap()]),
    ];
    let mut passages = Vec::new();
    for d in 0..2_500 {
        let language = languages[d % languages.len()];
        let document = Arc::new(Document {
            id: format!("doc-{d}"),
            topic: Topic::ALL[d % 3],
            language,
            markets: market_sets[(d / 4) % market_sets.len()].clone(),
            title: words.sentence(3),
            slug: format!("doc-{d}"),
        });
        for n in 1..=4 {
            passages.push(Passage {
                id: format!("doc-{d}#{n}"),
                ordinal: n,
                document: document.clone(),
                heading: words.sentence(3),
                sentences: (0..3).map(|_| words.sentence(12)).collect(),
                sentence_markets: vec![Vec::new(); 3],
                sentence_topics: vec![Vec::new(); 3],
                questions: (0..4).map(|_| words.sentence(4)).collect(),
                market_overview: false,
                handoff: None,
            });
        }
    }
    assert_eq!(passages.len(), 10_000);
    let queries: Vec<String> = passages
        .iter()
        .step_by(97)
        .map(|p| {
            p.questions[0]
                .split(' ')
                .take(3)
                .collect::<Vec<_>>()
                .join(" ")
        })
        .collect();
    let knowledge = Arc::new(KnowledgeBase::from_passages(passages, markets));
    let data = tempfile::tempdir().unwrap();
    let store = Arc::new(EdgeStore::open(data.path()).unwrap());
    let retriever = Retriever::new(store, knowledge, None, Lang::En);
    let started = Instant::now();
    runtime
        .block_on(retriever.ensure_index(true, &|_, _| {}))
        .expect("index builds");
    println!(
        "indexed 10,000 passages (50,000 points) in {:?}",
        started.elapsed()
    );
    let query = |i: usize| RetrievalQuery {
        text: &queries[i % queries.len()],
        language: [Lang::Pt, Lang::Es, Lang::Id][i % 3],
        market: Some(["BR", "MX", "US"][i % 3].parse().unwrap()),
        market_named: false,
    };
    let mut i = 0;
    c.bench_function("retrieval/query (10,000 passages)", |b| {
        b.iter(|| {
            let q = query(i);
            i += 1;
            runtime.block_on(retriever.retrieve(&q)).unwrap()
        })
    });
    let mut samples = Vec::new();
    for i in 0..3_000 {
        let q = query(i);
        let start = Instant::now();
        runtime.block_on(retriever.retrieve(&q)).unwrap();
        samples.push(start.elapsed());
    }
    let (p50, p99) = percentiles(samples);
    println!("retrieval per query, 10,000 passages: p50 {p50:?}  p99 {p99:?}  (3,000 queries)");
}

criterion_group! {
    name = benches;
    config = Criterion::default().sample_size(50).measurement_time(Duration::from_secs(5));
    targets = pipeline, retrieval_10k
}
criterion_main!(benches);
