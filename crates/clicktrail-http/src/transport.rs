//! Building a hardened client, reading answers within a limit, describing failures.

use std::time::Duration;

use reqwest::{Response, redirect};

use crate::is_loopback_base;

/// Builds a client for one validated API base (see [`validate_api_base`](crate::validate_api_base)):
/// redirects are never followed (a redirect from an API means a wrong base, and following it could
/// carry credentials elsewhere), an `https` base cannot be downgraded, a loopback base bypasses
/// proxies from the environment (they could not reach this machine's loopback anyway), and every
/// request has a connect and a total timeout.
pub fn client(
    api_base: &str,
    connect_timeout: Duration,
    timeout: Duration,
    user_agent: &str,
) -> Result<reqwest::Client, reqwest::Error> {
    let mut builder = reqwest::Client::builder();
    if is_loopback_base(api_base) {
        builder = builder.no_proxy();
    }
    builder
        .redirect(redirect::Policy::none())
        .https_only(api_base.starts_with("https://"))
        .connect_timeout(connect_timeout)
        .timeout(timeout)
        .user_agent(user_agent)
        .build()
}

/// A body read up to a limit.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Limited {
    /// At most `limit` bytes of the body.
    pub bytes: Vec<u8>,
    /// Whether the body was longer than the limit (then `bytes` is its first `limit` bytes).
    pub exceeded: bool,
}

/// Reads at most `limit` bytes of an answer's body, and says whether there was more. A body
/// announced (`Content-Length`) or found larger stops being read at the limit.
pub async fn read_limited(mut response: Response, limit: usize) -> Result<Limited, reqwest::Error> {
    let mut bytes = Vec::new();
    while let Some(chunk) = response.chunk().await? {
        let room = limit - bytes.len();
        if chunk.len() > room {
            bytes.extend_from_slice(&chunk[..room]);
            return Ok(Limited {
                bytes,
                exceeded: true,
            });
        }
        bytes.extend_from_slice(&chunk);
    }
    Ok(Limited {
        bytes,
        exceeded: false,
    })
}

/// An error and its sources, joined with `: `, each cause once. reqwest errors name the URL
/// (which holds no secret: keys and tokens travel in headers) and the underlying I/O error.
pub fn error_chain(e: &dyn std::error::Error) -> String {
    let mut text = e.to_string();
    let mut source = e.source();
    while let Some(s) = source {
        let next = s.to_string();
        if !text.contains(&next) {
            text.push_str(": ");
            text.push_str(&next);
        }
        source = s.source();
    }
    text
}

#[cfg(test)]
mod tests {
    use super::*;
    use axum::Router;
    use axum::response::Redirect;
    use axum::routing::get;

    async fn serve(app: Router) -> String {
        let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
        let addr = listener.local_addr().unwrap();
        tokio::spawn(async move { axum::serve(listener, app).await.unwrap() });
        format!("http://{addr}")
    }

    fn test_client(base: &str) -> reqwest::Client {
        client(
            base,
            Duration::from_secs(5),
            Duration::from_secs(10),
            "clicktrail-http-test",
        )
        .unwrap()
    }

    #[tokio::test]
    async fn redirects_are_not_followed() {
        let base = serve(
            Router::new()
                .route("/moved", get(|| async { Redirect::temporary("/target") }))
                .route("/target", get(|| async { "followed" })),
        )
        .await;
        let answer = test_client(&base)
            .get(format!("{base}/moved"))
            .send()
            .await
            .unwrap();
        assert_eq!(answer.status(), 307);
        assert_eq!(answer.headers()["location"], "/target");
    }

    #[tokio::test]
    async fn reads_stop_at_the_limit_and_say_so() {
        let base = serve(
            Router::new()
                .route("/big", get(|| async { "x".repeat(10_000) }))
                .route("/small", get(|| async { "tiny" })),
        )
        .await;
        let client = test_client(&base);
        let big = client.get(format!("{base}/big")).send().await.unwrap();
        let big = read_limited(big, 1024).await.unwrap();
        assert_eq!(big.bytes.len(), 1024);
        assert!(big.exceeded);
        let small = client.get(format!("{base}/small")).send().await.unwrap();
        assert_eq!(
            read_limited(small, 4).await.unwrap(),
            Limited {
                bytes: b"tiny".to_vec(),
                exceeded: false
            }
        );
    }

    #[tokio::test]
    async fn connection_failures_are_described_with_their_cause() {
        // Bind then drop: the port is (almost certainly) closed now.
        let listener = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
        let base = format!("http://{}", listener.local_addr().unwrap());
        drop(listener);
        let err = test_client(&base).get(&base).send().await.unwrap_err();
        let text = error_chain(&err);
        assert!(text.contains(&base), "{text}");
        assert!(text.contains(": "), "the cause is appended: {text}");
    }

    #[test]
    fn error_chain_lists_each_cause_once() {
        #[derive(Debug)]
        struct Outer(std::io::Error);
        impl std::fmt::Display for Outer {
            fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
                f.write_str("request failed")
            }
        }
        impl std::error::Error for Outer {
            fn source(&self) -> Option<&(dyn std::error::Error + 'static)> {
                Some(&self.0)
            }
        }
        let e = Outer(std::io::Error::new(
            std::io::ErrorKind::ConnectionReset,
            "reset by peer",
        ));
        assert_eq!(error_chain(&e), "request failed: reset by peer");
    }
}
