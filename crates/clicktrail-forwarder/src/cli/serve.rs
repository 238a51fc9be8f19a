//! `clicktrail serve [--config FILE] [--log-format text|json]`
//!
//! Exit codes: 0 stopped by ctrl-c or SIGTERM, 1 an error (cannot listen, the service failed),
//! 2 the configuration cannot be loaded.

use std::process::ExitCode;

use clicktrail_forwarder::serve::Listeners;
use tokio::net::TcpListener;

use super::{ConfigArg, Runtime};

/// Arguments of `clicktrail serve`.
#[derive(Debug, clap::Args)]
pub(crate) struct Args {
    #[command(flatten)]
    config: ConfigArg,
    /// Log format on standard error.
    #[arg(
        long,
        value_enum,
        default_value = "text",
        env = "CLICKTRAIL_LOG_FORMAT"
    )]
    log_format: LogFormat,
}

#[derive(Debug, Clone, Copy, clap::ValueEnum)]
enum LogFormat {
    Text,
    Json,
}

pub(crate) fn run(args: Args) -> ExitCode {
    init_logs(args.log_format);
    super::run(
        "serve",
        &args.config,
        Runtime::MultiThread,
        async |config| {
            let listeners = Listeners::bind(&config).await?;
            if let Ok(addr) = listeners.public.local_addr() {
                // The first line on stdout, for scripts and tests that listen on port 0.
                println!("listening on http://{addr}");
            }
            if let Some(Ok(addr)) = listeners.admin.as_ref().map(TcpListener::local_addr) {
                // The second: the operator console.
                println!("console on http://{addr}");
            }
            clicktrail_forwarder::serve::run(config, listeners, shutdown_signal())
                .await
                .inspect_err(|e| tracing::error!(error = %e.chain(), "stopped"))?;
            Ok(ExitCode::SUCCESS)
        },
    )
}

fn init_logs(format: LogFormat) {
    let filter = tracing_subscriber::EnvFilter::try_from_default_env()
        .unwrap_or_else(|_| tracing_subscriber::EnvFilter::new("info,sqlx=warn"));
    let builder = tracing_subscriber::fmt()
        .with_env_filter(filter)
        .with_writer(std::io::stderr);
    let _ = match format {
        LogFormat::Text => builder.try_init(),
        LogFormat::Json => builder.json().try_init(),
    };
}

/// Completes on ctrl-c or SIGTERM.
async fn shutdown_signal() {
    let ctrl_c = async {
        let _ = tokio::signal::ctrl_c().await;
    };
    #[cfg(unix)]
    let term = async {
        match tokio::signal::unix::signal(tokio::signal::unix::SignalKind::terminate()) {
            Ok(mut s) => {
                s.recv().await;
            }
            Err(_) => std::future::pending::<()>().await,
        }
    };
    #[cfg(not(unix))]
    let term = std::future::pending::<()>();
    tokio::select! {
        () = ctrl_c => {}
        () = term => {}
    }
}
