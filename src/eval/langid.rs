//! `livedesk eval --langid DIR`: the language detector alone, on a folder laid out like
//! lingua-rs's test data: one folder per language (named `english` or `en`), each holding text
//! files with one item per line (`single-words.txt`, `word-pairs.txt`, `sentences.txt`).
//! No priors are given: this measures the text alone.

use std::collections::BTreeMap;
use std::path::Path;

use serde_json::{json, Value};

use crate::language::{Lang, LanguageDetector, Priors};

/// Folder names of lingua-rs's data, to ISO 639-1.
fn code_of(folder: &str) -> Option<&'static str> {
    Some(match folder {
        "english" | "en" => "en",
        "chinese" | "zh" => "zh",
        "spanish" | "es" => "es",
        "portuguese" | "pt" => "pt",
        "indonesian" | "id" => "id",
        "malay" | "ms" => "ms",
        "thai" | "th" => "th",
        "vietnamese" | "vi" => "vi",
        "tagalog" | "tl" => "tl",
        "arabic" | "ar" => "ar",
        "french" | "fr" => "fr",
        "german" | "de" => "de",
        "italian" | "it" => "it",
        "dutch" | "nl" => "nl",
        "japanese" | "ja" => "ja",
        "korean" | "ko" => "ko",
        "russian" | "ru" => "ru",
        "turkish" | "tr" => "tr",
        "polish" | "pl" => "pl",
        _ => return None,
    })
}

/// Scores the detector on `dir`. For a supported language an item is right when detected as
/// that language; for another language, when detected as unsupported (livedesk then replies in
/// its fallback language and hands over).
pub fn run(detector: &LanguageDetector, dir: &Path) -> std::io::Result<Value> {
    let mut folders: Vec<_> = std::fs::read_dir(dir)?
        .flatten()
        .filter(|e| e.path().is_dir())
        .collect();
    folders.sort_by_key(|e| e.file_name());
    let mut per_language = serde_json::Map::new();
    let mut per_file_total: BTreeMap<String, (usize, usize)> = BTreeMap::new();
    let (mut supported_ok, mut supported_n) = (0usize, 0usize);
    for folder in folders {
        let name = folder.file_name().to_string_lossy().into_owned();
        let Some(code) = code_of(&name) else {
            continue;
        };
        let expected: Option<Lang> = code
            .parse()
            .ok()
            .filter(|l| detector.supported().contains(l));
        let mut files: Vec<_> = std::fs::read_dir(folder.path())?
            .flatten()
            .filter(|e| e.path().extension().is_some_and(|x| x == "txt"))
            .collect();
        files.sort_by_key(|e| e.file_name());
        let mut by_file = serde_json::Map::new();
        for file in files {
            let text = std::fs::read_to_string(file.path())?;
            let (mut ok, mut n) = (0usize, 0usize);
            let mut confusions: BTreeMap<String, usize> = BTreeMap::new();
            for line in text.lines().map(str::trim).filter(|l| !l.is_empty()) {
                n += 1;
                let d = detector.detect(line, &Priors::default());
                let right = match expected {
                    Some(lang) => d.unsupported.is_none() && d.language == lang,
                    None => d.unsupported.is_some(),
                };
                if right {
                    ok += 1;
                } else {
                    let got = d.unsupported.unwrap_or(d.language.code()).to_string();
                    *confusions.entry(got).or_default() += 1;
                }
            }
            let stem = file
                .path()
                .file_stem()
                .map(|s| s.to_string_lossy().into_owned())
                .unwrap_or_default();
            let mut top: Vec<(String, usize)> = confusions.into_iter().collect();
            top.sort_by_key(|entry| std::cmp::Reverse(entry.1));
            top.truncate(3);
            by_file.insert(
                stem.clone(),
                json!({"items": n, "accuracy": if n == 0 { 1.0 } else { ok as f64 / n as f64 }, "confused_with": top}),
            );
            if expected.is_some() {
                let e = per_file_total.entry(stem).or_default();
                e.0 += ok;
                e.1 += n;
                supported_ok += ok;
                supported_n += n;
            }
        }
        per_language.insert(
            code.to_string(),
            json!({"supported": expected.is_some(), "files": by_file}),
        );
    }
    Ok(json!({
        "supported_accuracy": if supported_n == 0 { 1.0 } else { supported_ok as f64 / supported_n as f64 },
        "supported_accuracy_by_file": per_file_total
            .iter()
            .map(|(k, (ok, n))| (k.clone(), json!(if *n == 0 { 1.0 } else { *ok as f64 / *n as f64 })))
            .collect::<serde_json::Map<_, _>>(),
        "per_language": per_language,
    }))
}

/// The langid report for people: one row per language, one column per file.
pub fn render(report: &Value) -> String {
    let mut out = String::from("language  supported  single-words  word-pairs  sentences\n");
    let cell = |files: &Value, name: &str| {
        files[name]["accuracy"]
            .as_f64()
            .map_or("      -".to_string(), |a| format!("{:6.1}%", a * 100.0))
    };
    if let Some(map) = report["per_language"].as_object() {
        for (code, v) in map {
            let files = &v["files"];
            out.push_str(&format!(
                "{code:<9} {:<10} {:>12}  {:>10}  {:>9}\n",
                if v["supported"].as_bool().unwrap_or(false) {
                    "yes"
                } else {
                    "no"
                },
                cell(files, "single-words"),
                cell(files, "word-pairs"),
                cell(files, "sentences"),
            ));
        }
    }
    out.push_str(&format!(
        "supported languages overall: {:.2}%\n",
        report["supported_accuracy"].as_f64().unwrap_or(0.0) * 100.0
    ));
    if let Some(map) = report["supported_accuracy_by_file"].as_object() {
        for (file, acc) in map {
            out.push_str(&format!(
                "  {file:<14} {:.2}%\n",
                acc.as_f64().unwrap_or(0.0) * 100.0
            ));
        }
    }
    out
}
