//! Run with `cargo run -p sample-shop` (with `cargo run -p clicktrail-sandbox` running), or let
//! `cargo xtask demo` start everything. `--help` lists the settings.

use clap::Parser;
use sample_shop::{AppState, ShopConfig, app};

#[tokio::main]
async fn main() -> Result<(), Box<dyn std::error::Error>> {
    tracing_subscriber::fmt()
        .with_writer(std::io::stderr)
        .with_env_filter(
            tracing_subscriber::EnvFilter::try_from_default_env()
                .unwrap_or_else(|_| "sample_shop=info,clicktrail_tower=info".into()),
        )
        .init();
    let mut config = ShopConfig::parse();
    let listener = tokio::net::TcpListener::bind(config.listen).await?;
    // `--listen 127.0.0.1:0` takes any free port: the links the shop makes use the one it holds.
    config.listen = listener.local_addr()?;
    let state = AppState::connect(&config).await?;
    println!("sample shop: {}", config.public_url());
    axum::serve(listener, app(state))
        .with_graceful_shutdown(shutdown())
        .await?;
    Ok(())
}

/// Ctrl-C or SIGTERM.
async fn shutdown() {
    let ctrl_c = async {
        let _ = tokio::signal::ctrl_c().await;
    };
    #[cfg(unix)]
    let term = async {
        match tokio::signal::unix::signal(tokio::signal::unix::SignalKind::terminate()) {
            Ok(mut signal) => {
                signal.recv().await;
            }
            Err(_) => std::future::pending().await,
        }
    };
    #[cfg(not(unix))]
    let term = std::future::pending::<()>();
    tokio::select! {
        () = ctrl_c => {},
        () = term => {},
    }
}
