//! `spawn_app` and the LLM stand-in.

use std::net::SocketAddr;
use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::{Arc, Mutex, OnceLock};
use std::time::Duration;

use axum::body::Body;
use axum::extract::State;
use axum::http::{header, StatusCode};
use axum::response::{IntoResponse, Response};
use axum::routing::post;
use axum::{Json, Router};
use futures::StreamExt;
use livedesk::settings::Settings;
use livedesk::startup::Application;
use serde_json::{json, Value};
use tokio::sync::Mutex as AsyncMutex;

/// A running livedesk.
pub struct TestApp {
    pub address: String,
    pub client: reqwest::Client,
}

impl TestApp {
    /// GETs `path` and returns the status and JSON body.
    pub async fn get(&self, path: &str) -> (StatusCode, Value) {
        let response = self
            .client
            .get(format!("{}{path}", self.address))
            .send()
            .await
            .expect("request");
        let status = StatusCode::from_u16(response.status().as_u16()).unwrap();
        (status, response.json::<Value>().await.expect("JSON body"))
    }

    pub async fn post(&self, body: &Value) -> (StatusCode, Value) {
        let response = self
            .client
            .post(format!("{}/v1/messages", self.address))
            .json(body)
            .send()
            .await
            .expect("request");
        let status = StatusCode::from_u16(response.status().as_u16()).unwrap();
        let value = response.json::<Value>().await.expect("JSON body");
        (status, value)
    }

    pub async fn post_raw(
        &self,
        body: impl Into<reqwest::Body>,
        content_type: &str,
    ) -> (StatusCode, Value) {
        let response = self
            .client
            .post(format!("{}/v1/messages", self.address))
            .header("content-type", content_type)
            .body(body)
            .send()
            .await
            .expect("request");
        let status = StatusCode::from_u16(response.status().as_u16()).unwrap();
        (status, response.json::<Value>().await.expect("JSON body"))
    }

    /// Posts with `Accept: text/event-stream` and returns the events (name, data) in order.
    pub async fn stream(&self, body: &Value) -> Vec<(String, Value)> {
        let response = self
            .client
            .post(format!("{}/v1/messages", self.address))
            .header("accept", "text/event-stream")
            .json(body)
            .send()
            .await
            .expect("request");
        assert_eq!(response.status().as_u16(), 200);
        assert!(response
            .headers()
            .get("content-type")
            .and_then(|v| v.to_str().ok())
            .is_some_and(|v| v.starts_with("text/event-stream")));
        let mut bytes = response.bytes_stream();
        let mut buffer = String::new();
        let mut events = Vec::new();
        while let Some(chunk) = bytes.next().await {
            buffer.push_str(&String::from_utf8_lossy(&chunk.expect("chunk")));
            while let Some(end) = buffer.find("\n\n") {
                let block: String = buffer.drain(..end + 2).collect();
                let mut name = String::from("message");
                let mut data = String::new();
                for line in block.lines() {
                    if let Some(v) = line.strip_prefix("event:") {
                        name = v.trim().to_string();
                    } else if let Some(v) = line.strip_prefix("data:") {
                        data.push_str(v.trim_start());
                    }
                }
                if !data.is_empty() {
                    events.push((
                        name,
                        serde_json::from_str(&data).expect("event data is JSON"),
                    ));
                }
            }
        }
        events
    }
}

/// The repository's knowledge and prompts.
fn repo(path: &str) -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join(path)
}

/// Where this run's data directories live. They are kept until the next run clears them: the
/// server tasks outlive each test's body and flush their index when the runtime drops them.
fn run_dir() -> &'static Path {
    static RUN: OnceLock<PathBuf> = OnceLock::new();
    RUN.get_or_init(|| {
        let root = Path::new(env!("CARGO_TARGET_TMPDIR")).join("api-tests");
        let _ = std::fs::remove_dir_all(&root);
        std::fs::create_dir_all(&root).expect("test data root");
        root
    })
}

fn fresh_dir() -> PathBuf {
    tempfile::Builder::new()
        .tempdir_in(run_dir())
        .expect("tempdir")
        .keep()
}

/// An index built once per test run and copied into each app's data directory, so every test
/// has its own data but only the first pays for indexing.
fn template_index() -> &'static Path {
    static TEMPLATE: OnceLock<PathBuf> = OnceLock::new();
    TEMPLATE
        .get_or_init(|| {
            let dir = fresh_dir();
            let settings = base_settings(&dir);
            std::thread::spawn(move || {
                tokio::runtime::Runtime::new().unwrap().block_on(async {
                    livedesk::startup::build_desk(&settings, true, &|_, _| {})
                        .await
                        .expect("index builds");
                })
            })
            .join()
            .expect("index thread");
            dir
        })
        .as_path()
}

fn base_settings(data: &Path) -> Settings {
    Settings {
        data_dir: data.to_path_buf(),
        bind: "127.0.0.1:0".into(),
        knowledge_dir: repo("knowledge"),
        prompts_dir: repo("prompts"),
        ..Settings::default()
    }
}

fn copy_dir(from: &Path, to: &Path) {
    std::fs::create_dir_all(to).unwrap();
    for entry in std::fs::read_dir(from).unwrap() {
        let entry = entry.unwrap();
        let target = to.join(entry.file_name());
        if entry.file_type().unwrap().is_dir() {
            copy_dir(&entry.path(), &target);
        } else {
            std::fs::copy(entry.path(), target).unwrap();
        }
    }
}

/// Starts livedesk on port 0 with the defaults (extractive answers), then applies `adjust`.
pub async fn spawn_app_with(adjust: impl FnOnce(&mut Settings)) -> TestApp {
    let template = template_index();
    let data = fresh_dir();
    copy_dir(template, &data);
    let mut settings = base_settings(&data);
    adjust(&mut settings);
    let app = Application::build(settings).await.expect("app builds");
    let address = format!("http://{}", app.local_addr());
    tokio::spawn(app.run_until_stopped(std::future::pending()));
    TestApp {
        address,
        client: reqwest::Client::new(),
    }
}

pub async fn spawn_app() -> TestApp {
    spawn_app_with(|_| {}).await
}

/// A message body.
pub fn message(channel: &str, text: &str, locale: Option<&str>, market: Option<&str>) -> Value {
    json!({
        "channel": channel,
        "viewer": {"id": "viewer-1", "locale": locale, "market": market},
        "text": text,
    })
}

/// How the LLM stand-in behaves.
#[derive(Debug, Clone)]
pub enum LlmMode {
    /// Streams `text` in pieces, with role, usage and `[DONE]` chunks.
    Answer(String),
    /// Like `Answer`, after a delay before the first byte.
    Slow(String, Duration),
    /// Answers every request with this HTTP status and an OpenAI error body.
    Status(u16),
    /// Sends the role chunk and the first content piece, then breaks the connection.
    Break(String),
}

/// A local server speaking the OpenAI chat-completions streaming wire format.
pub struct LlmStandIn {
    pub base_url: String,
    pub requests: Arc<Mutex<Vec<Value>>>,
    pub count: Arc<AtomicUsize>,
}

#[derive(Clone)]
struct StandInState {
    mode: Arc<AsyncMutex<LlmMode>>,
    requests: Arc<Mutex<Vec<Value>>>,
    count: Arc<AtomicUsize>,
}

pub async fn spawn_llm(mode: LlmMode) -> LlmStandIn {
    let state = StandInState {
        mode: Arc::new(AsyncMutex::new(mode)),
        requests: Arc::new(Mutex::new(Vec::new())),
        count: Arc::new(AtomicUsize::new(0)),
    };
    let router = Router::new()
        .route("/v1/chat/completions", post(completions))
        .route("/v1/embeddings", post(embeddings))
        .with_state(state.clone());
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let addr: SocketAddr = listener.local_addr().unwrap();
    tokio::spawn(async move { axum::serve(listener, router).await });
    LlmStandIn {
        base_url: format!("http://{addr}/v1"),
        requests: state.requests,
        count: state.count,
    }
}

fn chunk(delta: Value, finish: Option<&str>) -> String {
    let body = json!({
        "id": "chatcmpl-test",
        "object": "chat.completion.chunk",
        "created": 1_700_000_000,
        "model": "stand-in",
        "choices": [{"index": 0, "delta": delta, "finish_reason": finish}],
    });
    format!("data: {body}\n\n")
}

fn usage_chunk() -> String {
    let body = json!({
        "id": "chatcmpl-test",
        "object": "chat.completion.chunk",
        "created": 1_700_000_000,
        "model": "stand-in",
        "choices": [],
        "usage": {"prompt_tokens": 321, "completion_tokens": 12, "total_tokens": 333},
    });
    format!("data: {body}\n\n")
}

/// The text split into a few pieces, as a model streams it.
fn pieces(text: &str) -> Vec<String> {
    let words: Vec<&str> = text.split_inclusive(' ').collect();
    words.chunks(3).map(|c| c.concat()).collect()
}

async fn completions(State(state): State<StandInState>, Json(body): Json<Value>) -> Response {
    state.count.fetch_add(1, Ordering::SeqCst);
    state.requests.lock().unwrap().push(body);
    let mode = state.mode.lock().await.clone();
    let (text, delay, break_after) = match mode {
        LlmMode::Status(code) => {
            let status = StatusCode::from_u16(code).unwrap();
            let error = json!({"error": {"message": "stand-in failure", "type": "server_error", "code": null}});
            return (status, Json(error)).into_response();
        }
        LlmMode::Answer(t) => (t, Duration::ZERO, None),
        LlmMode::Slow(t, d) => (t, d, None),
        LlmMode::Break(t) => (t, Duration::ZERO, Some(1)),
    };
    let mut frames: Vec<Result<String, std::io::Error>> =
        vec![Ok(chunk(json!({"role": "assistant", "content": ""}), None))];
    for (i, piece) in pieces(&text).into_iter().enumerate() {
        if break_after == Some(i) {
            frames.push(Err(std::io::Error::other("connection reset by stand-in")));
            break;
        }
        frames.push(Ok(chunk(json!({"content": piece}), None)));
    }
    if break_after.is_none() {
        frames.push(Ok(chunk(json!({}), Some("stop"))));
        frames.push(Ok(usage_chunk()));
        frames.push(Ok("data: [DONE]\n\n".to_string()));
    }
    let stream = futures::stream::once(async move {
        tokio::time::sleep(delay).await;
        Ok::<_, std::io::Error>(String::new())
    })
    .chain(futures::stream::iter(frames));
    Response::builder()
        .status(200)
        .header(header::CONTENT_TYPE, "text/event-stream")
        .body(Body::from_stream(stream))
        .unwrap()
}

/// Dimensions of the stand-in's embeddings.
pub const EMBEDDING_DIMENSIONS: usize = 64;

/// `/v1/embeddings` in OpenAI's response shape: a deterministic hashed bag of words, so similar
/// texts get similar vectors.
async fn embeddings(State(state): State<StandInState>, Json(body): Json<Value>) -> Response {
    state.count.fetch_add(1, Ordering::SeqCst);
    let inputs: Vec<String> = match &body["input"] {
        Value::String(s) => vec![s.clone()],
        Value::Array(items) => items
            .iter()
            .filter_map(|v| v.as_str().map(str::to_string))
            .collect(),
        _ => Vec::new(),
    };
    state
        .requests
        .lock()
        .unwrap()
        .push(json!({"embeddings": inputs.len()}));
    let data: Vec<Value> = inputs
        .iter()
        .enumerate()
        .map(|(i, text)| {
            let mut v = vec![0.0f32; EMBEDDING_DIMENSIONS];
            for word in text
                .to_lowercase()
                .split(|c: char| !c.is_alphanumeric())
                .filter(|w| !w.is_empty())
            {
                let h = word
                    .bytes()
                    .fold(0u32, |h, b| h.wrapping_mul(31).wrapping_add(u32::from(b)));
                v[h as usize % EMBEDDING_DIMENSIONS] += 1.0;
            }
            v[0] += 0.01;
            json!({"object": "embedding", "index": i, "embedding": v})
        })
        .collect();
    Json(json!({
        "object": "list",
        "data": data,
        "model": body["model"].clone(),
        "usage": {"prompt_tokens": 1, "total_tokens": 1},
    }))
    .into_response()
}
