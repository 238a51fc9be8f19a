//! `admin_listen` and `[admin]`: the operator console's listener and its token.

use std::net::SocketAddr;

use serde::Deserialize;

use super::Secret;
use crate::Error;

/// The shortest token accepted: a guessable token on a console that can replay dead letters is
/// worse than none (without one the console answers on loopback only).
pub const MIN_TOKEN_LEN: usize = 16;

/// `[admin]`: who may use the operator console.
#[derive(Debug, Clone, Default, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct AdminConfig {
    /// The console's token (at least 16 characters), sent as `Authorization: Bearer <token>` or
    /// typed once into the login form. Unset: the console answers only requests from loopback
    /// addresses to a loopback `Host`, and says so on every page.
    pub token: Option<Secret>,
}

impl AdminConfig {
    pub(super) fn validate(&self) -> Result<(), Error> {
        match &self.token {
            Some(token) if token.expose().chars().count() < MIN_TOKEN_LEN => Err(Error::Config {
                key: "admin.token".into(),
                origin: None,
                problem: format!(
                    "expected at least {MIN_TOKEN_LEN} characters (the value is not shown)"
                ),
            }),
            _ => Ok(()),
        }
    }
}

pub(super) fn default_admin_listen() -> SocketAddr {
    SocketAddr::from(([127, 0, 0, 1], 8089))
}
