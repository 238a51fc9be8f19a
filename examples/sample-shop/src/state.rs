//! [`AppState`]: what every handler shares.

use std::sync::Arc;
use std::time::Duration;

use clicktrail_stripe::client::{StripeClient, StripeConfig};

use crate::{Catalog, ShopConfig, ShopError};

/// The Stripe client, the catalog, and where the pages and the impact.com emulator are.
#[derive(Debug, Clone)]
pub struct AppState {
    /// The Stripe API (the emulator, or Stripe in test mode).
    pub stripe: StripeClient,
    /// The plans' price ids.
    pub catalog: Arc<Catalog>,
    /// For the impact.com emulator's records and the Stripe emulator's helpers.
    pub http: reqwest::Client,
    /// The impact.com emulator, without a trailing `/`.
    pub impact_url: String,
    /// The forwarder's console, without a trailing `/`, when the shop links to it.
    pub console_url: Option<String>,
    /// The shop as browsers reach it, without a trailing `/`.
    pub public_url: String,
    /// Whether Stripe is the emulator (its `/_sandbox/` helpers can be offered).
    pub stripe_is_sandbox: bool,
    /// The pages.
    pub www_dir: std::path::PathBuf,
}

impl AppState {
    /// Builds the Stripe client and makes sure the plans' prices exist.
    pub async fn connect(config: &ShopConfig) -> Result<Self, ShopError> {
        let stripe = StripeClient::new(
            StripeConfig::new(config.stripe_api_key.clone())
                .api_base(config.stripe_api_base.clone()),
        )?;
        let catalog = Catalog::ensure(&stripe).await?;
        let http = reqwest::Client::builder()
            .redirect(reqwest::redirect::Policy::none())
            .timeout(Duration::from_secs(10))
            .build()
            .map_err(|e| ShopError::Upstream(format!("cannot build the HTTP client: {e}")))?;
        Ok(Self {
            stripe,
            catalog: Arc::new(catalog),
            http,
            impact_url: config.impact_url.trim_end_matches('/').to_owned(),
            console_url: config
                .console_url
                .as_ref()
                .map(|u| u.trim_end_matches('/').to_owned()),
            public_url: config.public_url(),
            stripe_is_sandbox: config.stripe_is_sandbox(),
            www_dir: config.www_dir.clone(),
        })
    }
}
