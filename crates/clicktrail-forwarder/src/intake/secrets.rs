//! [`WebhookSecrets`]: the signing secrets the intake verifies deliveries with, from the
//! configuration (`[stripe] webhook_secrets`) and from the database (kept by `clicktrail setup`),
//! reloaded from the database when a signature matches none of them.
//!
//! `clicktrail setup` may run while `serve` is up: the new endpoint's first delivery is signed
//! with a secret the running verifier does not know yet. A signature that matches no secret
//! therefore makes the intake read the database's secrets again, at most once per
//! [`RELOAD_INTERVAL`] (a flood of forged deliveries costs one small query a second), and verify
//! once more. Other refusals (a stale timestamp, a malformed header) never reload.

use std::sync::{Mutex, RwLock};
use std::time::{Duration, Instant};

use clicktrail_stripe::VerifyError;
use clicktrail_stripe::webhook::{Verifier, WebhookSecret};

use crate::Error;
use crate::store::Store;

/// The least time between two reloads from the database.
pub const RELOAD_INTERVAL: Duration = Duration::from_secs(1);

/// The verifier over the configured and stored secrets. Its `Debug` shows counts, never secrets.
pub struct WebhookSecrets {
    configured: Vec<WebhookSecret>,
    tolerance: Duration,
    store: Store,
    verifier: RwLock<Verifier>,
    /// When the database was last read; `None` before the first reload after start.
    last_reload: Mutex<Option<Instant>>,
}

impl std::fmt::Debug for WebhookSecrets {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("WebhookSecrets")
            .field("configured", &self.configured.len())
            .field("tolerance", &self.tolerance)
            .finish_non_exhaustive()
    }
}

impl WebhookSecrets {
    /// Reads the stored secrets and builds the verifier. Fails when there is no secret at all
    /// (the message says to configure one or run `clicktrail setup`) or one is unusable.
    pub async fn load(
        configured: &[String],
        tolerance: Duration,
        store: Store,
    ) -> Result<Self, Error> {
        let configured = configured
            .iter()
            .map(|s| secret(s))
            .collect::<Result<Vec<_>, _>>()?;
        let verifier = build(&configured, &store, tolerance).await?;
        Ok(Self {
            configured,
            tolerance,
            store,
            verifier: RwLock::new(verifier),
            last_reload: Mutex::new(None),
        })
    }

    /// Verifies a delivery; on a signature that matches no known secret, reloads the stored
    /// secrets (rate-limited) and tries once more.
    pub async fn verify(&self, body: &[u8], header: &str, now: i64) -> Result<(), VerifyError> {
        let first = self.current().verify(body, header, now);
        if first != Err(VerifyError::SignatureMismatch) || !self.reload_due() {
            return first;
        }
        match build(&self.configured, &self.store, self.tolerance).await {
            Ok(verifier) => {
                let again = verifier.verify(body, header, now);
                *self.verifier.write().unwrap_or_else(|p| p.into_inner()) = verifier;
                if again.is_ok() {
                    tracing::info!(
                        "a webhook signing secret kept by `clicktrail setup` is now in use"
                    );
                }
                again
            }
            Err(e) => {
                tracing::warn!(error = %e.chain(), "cannot reload the webhook signing secrets");
                first
            }
        }
    }

    fn current(&self) -> std::sync::RwLockReadGuard<'_, Verifier> {
        self.verifier.read().unwrap_or_else(|p| p.into_inner())
    }

    /// Whether a reload may happen now; if so, records it.
    fn reload_due(&self) -> bool {
        let mut last = self.last_reload.lock().unwrap_or_else(|p| p.into_inner());
        let now = Instant::now();
        if last.is_some_and(|at| now.duration_since(at) < RELOAD_INTERVAL) {
            return false;
        }
        *last = Some(now);
        true
    }
}

fn secret(text: &str) -> Result<WebhookSecret, Error> {
    WebhookSecret::new(text).map_err(|e| Error::Config {
        key: "stripe.webhook_secrets".into(),
        origin: None,
        problem: e.to_string(),
    })
}

async fn build(
    configured: &[WebhookSecret],
    store: &Store,
    tolerance: Duration,
) -> Result<Verifier, Error> {
    let mut secrets = configured.to_vec();
    for text in store.webhook_secrets().await? {
        secrets.push(secret(&text)?);
    }
    Verifier::new(secrets, tolerance).map_err(|e| Error::Config {
        key: "stripe.webhook_secrets".into(),
        origin: None,
        problem: format!(
            "{e}: list the endpoint's signing secret (whsec_...) or run `clicktrail setup`"
        ),
    })
}

#[cfg(test)]
mod tests {
    use clicktrail_stripe::webhook::sign;

    use super::*;
    use crate::config::{DatabaseUrl, Synchronous};

    #[tokio::test]
    async fn a_secret_stored_after_start_is_picked_up_on_a_miss_at_most_once_a_second() {
        let dir = tempfile::tempdir().unwrap();
        let url = format!("sqlite://{}", dir.path().join("t.db").display());
        let store = Store::connect(&DatabaseUrl::new(&url).unwrap(), Synchronous::Normal)
            .await
            .unwrap();
        let secrets = WebhookSecrets::load(
            &["whsec_configured".to_owned()],
            Duration::from_secs(300),
            store.clone(),
        )
        .await
        .unwrap();
        let body = br#"{"id":"evt_1"}"#;
        let configured = WebhookSecret::new("whsec_configured").unwrap();
        assert_eq!(
            secrets
                .verify(body, &sign(body, &configured, 100), 100)
                .await,
            Ok(())
        );

        let new = WebhookSecret::new("whsec_from_setup").unwrap();
        let header = sign(body, &new, 100);
        // Not stored yet: a miss (and a reload that finds nothing).
        assert_eq!(
            secrets.verify(body, &header, 100).await,
            Err(VerifyError::SignatureMismatch)
        );
        store
            .add_webhook_secret("we_1", new.expose())
            .await
            .unwrap();
        // Within the reload interval: still a miss, the database is not read again.
        assert_eq!(
            secrets.verify(body, &header, 100).await,
            Err(VerifyError::SignatureMismatch)
        );
        *secrets.last_reload.lock().unwrap() = Some(Instant::now() - RELOAD_INTERVAL);
        assert_eq!(secrets.verify(body, &header, 100).await, Ok(()));
        // Both secrets are now known; a stale timestamp never reloads.
        assert_eq!(
            secrets
                .verify(body, &sign(body, &configured, 100), 100)
                .await,
            Ok(())
        );
        assert!(matches!(
            secrets.verify(body, &header, 10_000).await,
            Err(VerifyError::TimestampTooOld { .. })
        ));
        assert!(!format!("{secrets:?}").contains("whsec_"));
        store.close().await;
    }

    #[tokio::test]
    async fn no_secret_anywhere_is_refused_with_what_to_do() {
        let dir = tempfile::tempdir().unwrap();
        let url = format!("sqlite://{}", dir.path().join("t.db").display());
        let store = Store::connect(&DatabaseUrl::new(&url).unwrap(), Synchronous::Normal)
            .await
            .unwrap();
        let err = WebhookSecrets::load(&[], Duration::from_secs(300), store.clone())
            .await
            .unwrap_err()
            .to_string();
        assert!(err.contains("clicktrail setup"), "{err}");
        store.close().await;
    }
}
