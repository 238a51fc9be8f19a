//! A tiny HTTP/1.1 GET over hyper, for readiness checks and `/metrics` scrapes.

use std::net::SocketAddr;
use std::time::{Duration, Instant};

use bytes::Bytes;
use http_body_util::{BodyExt, Empty};
use hyper::Request;
use hyper::client::conn::http1;
use hyper_util::rt::TokioIo;
use tokio::net::TcpStream;

use crate::Error;

/// `GET path` on `addr`: the status and the body as text.
pub async fn get(addr: SocketAddr, path: &str) -> Result<(u16, String), Error> {
    let stream = TcpStream::connect(addr)
        .await
        .map_err(|e| Error::Http(format!("{addr}: {e}")))?;
    let (mut sender, conn) = http1::handshake(TokioIo::new(stream))
        .await
        .map_err(|e| Error::Http(e.to_string()))?;
    tokio::spawn(conn);
    let request = Request::get(path)
        .header("host", addr.to_string())
        .body(Empty::<Bytes>::new())
        .map_err(|e| Error::Http(e.to_string()))?;
    let response = sender
        .send_request(request)
        .await
        .map_err(|e| Error::Http(e.to_string()))?;
    let status = response.status().as_u16();
    let body = response
        .into_body()
        .collect()
        .await
        .map_err(|e| Error::Http(e.to_string()))?
        .to_bytes();
    Ok((status, String::from_utf8_lossy(&body).into_owned()))
}

/// Polls `GET path` until it answers 200, or fails after `within`.
pub async fn wait_ok(addr: SocketAddr, path: &str, within: Duration) -> Result<(), Error> {
    let deadline = Instant::now() + within;
    loop {
        if let Ok((200, _)) = get(addr, path).await {
            return Ok(());
        }
        if Instant::now() > deadline {
            return Err(Error::Http(format!(
                "{addr}{path} did not answer 200 within {within:?}"
            )));
        }
        tokio::time::sleep(Duration::from_millis(20)).await;
    }
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

    #[test]
    fn reads_samples() {
        let text = "# HELP x\nclicktrail_jobs{state=\"done\"} 42\nclicktrail_dead_letters 0\n";
        assert_eq!(metric(text, "clicktrail_jobs{state=\"done\"}"), 42.0);
        assert_eq!(metric(text, "clicktrail_dead_letters"), 0.0);
        assert_eq!(metric(text, "clicktrail_jobs{state=\"dead\"}"), 0.0);
    }
}
