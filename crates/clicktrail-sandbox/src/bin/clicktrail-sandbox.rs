//! `clicktrail-sandbox`: runs the Stripe and impact.com emulators until Ctrl-C.
//!
//! Run with `cargo run -p clicktrail-sandbox -- --help`.

use std::net::SocketAddr;
use std::time::Duration;

use clap::Parser;
use clicktrail_sandbox::stripe::DEFAULT_SECRET_KEY;
use clicktrail_sandbox::stripe::auth::RestrictedKey;
use clicktrail_sandbox::{SandboxConfig, start};

/// Loopback emulators of the Stripe API (with signed webhook delivery) and of the impact.com API,
/// in memory.
#[derive(Debug, Parser)]
#[command(version, about)]
struct Args {
    /// Address of the Stripe emulator.
    #[arg(
        long,
        default_value = "127.0.0.1:12111",
        env = "CLICKTRAIL_SANDBOX_STRIPE_ADDR"
    )]
    stripe_addr: SocketAddr,
    /// Address of the impact.com emulator.
    #[arg(
        long,
        default_value = "127.0.0.1:12112",
        env = "CLICKTRAIL_SANDBOX_IMPACT_ADDR"
    )]
    impact_addr: SocketAddr,
    /// Secret key accepted by the Stripe emulator (repeatable).
    #[arg(long = "secret-key", default_value = DEFAULT_SECRET_KEY)]
    secret_keys: Vec<String>,
    /// A restricted key and its permissions, e.g.
    /// `rk_test_x=subscriptions:read,customers:read,webhook_endpoints:write` (repeatable).
    #[arg(long = "restricted-key", value_name = "KEY=PERMS")]
    restricted_keys: Vec<RestrictedKey>,
    /// Stripe API version used when a request sends no `Stripe-Version`.
    #[arg(long, default_value = clicktrail_sandbox::stripe::render::BASIL)]
    api_version: String,
    /// Multiplies the webhook retry schedule (5 min, 30 min, 2 h); 0.001 makes it milliseconds.
    #[arg(long, default_value_t = 1.0)]
    delivery_retry_scale: f64,
    /// impact.com Account SID.
    #[arg(
        long,
        default_value = "IRsandbox0000000000000000000000001",
        env = "CLICKTRAIL_SANDBOX_IMPACT_SID"
    )]
    impact_sid: String,
    /// impact.com Auth Token.
    #[arg(
        long,
        default_value = "sandbox-token",
        env = "CLICKTRAIL_SANDBOX_IMPACT_TOKEN"
    )]
    impact_token: String,
    /// How long impact.com takes to process a request (e.g. `2s`, `500ms`).
    #[arg(long, default_value = "2s", value_parser = humantime::parse_duration)]
    impact_processing_delay: Duration,
}

#[tokio::main]
async fn main() -> Result<(), Box<dyn std::error::Error>> {
    tracing_subscriber::fmt()
        .with_writer(std::io::stderr)
        .with_env_filter(
            tracing_subscriber::EnvFilter::try_from_default_env()
                .unwrap_or_else(|_| "clicktrail_sandbox=info".into()),
        )
        .init();
    let args = Args::parse();
    let mut config = SandboxConfig {
        stripe_addr: args.stripe_addr,
        impact_addr: args.impact_addr,
        ..SandboxConfig::default()
    };
    config.stripe.secret_keys = args.secret_keys;
    config.stripe.restricted_keys = args.restricted_keys;
    config.stripe.default_api_version = args.api_version;
    config.stripe.delivery_retry_scale = args.delivery_retry_scale;
    config.impact.account_sid = args.impact_sid;
    config.impact.auth_token = args.impact_token;
    config.impact.processing_delay = args.impact_processing_delay;
    let keys = config.stripe.secret_keys.join(", ");
    let sid = config.impact.account_sid.clone();
    let sandbox = start(config).await?;
    println!(
        "Stripe emulator:     {}   (secret key: {keys})",
        sandbox.stripe_url()
    );
    println!(
        "impact.com emulator: {}   (Account SID: {sid})",
        sandbox.impact_url()
    );
    println!("Helpers under /_sandbox/ on both; Ctrl-C stops.");
    tokio::signal::ctrl_c().await?;
    sandbox.shutdown().await;
    Ok(())
}
