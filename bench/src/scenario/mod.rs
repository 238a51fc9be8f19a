//! The scenarios. Each runs its servers, measures, and returns rows that `report` turns into
//! Markdown.

pub mod console;
pub mod delivery;
pub mod growth;
pub mod intake;
pub mod soak;

use std::sync::Arc;
use std::sync::atomic::AtomicU64;

use clicktrail_sandbox::{Sandbox, SandboxConfig};

use crate::Error;
use crate::event::EventFactory;

/// A fresh event factory (random run tag) and its counter.
pub fn events() -> (EventFactory, Arc<AtomicU64>) {
    (
        EventFactory::new(&format!("{:08x}", rand::random::<u32>())),
        Arc::new(AtomicU64::new(0)),
    )
}

/// The Stripe and impact.com emulators on free loopback ports, in this process.
pub async fn sandbox() -> Result<Sandbox, Error> {
    clicktrail_sandbox::start(SandboxConfig::ephemeral())
        .await
        .map_err(|e| Error::Sandbox(e.to_string()))
}
