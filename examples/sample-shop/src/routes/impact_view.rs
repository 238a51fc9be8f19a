//! The "impact.com view" page's data: the impact.com emulator's `/_sandbox/records` (every
//! conversion, modification and reversal it accepted) and `/_sandbox/actions`, passed on as
//! JSON so the page needs no cross-origin access; and where the forwarder's console is, so that
//! the page can link each order to it.

use axum::extract::State;
use axum::response::Json;
use serde_json::Value;

use crate::{AppState, ShopError};

/// `GET /api/impact/records`.
pub async fn records(State(state): State<AppState>) -> Result<Json<Value>, ShopError> {
    fetch(&state, "/_sandbox/records").await.map(Json)
}

/// `GET /api/impact/actions`.
pub async fn actions(State(state): State<AppState>) -> Result<Json<Value>, ShopError> {
    fetch(&state, "/_sandbox/actions").await.map(Json)
}

/// `GET /api/console`: `{"url": "http://…"}`, or `{"url": null}` when the shop was not told.
pub async fn console(State(state): State<AppState>) -> Json<Value> {
    Json(serde_json::json!({ "url": state.console_url }))
}

async fn fetch(state: &AppState, path: &str) -> Result<Value, ShopError> {
    let url = format!("{}{path}", state.impact_url);
    let unreachable =
        |e: reqwest::Error| ShopError::Upstream(format!("the impact.com emulator at {url}: {e}"));
    let answer = state.http.get(&url).send().await.map_err(unreachable)?;
    if !answer.status().is_success() {
        return Err(ShopError::Upstream(format!(
            "the impact.com emulator answered {} to {url}",
            answer.status()
        )));
    }
    answer.json().await.map_err(unreachable)
}
