//! The `livedesk` binary: everything lives in the library.

#[tokio::main]
async fn main() -> std::process::ExitCode {
    livedesk::cli::run().await
}
