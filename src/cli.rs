//! The command line: `serve`, `ask`, `ingest` (and `eval`). Every command starts from the same
//! settings and the same desk as the server.

use std::io::Write;
use std::path::PathBuf;
use std::process::ExitCode;

use clap::{Parser, Subcommand};
use futures::StreamExt;

use crate::channel::Channel;
use crate::desk::{Inbound, ReplyEvent, Viewer};
use crate::market::Market;
use crate::settings::Settings;
use crate::startup::{build_desk, shutdown_signal, Application};

#[derive(Debug, Parser)]
#[command(
    name = "livedesk",
    version,
    about = "Answers live-commerce shoppers' shipping, payment and returns questions in their language, or hands them to a person."
)]
pub struct Cli {
    /// Settings file (TOML); optional.
    #[arg(
        long,
        global = true,
        env = "LIVEDESK_CONFIG",
        default_value = "livedesk.toml"
    )]
    config: PathBuf,
    /// Data directory (overrides the `data_dir` setting).
    #[arg(long, global = true)]
    data_dir: Option<PathBuf>,
    #[command(subcommand)]
    command: Command,
}

#[derive(Debug, Subcommand)]
enum Command {
    /// Run the HTTP server (indexes `knowledge/` first when the index is missing or stale).
    #[command(after_help = Settings::help())]
    Serve {
        /// Address to listen on (overrides the `bind` setting).
        #[arg(long)]
        bind: Option<String>,
    },
    /// Answer one message and print the reply as it streams, then the decision.
    Ask {
        /// The viewer's message.
        text: String,
        /// live, whatsapp or email.
        #[arg(long, default_value = "live")]
        channel: String,
        /// The viewer's platform locale, e.g. pt-BR.
        #[arg(long)]
        locale: Option<String>,
        /// The viewer's market (ISO country code), e.g. BR.
        #[arg(long)]
        market: Option<String>,
        /// Print the whole result as one JSON object.
        #[arg(long)]
        json: bool,
    },
    /// Run eval cases through the pipeline and print the scorecard; exits non-zero when a
    /// metric is below its threshold.
    Eval {
        /// Case files or directories of *.jsonl files.
        #[arg(long = "cases", default_value = "evals/cases", num_args = 1..)]
        cases: Vec<PathBuf>,
        /// Thresholds file.
        #[arg(long, default_value = "evals/thresholds.toml")]
        thresholds: PathBuf,
        /// Print the scorecard as one JSON object.
        #[arg(long)]
        json: bool,
        /// extractive or llm (llm needs `llm_base_url`).
        #[arg(long)]
        generator: Option<String>,
        /// Score only the language detector on a folder laid out like lingua-rs's test data.
        #[arg(long)]
        langid: Option<PathBuf>,
        /// Also write every case's outcome, one JSON object per line, to this file.
        #[arg(long)]
        dump: Option<PathBuf>,
    },
    /// Build or refresh the index from the knowledge directory.
    Ingest {
        /// Rebuild even when the index is up to date.
        #[arg(long)]
        force: bool,
    },
}

/// Parses the command line and runs it.
pub async fn run() -> ExitCode {
    let cli = Cli::parse();
    let mut settings = match Settings::load(&cli.config) {
        Ok(s) => s,
        Err(e) => {
            eprintln!("livedesk: {e}");
            return ExitCode::from(2);
        }
    };
    if let Some(dir) = cli.data_dir {
        settings.data_dir = dir;
    }
    let verbose = matches!(cli.command, Command::Serve { .. });
    init_logging(&settings, verbose);
    let result = match cli.command {
        Command::Serve { bind } => {
            if let Some(bind) = bind {
                settings.bind = bind;
            }
            serve(settings).await
        }
        Command::Ask {
            text,
            channel,
            locale,
            market,
            json,
        } => ask(settings, text, channel, locale, market, json).await,
        Command::Ingest { force } => ingest(settings, force).await,
        Command::Eval {
            cases,
            thresholds,
            json,
            generator,
            langid,
            dump,
        } => eval(settings, cases, thresholds, json, generator, langid, dump).await,
    };
    match result {
        Ok(()) => ExitCode::SUCCESS,
        Err(message) => {
            eprintln!("livedesk: {message}");
            ExitCode::FAILURE
        }
    }
}

fn init_logging(settings: &Settings, verbose: bool) {
    // qdrant-edge warns once per process about an mmap capability probe it runs lazily; it is
    // not actionable.
    let default = if verbose {
        "info,qdrant_edge=error"
    } else {
        "warn,qdrant_edge=error"
    };
    let filter = tracing_subscriber::EnvFilter::try_from_default_env()
        .unwrap_or_else(|_| tracing_subscriber::EnvFilter::new(default));
    let builder = tracing_subscriber::fmt()
        .with_env_filter(filter)
        .with_writer(std::io::stderr);
    if settings.log_format == "json" {
        let _ = builder.json().try_init();
    } else {
        let _ = builder.try_init();
    }
}

async fn serve(settings: Settings) -> Result<(), String> {
    let app = Application::build(settings)
        .await
        .map_err(|e| e.to_string())?;
    tracing::info!(address = %app.local_addr(), generator = app.desk().generator.name(), "livedesk listening");
    app.run_until_stopped(shutdown_signal())
        .await
        .map_err(|e| e.to_string())
}

async fn ingest(settings: Settings, force: bool) -> Result<(), String> {
    let bar = indicatif::ProgressBar::new(0);
    bar.set_style(
        indicatif::ProgressStyle::with_template("indexing {bar:40} {pos}/{len} points")
            .map_err(|e| e.to_string())?,
    );
    let progress = |done: usize, total: usize| {
        bar.set_length(total as u64);
        bar.set_position(done as u64);
    };
    let (desk, state) = build_desk(&settings, force, &progress)
        .await
        .map_err(|e| e.to_string())?;
    bar.finish_and_clear();
    let knowledge = desk.retriever.knowledge();
    match state {
        crate::retrieval::IndexState::UpToDate => println!(
            "index up to date: {} documents, {} passages",
            knowledge.documents.len(),
            knowledge.passages.len()
        ),
        crate::retrieval::IndexState::Rebuilt { points } => println!(
            "indexed {} documents, {} passages, {points} points into {}",
            knowledge.documents.len(),
            knowledge.passages.len(),
            settings.data_dir.join("index").display()
        ),
    }
    Ok(())
}

async fn ask(
    settings: Settings,
    text: String,
    channel: String,
    locale: Option<String>,
    market: Option<String>,
    json: bool,
) -> Result<(), String> {
    let channel: Channel = channel
        .parse()
        .map_err(|e: crate::channel::UnknownChannel| e.to_string())?;
    let market: Option<Market> = market
        .map(|m| m.parse())
        .transpose()
        .map_err(|e: crate::market::InvalidMarket| e.to_string())?;
    if text.trim().is_empty() {
        return Err("the message is empty".into());
    }
    let max = settings.max_text(channel);
    if text.chars().count() > max {
        return Err(format!("the message is over {max} characters"));
    }
    let (desk, _) = build_desk(&settings, false, &|_, _| {})
        .await
        .map_err(|e| e.to_string())?;
    let inbound = Inbound {
        channel,
        conversation_id: None,
        viewer: Viewer {
            id: "cli".into(),
            name: None,
            locale,
            market,
        },
        text,
        room_language: None,
    };
    let prepared = desk.prepare(&inbound).await.map_err(|e| e.to_string())?;
    let mut events = desk.reply(&prepared);
    let mut stdout = std::io::stdout();
    let mut done = None;
    let mut streamed = false;
    while let Some(event) = events.next().await {
        match event {
            ReplyEvent::Delta(text) if !json => {
                streamed = true;
                let _ = write!(stdout, "{text}");
                let _ = stdout.flush();
            }
            ReplyEvent::Delta(_) => {}
            ReplyEvent::Done(f) => done = Some(f),
        }
    }
    let done = done.ok_or("the reply ended without a result")?;
    if json {
        let value = crate::http::messages::result_json(&prepared, &done);
        println!(
            "{}",
            serde_json::to_string_pretty(&value).map_err(|e| e.to_string())?
        );
        return Ok(());
    }
    if !streamed {
        if let Some(text) = &done.text {
            print!("{text}");
        }
    }
    println!();
    let mut line = format!(
        "[{}{} | language {} ({}) | market {}",
        done.action.kind(),
        done.action
            .reason()
            .map(|r| format!(": {r}"))
            .unwrap_or_default(),
        prepared.detection.language,
        prepared.detection.signal.as_str(),
        prepared
            .market
            .map(|m| m.to_string())
            .unwrap_or_else(|| "-".into()),
    );
    if let Some(topic) = prepared.topic {
        line.push_str(&format!(" | topic {topic}"));
    }
    if let Some(c) = prepared.confidence {
        line.push_str(&format!(" | confidence {c:.2}"));
    }
    if let Some(source) = prepared.sources.first() {
        line.push_str(&format!(" | source {}", source.passage_id));
    }
    if let Some(usage) = done.usage {
        line.push_str(&format!(
            " | tokens {}+{}",
            usage.prompt_tokens, usage.answer_tokens
        ));
    }
    line.push(']');
    println!("{line}");
    Ok(())
}

async fn eval(
    mut settings: Settings,
    cases: Vec<PathBuf>,
    thresholds: PathBuf,
    json: bool,
    generator: Option<String>,
    langid: Option<PathBuf>,
    dump: Option<PathBuf>,
) -> Result<(), String> {
    match generator.as_deref() {
        None | Some("llm") if !settings.llm_base_url.is_empty() => {}
        None | Some("extractive") => settings.llm_base_url.clear(),
        Some("llm") => return Err("--generator llm needs the llm_base_url setting".into()),
        Some(other) => {
            return Err(format!(
                "unknown generator {other:?}: expected extractive or llm"
            ))
        }
    }
    let (desk, _) = build_desk(&settings, false, &|_, _| {})
        .await
        .map_err(|e| e.to_string())?;
    if let Some(dir) = langid {
        let report = crate::eval::langid::run(&desk.detector, &dir)
            .map_err(|e| format!("{}: {e}", dir.display()))?;
        if json {
            println!(
                "{}",
                serde_json::to_string_pretty(&report).map_err(|e| e.to_string())?
            );
        } else {
            print!("{}", crate::eval::langid::render(&report));
        }
        return Ok(());
    }
    let cases = crate::eval::case::load(&cases).map_err(|e| e.to_string())?;
    let thresholds: crate::eval::Thresholds = match std::fs::read_to_string(&thresholds) {
        Ok(raw) => toml::from_str(&raw).map_err(|e| format!("{}: {e}", thresholds.display()))?,
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => crate::eval::Thresholds::default(),
        Err(e) => return Err(format!("{}: {e}", thresholds.display())),
    };
    let outcomes = crate::eval::run(&desk, cases)
        .await
        .map_err(|e| e.to_string())?;
    let card = crate::eval::scorecard(&outcomes);
    if let Some(path) = dump {
        let lines: Vec<String> = outcomes
            .iter()
            .map(|o| crate::eval::dump_line(o).to_string())
            .collect();
        std::fs::write(&path, lines.join("\n") + "\n")
            .map_err(|e| format!("{}: {e}", path.display()))?;
    }
    if json {
        println!(
            "{}",
            serde_json::to_string_pretty(&card).map_err(|e| e.to_string())?
        );
    } else {
        print!("{}", crate::eval::render(&card));
    }
    let misses = crate::eval::check(&card, &thresholds);
    if misses.is_empty() {
        Ok(())
    } else {
        Err(format!("below threshold: {}", misses.join(", ")))
    }
}
