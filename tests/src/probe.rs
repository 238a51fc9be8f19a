//! Talking to the stack's parts with the standard library only: a free port and a minimal
//! HTTP/1.1 `GET` over loopback. (Polling with a deadline is `clicktrail_test_support::wait_until`.)

use std::io::{Read, Write};
use std::net::{SocketAddr, TcpListener, TcpStream};
use std::time::Duration;

/// `n` distinct ports that were free a moment ago on 127.0.0.1 (all bound to port 0 at once, read,
/// released).
pub fn free_ports(n: usize) -> Result<Vec<u16>, String> {
    let listeners = (0..n)
        .map(|_| TcpListener::bind("127.0.0.1:0"))
        .collect::<Result<Vec<_>, _>>()
        .map_err(|e| format!("cannot bind a free port: {e}"))?;
    listeners
        .iter()
        .map(|l| l.local_addr().map(|a| a.port()))
        .collect::<Result<_, _>>()
        .map_err(|e| format!("cannot read a bound port: {e}"))
}

/// `GET http://{addr}{path}`: the status code and the body (read to the end, `Connection:
/// close`). Meant for loopback health checks and small JSON answers.
pub fn http_get(addr: SocketAddr, path: &str) -> Result<(u16, String), String> {
    let timeout = Duration::from_secs(5);
    let mut stream = TcpStream::connect_timeout(&addr, timeout)
        .map_err(|e| format!("cannot connect to {addr}: {e}"))?;
    stream
        .set_read_timeout(Some(timeout))
        .and_then(|()| stream.set_write_timeout(Some(timeout)))
        .map_err(|e| format!("{addr}: {e}"))?;
    write!(
        stream,
        "GET {path} HTTP/1.1\r\nHost: {addr}\r\nAccept: */*\r\nConnection: close\r\n\r\n"
    )
    .map_err(|e| format!("{addr}: {e}"))?;
    // Some servers (chromedriver) keep the connection open despite `Connection: close`: read
    // what the head announces rather than to the end of the stream.
    let mut raw = Vec::new();
    let mut buf = [0_u8; 8192];
    loop {
        let n = stream
            .read(&mut buf)
            .map_err(|e| format!("{addr}{path}: {e}"))?;
        raw.extend_from_slice(&buf[..n]);
        if n == 0 || complete(&raw) {
            break;
        }
    }
    let text = String::from_utf8_lossy(&raw);
    let (head, body) = text.split_once("\r\n\r\n").unwrap_or((&text, ""));
    let status = head
        .split_whitespace()
        .nth(1)
        .and_then(|s| s.parse().ok())
        .ok_or_else(|| format!("{addr}{path}: not an HTTP answer"))?;
    let body =
        if header(head, "transfer-encoding").is_some_and(|v| v.eq_ignore_ascii_case("chunked")) {
            dechunk(body)
        } else {
            body.to_owned()
        };
    Ok((status, body))
}

/// Whether `raw` holds a whole answer: the head, and the body its `Content-Length` or chunked
/// encoding announces.
fn complete(raw: &[u8]) -> bool {
    let text = String::from_utf8_lossy(raw);
    let Some((head, body)) = text.split_once("\r\n\r\n") else {
        return false;
    };
    if let Some(length) = header(head, "content-length").and_then(|v| v.parse::<usize>().ok()) {
        return body.len() >= length;
    }
    header(head, "transfer-encoding").is_some_and(|v| v.eq_ignore_ascii_case("chunked"))
        && body.ends_with("0\r\n\r\n")
}

/// The value of header `name` (lower case) in an answer's head.
fn header<'a>(head: &'a str, name: &str) -> Option<&'a str> {
    head.lines().skip(1).find_map(|line| {
        let (key, value) = line.split_once(':')?;
        key.trim().eq_ignore_ascii_case(name).then(|| value.trim())
    })
}

/// The payload of a `Transfer-Encoding: chunked` body.
fn dechunk(mut body: &str) -> String {
    let mut out = String::new();
    while let Some((size, rest)) = body.split_once("\r\n") {
        let Ok(size) = usize::from_str_radix(size.trim(), 16) else {
            break;
        };
        if size == 0 || rest.len() < size {
            break;
        }
        out.push_str(&rest[..size]);
        body = rest[size..].trim_start_matches("\r\n");
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::io::BufRead;

    #[test]
    fn free_ports_are_distinct() {
        let ports = free_ports(4).unwrap();
        let mut unique = ports.clone();
        unique.sort_unstable();
        unique.dedup();
        assert_eq!(unique.len(), 4, "{ports:?}");
    }

    #[test]
    fn chunked_bodies_are_joined() {
        assert_eq!(dechunk("4\r\nWiki\r\n5\r\npedia\r\n0\r\n\r\n"), "Wikipedia");
        assert_eq!(dechunk(""), "");
    }

    #[test]
    fn get_reads_status_and_body_from_a_loopback_server() {
        let listener = TcpListener::bind("127.0.0.1:0").unwrap();
        let addr = listener.local_addr().unwrap();
        let server = std::thread::spawn(move || {
            let (mut stream, _) = listener.accept().unwrap();
            let mut request_line = String::new();
            std::io::BufReader::new(&stream)
                .read_line(&mut request_line)
                .unwrap();
            // Answers, then keeps the connection open (as chromedriver does).
            stream
                .write_all(b"HTTP/1.1 503 Service Unavailable\r\nContent-Length:4\r\n\r\nbusy")
                .unwrap();
            std::thread::sleep(Duration::from_secs(10));
            drop(stream);
            request_line
        });
        let started = std::time::Instant::now();
        assert_eq!(http_get(addr, "/readyz").unwrap(), (503, "busy".to_owned()));
        assert!(
            started.elapsed() < Duration::from_secs(3),
            "read what was announced"
        );
        drop(server);
    }
}
