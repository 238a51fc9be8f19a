//! Secrets stay secret: `clicktrail serve` runs with `RUST_LOG=trace` and JSON logs through a
//! flow that retries (503s), gets a 400 from impact.com (dead letter), and asks Stripe (a look-up
//! for an invoice without a click id); then neither its output, nor `clicktrail jobs` /
//! `status`, nor the stored attempts and jobs hold the impact.com token, the Stripe key or the
//! webhook secret, raw or in their HTTP Basic / base64 forms. `Debug` of the configuration is
//! checked too. Also: the intake refuses other methods and bodies that are not a JSON event.

use std::io::{BufRead, BufReader};
use std::process::{Command, Stdio};
use std::sync::{Arc, Mutex};
use std::time::{Duration, SystemTime, UNIX_EPOCH};

use axum::Router;
use axum::body::Bytes;
use axum::http::{HeaderMap, StatusCode, Uri};
use base64::Engine as _;
use base64::engine::general_purpose::STANDARD;
use clicktrail_forwarder::config::Config;
use clicktrail_sandbox::{Sandbox, SandboxConfig};
use clicktrail_stripe::webhook::{WebhookSecret, sign};
use clicktrail_test_support::ForwarderConfig;

const SID: &str = "IRsecrets000000000000000000000001";
const IMPACT_TOKEN: &str = "impTok-Qz81xLw3vBn5";
const STRIPE_KEY: &str = "sk_test_SeCrEtStripeKey9f3a71";
const WEBHOOK_SECRET: &str = "whsec_SeCrEtWebhook5c2e88d1";

/// Every form in which a secret could leak.
fn forbidden() -> Vec<(String, &'static str)> {
    vec![
        (IMPACT_TOKEN.to_owned(), "impact token"),
        (STRIPE_KEY.to_owned(), "Stripe key"),
        (WEBHOOK_SECRET.to_owned(), "webhook secret"),
        (
            STANDARD.encode(format!("{SID}:{IMPACT_TOKEN}")),
            "impact Basic credentials",
        ),
        (
            STANDARD.encode(format!("{STRIPE_KEY}:")),
            "Stripe Basic credentials",
        ),
        (STANDARD.encode(IMPACT_TOKEN), "impact token, base64"),
        (STANDARD.encode(STRIPE_KEY), "Stripe key, base64"),
        (STANDARD.encode(WEBHOOK_SECRET), "webhook secret, base64"),
    ]
}

fn assert_clean(what: &str, text: &str) {
    for (secret, name) in forbidden() {
        assert!(
            !text.contains(&secret),
            "the {name} appears in {what}:\n{}",
            text.lines()
                .filter(|l| l.contains(&secret))
                .take(3)
                .collect::<Vec<_>>()
                .join("\n")
        );
    }
}

fn now() -> i64 {
    SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .unwrap()
        .as_secs() as i64
}

fn invoice_paid(event: &str, invoice: &str, click_id: Option<&str>) -> String {
    let metadata = click_id.map_or("{}".to_owned(), |c| format!(r#"{{"irclickid":"{c}"}}"#));
    format!(
        r#"{{"id":"{event}","object":"event","api_version":"2020-08-27","created":{created},"livemode":false,"type":"invoice.paid",
"data":{{"object":{{"id":"{invoice}","object":"invoice","billing_reason":"subscription_create","currency":"usd",
"amount_due":2900,"amount_paid":2900,"tax":0,"total_tax_amounts":[],"customer":"cus_secret1","customer_email":"pat@example.com",
"subscription":"sub_{event}","subscription_details":{{"metadata":{metadata}}},"metadata":{{}},"paid":true,"status":"paid",
"payment_intent":"pi_{event}","charge":"ch_{event}","created":{created},
"lines":{{"object":"list","has_more":false,"data":[{{"id":"il_1","object":"line_item","amount":2900,"currency":"usd",
"quantity":1,"description":"Pro","price":{{"id":"price_pro","object":"price","product":"prod_pro"}},"proration":false,
"type":"subscription"}}]}}}}}}}}"#,
        created = now()
    )
}

/// A child process whose stdout and stderr are collected.
struct Running {
    child: std::process::Child,
    output: Arc<Mutex<String>>,
}

fn spawn_collecting(mut cmd: Command) -> Running {
    let mut child = cmd
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .expect("clicktrail starts");
    let output = Arc::new(Mutex::new(String::new()));
    for stream in [
        Box::new(child.stdout.take().unwrap()) as Box<dyn std::io::Read + Send>,
        Box::new(child.stderr.take().unwrap()),
    ] {
        let output = Arc::clone(&output);
        std::thread::spawn(move || {
            for line in BufReader::new(stream).lines().map_while(Result::ok) {
                let mut out = output.lock().unwrap();
                out.push_str(&line);
                out.push('\n');
            }
        });
    }
    Running { child, output }
}

async fn eventually<T>(what: &str, probe: impl AsyncFnMut() -> Option<T>) -> T {
    clicktrail_test_support::eventually(what, Duration::from_secs(40), probe)
        .await
        .unwrap_or_else(|e| panic!("{e}"))
}

/// What the impact.com stand-in saw: (requests, requests with the right Basic credentials,
/// conversions accepted).
#[derive(Debug, Default)]
struct ImpactSeen {
    requests: usize,
    authenticated: usize,
    accepted: usize,
}

/// An impact.com stand-in that answers 503 to the first two requests, 400 (impact's envelope)
/// to the conversion of `in_sec_400`, and accepts the rest; a submission read (the verdict) is
/// answered complete. The sandbox's emulator never
/// answers 400 to what the forwarder sends: the forwarder checks lengths and formats first.
async fn impact_stub() -> (String, Arc<Mutex<ImpactSeen>>) {
    let seen = Arc::new(Mutex::new(ImpactSeen::default()));
    let state = Arc::clone(&seen);
    let basic = format!("Basic {}", STANDARD.encode(format!("{SID}:{IMPACT_TOKEN}")));
    let app = Router::new().fallback(move |headers: HeaderMap, uri: Uri, body: Bytes| {
        let state = Arc::clone(&state);
        let basic = basic.clone();
        async move {
            let text = format!("{} {}", uri, String::from_utf8_lossy(&body));
            let mut seen = state.lock().unwrap();
            seen.requests += 1;
            if headers.get("authorization").is_some_and(|v| v == basic.as_str()) {
                seen.authenticated += 1;
            }
            let (status, body) = if uri.path().contains("/APISubmissions/") {
                let id = uri.path().rsplit('/').next().unwrap_or_default().to_owned();
                (StatusCode::OK, format!(r#"{{"BatchId":"{id}","Status":"Complete"}}"#))
            } else if seen.requests <= 2 {
                (StatusCode::SERVICE_UNAVAILABLE, r#"{"Status":"ERROR","Message":"Service Unavailable"}"#.to_owned())
            } else if text.contains("in_sec_400") {
                (
                    StatusCode::BAD_REQUEST,
                    r#"{"Status":"ERROR","Message":"The request is invalid","Errors":[{"Field":"OrderId","Message":"OrderId is refused"}]}"#.to_owned(),
                )
            } else {
                seen.accepted += 1;
                (
                    StatusCode::OK,
                    format!(r#"{{"Status":"QUEUED","QueuedUri":"/Advertisers/{SID}/APISubmissions/A-{}"}}"#, seen.requests),
                )
            };
            (status, [("content-type", "application/json")], body)
        }
    });
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let addr = listener.local_addr().unwrap();
    tokio::spawn(async move { axum::serve(listener, app).await });
    (format!("http://{addr}"), seen)
}

async fn sandbox() -> Sandbox {
    let mut config = SandboxConfig::ephemeral();
    config.impact.account_sid = SID.into();
    config.impact.auth_token = IMPACT_TOKEN.into();
    config.stripe.secret_keys = vec![STRIPE_KEY.into()];
    clicktrail_sandbox::start(config)
        .await
        .expect("sandbox starts")
}

fn config_text(sandbox: &Sandbox, impact: &str, db: &str) -> String {
    ForwarderConfig::new()
        .listen("127.0.0.1:0")
        .database_url(&format!("sqlite://{db}"))
        .impact_account_sid(SID)
        .impact_auth_token("set-by-the-environment")
        .impact_api_base(impact)
        .refund_delay("0s")
        .click_id_wait("0s")
        .stripe_api_key(STRIPE_KEY)
        .webhook_secrets([WEBHOOK_SECRET])
        .stripe_api_base(&sandbox.stripe_url())
        .poll_interval("50ms")
        .retry_schedule(["100ms"; 3])
        .request_timeout("5s")
        .to_toml()
}

#[test]
fn debug_of_the_configuration_hides_every_secret() {
    let text = config_text_for_debug();
    let config = Config::from_toml_str(&text).expect("valid");
    let shown = format!("{config:?} {config:#?}");
    assert_clean("Debug of the configuration", &shown);
    let secret = WebhookSecret::new(WEBHOOK_SECRET).unwrap();
    let verifier =
        clicktrail_stripe::webhook::Verifier::with_default_tolerance(vec![secret.clone()]).unwrap();
    assert_clean(
        "Debug of the webhook secret and verifier",
        &format!("{secret:?} {verifier:?} {verifier:#?}"),
    );
    assert!(shown.contains(SID), "the SID (not a secret) is shown");
}

fn config_text_for_debug() -> String {
    ForwarderConfig::new()
        .impact_account_sid(SID)
        .impact_auth_token(IMPACT_TOKEN)
        .stripe_api_key(STRIPE_KEY)
        .webhook_secrets([WEBHOOK_SECRET])
        .to_toml()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn no_secret_in_trace_logs_cli_output_or_stored_attempts() {
    let sandbox = sandbox().await;
    let dir = tempfile::tempdir().unwrap();
    let db = dir.path().join("secrets.db");
    let config = dir.path().join("clicktrail.toml");
    let (impact, impact_seen) = impact_stub().await;
    std::fs::write(
        &config,
        config_text(&sandbox, &impact, &db.display().to_string()),
    )
    .unwrap();

    let bin = env!("CARGO_BIN_EXE_clicktrail");
    let mut serve = Command::new(bin);
    serve
        .args(["serve", "--config"])
        .arg(&config)
        .args(["--log-format", "json"])
        .env("RUST_LOG", "trace")
        .env("CLICKTRAIL_IMPACT__AUTH_TOKEN", IMPACT_TOKEN);
    let mut running = spawn_collecting(serve);
    let addr = eventually("the listening line", async || {
        let out = running.output.lock().unwrap().clone();
        out.lines()
            .find_map(|l| l.strip_prefix("listening on http://"))
            .map(|a| a.trim().to_owned())
    })
    .await;
    let console = eventually("the console line", async || {
        let out = running.output.lock().unwrap().clone();
        out.lines()
            .find_map(|l| l.strip_prefix("console on http://"))
            .map(|a| a.trim().to_owned())
    })
    .await;
    let url = format!("http://{addr}/webhooks/stripe");
    let http = reqwest::Client::new();
    let secret = WebhookSecret::new(WEBHOOK_SECRET).unwrap();
    let post = async |body: String| {
        let header = sign(body.as_bytes(), &secret, now());
        http.post(&url)
            .header("stripe-signature", header)
            .header("content-type", "application/json")
            .body(body)
            .send()
            .await
            .unwrap()
            .status()
            .as_u16()
    };
    // Sent after two 503s; refused with a 400; looked up at Stripe.
    assert_eq!(
        post(invoice_paid(
            "evt_sec_ok",
            "in_sec_ok",
            Some("CLICKsecret1")
        ))
        .await,
        200
    );
    assert_eq!(
        post(invoice_paid(
            "evt_sec_400",
            "in_sec_400",
            Some("CLICKsecret2")
        ))
        .await,
        200
    );
    assert_eq!(
        post(invoice_paid("evt_sec_lookup", "in_sec_lookup", None)).await,
        200
    );

    // The intake refuses other methods and bodies that are not a JSON event, signed or not.
    for method in [
        reqwest::Method::GET,
        reqwest::Method::PUT,
        reqwest::Method::DELETE,
    ] {
        let status = http
            .request(method.clone(), &url)
            .send()
            .await
            .unwrap()
            .status();
        assert_eq!(status, 405, "{method}");
    }
    for body in ["email=a%40b.c&x=1", "[1,2,3]", "\"invoice.paid\"", "null"] {
        assert_eq!(post(body.to_owned()).await, 400, "{body}");
    }
    let binary = vec![0xff_u8, 0xfe, 0x00, 0x7b];
    let status = http
        .post(&url)
        .header("stripe-signature", sign(&binary, &secret, now()))
        .body(binary)
        .send()
        .await
        .unwrap()
        .status();
    assert_eq!(status, 400, "a body that is not UTF-8");

    // Wait until nothing is left to do: one sent, one dead letter at least.
    let metrics_url = format!("http://{console}/metrics");
    let last = Arc::new(Mutex::new(String::new()));
    let seen = Arc::clone(&last);
    let settled = tokio::time::timeout(
        Duration::from_secs(30),
        eventually("every job settled", async || {
            let text = http
                .get(&metrics_url)
                .send()
                .await
                .ok()?
                .text()
                .await
                .ok()?;
            *seen.lock().unwrap() = text.clone();
            let value = |series: &str| -> f64 {
                text.lines()
                    .find_map(|l| l.strip_prefix(series)?.trim().parse().ok())
                    .unwrap_or(0.0)
            };
            let busy = value("clicktrail_jobs{state=\"pending\"}")
                + value("clicktrail_jobs{state=\"running\"}")
                + value("clicktrail_jobs{state=\"retrying\"}");
            (value("clicktrail_jobs{state=\"done\"}") >= 1.0
                && value("clicktrail_jobs{state=\"dead\"}") >= 1.0
                && busy == 0.0)
                .then_some(())
        }),
    )
    .await;
    assert!(
        settled.is_ok(),
        "jobs did not settle:\n{}",
        last.lock().unwrap()
    );
    {
        let seen = impact_seen.lock().unwrap();
        assert_eq!(
            seen.accepted, 1,
            "the good conversion arrived after its retries: {seen:?}"
        );
        assert_eq!(
            seen.authenticated, seen.requests,
            "the token was used on every request: {seen:?}"
        );
        assert!(seen.requests >= 4, "503, 503, 200, 400: {seen:?}");
    }

    let _ = Command::new("kill")
        .args(["-TERM", &running.child.id().to_string()])
        .status();
    let status = running.child.wait().unwrap();
    assert!(status.success(), "serve stops cleanly: {status}");
    let logs = running.output.lock().unwrap().clone();
    assert!(
        logs.lines().count() > 50 && logs.contains("\"level\":\"TRACE\""),
        "trace logs were produced"
    );
    assert!(
        logs.contains("503") || logs.contains("transient"),
        "the retries were logged"
    );
    assert_clean("the trace logs of serve", &logs);

    // The CLI.
    for args in [
        vec!["jobs", "--limit", "100"],
        vec!["jobs", "--state", "dead"],
        vec!["status"],
    ] {
        let out = Command::new(bin)
            .args(&args)
            .arg("--config")
            .arg(&config)
            .env("CLICKTRAIL_IMPACT__AUTH_TOKEN", IMPACT_TOKEN)
            .env("RUST_LOG", "trace")
            .output()
            .unwrap();
        let text = format!(
            "{}{}",
            String::from_utf8_lossy(&out.stdout),
            String::from_utf8_lossy(&out.stderr)
        );
        assert!(out.status.success(), "clicktrail {args:?}: {text}");
        assert_clean(&format!("`clicktrail {}`", args.join(" ")), &text);
    }

    // The stored records.
    let pool = sqlx::SqlitePool::connect(&format!("sqlite://{}", db.display()))
        .await
        .unwrap();
    let attempts: Vec<(String, String, String)> =
        sqlx::query_as("SELECT path, params, excerpt FROM attempts")
            .fetch_all(&pool)
            .await
            .unwrap();
    assert!(
        attempts.len() >= 4,
        "503, 503, 200 and 400 were recorded: {attempts:?}"
    );
    let jobs: Vec<(Option<String>, Option<String>, Option<String>)> =
        sqlx::query_as("SELECT request, outcome, answer FROM jobs")
            .fetch_all(&pool)
            .await
            .unwrap();
    pool.close().await;
    assert_clean("stored attempts", &format!("{attempts:?}"));
    assert_clean("stored jobs", &format!("{jobs:?}"));
    assert!(
        jobs.iter()
            .any(|(_, _, answer)| answer.as_deref().is_some_and(|a| a.contains("OrderId"))),
        "the dead letter holds impact.com's answer: {jobs:?}"
    );
    sandbox.shutdown().await;
}
