//! Readiness checks and `/metrics` scrapes, over reqwest (the load itself goes through the
//! generator's own hyper connections, see `load.rs`).

use std::net::SocketAddr;
use std::sync::OnceLock;
use std::time::Duration;

use clicktrail_test_support::eventually;

use crate::Error;

/// One client for every check, so its connection pool is reused between polls.
fn client() -> &'static reqwest::Client {
    static CLIENT: OnceLock<reqwest::Client> = OnceLock::new();
    CLIENT.get_or_init(|| {
        reqwest::Client::builder()
            .timeout(Duration::from_secs(10))
            .build()
            .expect("a plain HTTP client builds")
    })
}

/// `GET path` on `addr`: the status and the body as text.
pub async fn get(addr: SocketAddr, path: &str) -> Result<(u16, String), Error> {
    let response = client()
        .get(format!("http://{addr}{path}"))
        .send()
        .await
        .map_err(|e| Error::Http(format!("{addr}{path}: {e}")))?;
    let status = response.status().as_u16();
    let body = response
        .text()
        .await
        .map_err(|e| Error::Http(format!("{addr}{path}: {e}")))?;
    Ok((status, body))
}

/// Polls `GET path` until it answers 200, or fails after `within`.
pub async fn wait_ok(addr: SocketAddr, path: &str, within: Duration) -> Result<(), Error> {
    let what = format!("http://{addr}{path} to answer 200");
    eventually(&what, within, async || {
        matches!(get(addr, path).await, Ok((200, _))).then_some(())
    })
    .await
    .map_err(|e| Error::Http(e.to_string()))
}

/// The value of a Prometheus sample line `name` (exact series text, labels included), 0 when absent.
pub fn metric(text: &str, series: &str) -> f64 {
    text.lines()
        .find_map(|l| {
            l.strip_prefix(series)?
                .strip_prefix(' ')?
                .trim()
                .parse()
                .ok()
        })
        .unwrap_or(0.0)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[tokio::test]
    async fn get_reads_status_and_body_and_names_a_dead_address() {
        let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
        let addr = listener.local_addr().unwrap();
        let app = axum::Router::new().route(
            "/metrics",
            axum::routing::get(|| async { "clicktrail_dead_letters 3\n" }),
        );
        let server = tokio::spawn(async move { axum::serve(listener, app).await });
        let (status, body) = get(addr, "/metrics").await.unwrap();
        assert_eq!(status, 200);
        assert_eq!(metric(&body, "clicktrail_dead_letters"), 3.0);
        assert_eq!(get(addr, "/nowhere").await.unwrap().0, 404);
        wait_ok(addr, "/metrics", Duration::from_secs(5))
            .await
            .unwrap();
        server.abort();

        // A port nobody listens on any more: the error names the address and path.
        let closed = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
        let dead = closed.local_addr().unwrap();
        drop(closed);
        let Err(Error::Http(message)) = get(dead, "/metrics").await else {
            panic!("nothing listens on {dead}");
        };
        assert!(
            message.starts_with(&format!("{dead}/metrics: ")),
            "{message}"
        );
    }

    #[test]
    fn reads_samples() {
        let text = "# HELP x\nclicktrail_jobs{state=\"done\"} 42\nclicktrail_dead_letters 0\n";
        assert_eq!(metric(text, "clicktrail_jobs{state=\"done\"}"), 42.0);
        assert_eq!(metric(text, "clicktrail_dead_letters"), 0.0);
        assert_eq!(metric(text, "clicktrail_jobs{state=\"dead\"}"), 0.0);
    }
}
