//! The test bench: a sandbox, a fresh database (a SQLite file, or a PostgreSQL schema), a
//! webhook endpoint registered at the sandbox, and the service started in process.

use std::net::SocketAddr;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::time::{Duration, SystemTime, UNIX_EPOCH};

use clicktrail_forwarder::config::{Config, DatabaseUrl, Synchronous};
use clicktrail_forwarder::store::Store;
use clicktrail_sandbox::{Sandbox, SandboxConfig};
use clicktrail_stripe::webhook::{WebhookSecret, sign};
use clicktrail_test_support::ForwarderConfig;
use serde_json::Value;
use sqlx::Executor;
use tokio::io::{AsyncBufReadExt, BufReader};
use tokio::net::TcpListener;
use tokio::sync::oneshot;
use tokio::task::JoinHandle;

/// Which store a case runs on.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Db {
    Sqlite,
    Postgres,
}

/// Knobs a case may turn; everything else is the test default.
#[derive(Debug, Clone)]
pub struct Options {
    pub refund_delay: &'static str,
    pub auth_token: &'static str,
    /// One wait, repeated nine times: the retry schedule.
    pub retry_wait: &'static str,
    /// The Stripe key the service uses: the sandbox's secret key when `None`.
    pub stripe_key: Option<&'static str>,
}

impl Default for Options {
    fn default() -> Self {
        Self {
            refund_delay: "0s",
            auth_token: "sandbox-token",
            retry_wait: "100ms",
            stripe_key: None,
        }
    }
}

pub struct Bench {
    pub sandbox: Sandbox,
    pub http: reqwest::Client,
    pub database_url: String,
    pub secret: WebhookSecret,
    pub addr: SocketAddr,
    /// The console's address of the service last started in process (`admin_url`).
    pub admin: Option<SocketAddr>,
    /// The clock of the services this bench starts in process: move it to pass refund holds
    /// and retry waits without waiting.
    pub clock: clicktrail_forwarder::clock::Clock,
    listener: Option<TcpListener>,
    _dir: tempfile::TempDir,
    pg_schema: Option<(String, String)>,
}

pub struct Server {
    stop: Option<oneshot::Sender<()>>,
    task: JoinHandle<Result<(), clicktrail_forwarder::Error>>,
}

impl Server {
    /// Stops the service as SIGTERM would, and checks that it stopped cleanly.
    pub async fn stop(mut self) {
        if let Some(stop) = self.stop.take() {
            let _ = stop.send(());
        }
        tokio::time::timeout(Duration::from_secs(20), &mut self.task)
            .await
            .expect("the service stops within its grace period")
            .expect("the service task does not panic")
            .expect("the service stops without error");
    }
}

/// `clicktrail serve` running as a child process.
pub struct Process {
    pub child: tokio::process::Child,
    /// Where it listens, as it printed it.
    pub addr: SocketAddr,
    /// `http://127.0.0.1:PORT`.
    pub url: String,
    /// The console (and `/metrics`): `http://127.0.0.1:PORT`.
    pub console_url: String,
}

impl Process {
    /// SIGTERM, then the exit status must be 0 within the shutdown grace.
    pub async fn terminate(mut self) {
        let pid = self.child.id().expect("still running").to_string();
        let sent = std::process::Command::new("kill")
            .args(["-TERM", &pid])
            .status()
            .unwrap();
        assert!(sent.success());
        let status = tokio::time::timeout(Duration::from_secs(20), self.child.wait())
            .await
            .expect("exits after SIGTERM")
            .unwrap();
        assert!(status.success(), "exit status after SIGTERM: {status}");
    }
}

/// A signed-ready `invoice.paid` event for invoice `in_{tag}_{n}` carrying a click id, with
/// every line in the payload (no Stripe look-up needed).
pub fn invoice_event(tag: &str, n: usize) -> (String, String) {
    let invoice = format!("in_{tag}_{n}");
    let event = serde_json::json!({
        "id": format!("evt_{tag}_{n}"), "object": "event", "type": "invoice.paid",
        "created": SystemTime::now().duration_since(UNIX_EPOCH).unwrap().as_secs(),
        "api_version": "2025-03-31.basil",
        "data": {"object": {
            "id": invoice, "object": "invoice", "billing_reason": "subscription_create",
            "currency": "usd", "amount_paid": 2900, "customer": format!("cus_{tag}_{n}"),
            "parent": {"subscription_details": {"subscription": format!("sub_{tag}_{n}"),
                "metadata": {"impact_click_id": format!("click{n}")}}},
            "lines": {"object": "list", "data": [{"amount": 2900, "quantity": 1, "description": "Pro"}], "has_more": false}
        }}
    });
    (event.to_string(), invoice)
}

fn random_hex() -> String {
    format!("{:016x}", rand::random::<u64>())
}

impl Bench {
    pub async fn new(db: Db) -> Self {
        Self::with_sandbox(db, SandboxConfig::ephemeral()).await
    }

    /// A bench whose sandbox runs `config` (restricted keys, ...).
    pub async fn with_sandbox(db: Db, config: SandboxConfig) -> Self {
        let sandbox = clicktrail_sandbox::start(config)
            .await
            .expect("sandbox starts");
        let dir = tempfile::tempdir().unwrap();
        let (database_url, pg_schema) = match db {
            Db::Sqlite => (
                format!("sqlite://{}", dir.path().join("clicktrail.db").display()),
                None,
            ),
            Db::Postgres => {
                let base = std::env::var("CLICKTRAIL_TEST_POSTGRES_URL").expect(
                    "CLICKTRAIL_TEST_POSTGRES_URL is not set: PostgreSQL tests need a server \
                     (e.g. postgres://postgres@127.0.0.1:5432/test); `cargo xtask test` sets it",
                );
                let schema = format!("t_{}", random_hex());
                let pool = sqlx::PgPool::connect(&base)
                    .await
                    .expect("PostgreSQL reachable");
                pool.execute(sqlx::AssertSqlSafe(format!("CREATE SCHEMA {schema}")))
                    .await
                    .unwrap();
                pool.close().await;
                let sep = if base.contains('?') { '&' } else { '?' };
                (
                    format!("{base}{sep}options=-c%20search_path%3D{schema}"),
                    Some((base, schema)),
                )
            }
        };
        let listener = TcpListener::bind("127.0.0.1:0").await.unwrap();
        let addr = listener.local_addr().unwrap();
        let http = reqwest::Client::new();
        let endpoint: Value = http
            .post(format!("{}/v1/webhook_endpoints", sandbox.stripe_url()))
            .bearer_auth(sandbox.secret_key())
            .form(&[
                ("url", format!("http://{addr}/webhooks/stripe").as_str()),
                ("enabled_events[]", "invoice.paid"),
                ("enabled_events[]", "checkout.session.completed"),
                (
                    "enabled_events[]",
                    "checkout.session.async_payment_succeeded",
                ),
                ("enabled_events[]", "charge.refunded"),
                ("enabled_events[]", "charge.dispute.closed"),
            ])
            .send()
            .await
            .unwrap()
            .json()
            .await
            .unwrap();
        let secret = WebhookSecret::new(endpoint["secret"].as_str().expect("a secret")).unwrap();
        Self {
            sandbox,
            http,
            database_url,
            secret,
            addr,
            admin: None,
            clock: clicktrail_forwarder::clock::Clock::system(),
            listener: Some(listener),
            _dir: dir,
            pg_schema,
        }
    }

    /// `path` on the console of the service last started in process.
    pub fn admin_url(&self, path: &str) -> String {
        let admin = self.admin.expect("a service started in process");
        format!("http://{admin}{path}")
    }

    /// The configuration file's text.
    pub fn config_text(&self, options: &Options) -> String {
        self.config(options).to_toml()
    }

    /// The configuration, listening on the bench's address.
    pub fn config(&self, options: &Options) -> ForwarderConfig {
        self.config_at(options, self.addr)
    }

    /// The configuration file's text, listening on `listen`.
    pub fn config_text_at(&self, options: &Options, listen: SocketAddr) -> String {
        self.config_at(options, listen).to_toml()
    }

    /// The configuration, listening on `listen`, for a case to add keys to.
    pub fn config_at(&self, options: &Options, listen: SocketAddr) -> ForwarderConfig {
        ForwarderConfig::new()
            .listen(listen)
            .database_url(&self.database_url)
            .impact_auth_token(options.auth_token)
            .impact_api_base(&self.sandbox.impact_url())
            .refund_delay(options.refund_delay)
            .click_id_wait("0s")
            .stripe_api_key(options.stripe_key.unwrap_or(self.sandbox.secret_key()))
            .webhook_secrets([self.secret.expose()])
            .stripe_api_base(&self.sandbox.stripe_url())
            .poll_interval("50ms")
            .lease("10s")
            .shutdown_grace("3s")
            .request_timeout("5s")
            .retry_schedule([options.retry_wait; 9])
    }

    /// Starts the service in process on the bench's address.
    pub async fn start(&mut self, options: &Options) -> Server {
        let config = Config::from_toml_str(&self.config_text(options)).expect("valid config");
        let listener = match self.listener.take() {
            Some(l) => l,
            None => TcpListener::bind(self.addr)
                .await
                .expect("the port is free again"),
        };
        let admin = TcpListener::bind("127.0.0.1:0").await.unwrap();
        self.admin = Some(admin.local_addr().unwrap());
        let listeners = clicktrail_forwarder::serve::Listeners {
            public: listener,
            admin: Some(admin),
        };
        let (stop, stopped) = oneshot::channel::<()>();
        let task = tokio::spawn(clicktrail_forwarder::serve::run_with_clock(
            config,
            listeners,
            async {
                let _ = stopped.await;
            },
            self.clock.clone(),
        ));
        let server = Server {
            stop: Some(stop),
            task,
        };
        self.eventually(
            Duration::from_secs(20),
            "the service is ready",
            async || {
                let r = self.http.get(self.url("/readyz")).send().await.ok()?;
                (r.status() == 200).then_some(())
            },
        )
        .await;
        server
    }

    /// Starts `clicktrail serve` as a process on a port of its own choosing (it binds port 0
    /// and prints the address) and waits until it is ready.
    pub async fn spawn(&mut self, options: &Options) -> Process {
        self.spawn_at(options, SocketAddr::from(([127, 0, 0, 1], 0)))
            .await
    }

    /// Starts `clicktrail serve` again on `addr`, the address a process of this bench held
    /// until it stopped (a restart behind the same URL), and waits until it is ready.
    pub async fn respawn(&mut self, options: &Options, addr: SocketAddr) -> Process {
        self.spawn_at(options, addr).await
    }

    async fn spawn_at(&mut self, options: &Options, listen: SocketAddr) -> Process {
        static SPAWNED: AtomicUsize = AtomicUsize::new(0);
        // The in-process listener is not needed when the service runs as a process.
        self.listener = None;
        let n = SPAWNED.fetch_add(1, Ordering::Relaxed);
        let path = self._dir.path().join(format!("clicktrail-{n}.toml"));
        std::fs::write(&path, self.config_text_at(options, listen)).unwrap();
        let mut child = tokio::process::Command::new(env!("CARGO_BIN_EXE_clicktrail"))
            .arg("serve")
            .arg("--config")
            .arg(&path)
            .env("RUST_LOG", "warn")
            .stdout(std::process::Stdio::piped())
            .kill_on_drop(true)
            .spawn()
            .expect("clicktrail serve starts");
        // Its first line on stdout is `listening on http://ADDR`.
        let mut lines = BufReader::new(child.stdout.take().expect("piped")).lines();
        let first = tokio::time::timeout(Duration::from_secs(30), lines.next_line())
            .await
            .expect("a `listening on` line within 30 s")
            .unwrap()
            .expect("clicktrail serve exited at start");
        let addr: SocketAddr = first
            .strip_prefix("listening on http://")
            .and_then(|a| a.parse().ok())
            .unwrap_or_else(|| panic!("unexpected first line {first:?}"));
        // The second is `console on http://ADDR`.
        let second = tokio::time::timeout(Duration::from_secs(30), lines.next_line())
            .await
            .expect("a `console on` line within 30 s")
            .unwrap()
            .expect("clicktrail serve exited at start");
        let console_url = second
            .strip_prefix("console on ")
            .unwrap_or_else(|| panic!("unexpected second line {second:?}"))
            .to_owned();
        // Keep reading, so that a later line never meets a closed pipe.
        tokio::spawn(async move { while let Ok(Some(_)) = lines.next_line().await {} });
        let url = format!("http://{addr}");
        self.eventually(
            Duration::from_secs(30),
            "the process is ready",
            async || {
                let r = self.http.get(format!("{url}/readyz")).send().await.ok()?;
                (r.status() == 200).then_some(())
            },
        )
        .await;
        Process {
            child,
            addr,
            url,
            console_url,
        }
    }

    pub fn url(&self, path: &str) -> String {
        format!("http://{}{path}", self.addr)
    }

    /// A second handle on the database, for assertions.
    pub async fn store(&self) -> Store {
        Store::connect(
            &DatabaseUrl::new(&self.database_url).unwrap(),
            Synchronous::Full,
        )
        .await
        .unwrap()
    }

    /// Posts `body` signed now (or at `timestamp`) to the webhook path.
    pub async fn post_signed(&self, body: &str, timestamp: Option<i64>) -> (u16, String) {
        self.post_signed_to(&self.url(""), body, timestamp)
            .await
            .expect("an answer")
    }

    /// Posts `body`, signed, to the service at `base`; `Err` when no answer came.
    pub async fn post_signed_to(
        &self,
        base: &str,
        body: &str,
        timestamp: Option<i64>,
    ) -> Result<(u16, String), reqwest::Error> {
        let now = SystemTime::now()
            .duration_since(UNIX_EPOCH)
            .unwrap()
            .as_secs();
        let t = timestamp.unwrap_or(i64::try_from(now).unwrap());
        let header = sign(body.as_bytes(), &self.secret, t);
        let r = self
            .http
            .post(format!("{base}/webhooks/stripe"))
            .header("Stripe-Signature", header)
            .body(body.to_owned())
            .send()
            .await?;
        let status = r.status().as_u16();
        Ok((status, r.text().await?))
    }

    pub async fn post_raw(&self, body: Vec<u8>, signature: Option<&str>) -> (u16, String) {
        let mut request = self.http.post(self.url("/webhooks/stripe")).body(body);
        if let Some(s) = signature {
            request = request.header("Stripe-Signature", s);
        }
        let r = request.send().await.unwrap();
        (r.status().as_u16(), r.text().await.unwrap())
    }

    /// A Stripe API call that must succeed.
    pub async fn stripe(
        &self,
        method: reqwest::Method,
        path: &str,
        form: &[(&str, &str)],
    ) -> Value {
        let r = self
            .http
            .request(method, format!("{}{path}", self.sandbox.stripe_url()))
            .bearer_auth(self.sandbox.secret_key())
            .form(form)
            .send()
            .await
            .unwrap();
        let status = r.status();
        let body: Value = r.json().await.unwrap();
        assert!(status.is_success(), "{path}: {body}");
        body
    }

    /// A customer, a monthly price and a subscription carrying `click_id`; returns the
    /// subscription's first invoice id.
    pub async fn subscribe(&self, amount: i64, click_id: &str) -> String {
        self.subscribe_with(amount, click_id, false).await
    }

    /// Like [`Bench::subscribe`], with the click id on the customer instead when `on_customer`
    /// (the forwarder then has to ask Stripe for it).
    pub async fn subscribe_with(&self, amount: i64, click_id: &str, on_customer: bool) -> String {
        self.subscribe_in(amount, click_id, on_customer, "usd")
            .await
    }

    /// Like [`Bench::subscribe_with`], in `currency`.
    pub async fn subscribe_in(
        &self,
        amount: i64,
        click_id: &str,
        on_customer: bool,
        currency: &str,
    ) -> String {
        let mut customer_form = vec![("email", "jenny@example.com")];
        let mut sub_metadata = vec![("metadata[impact_click_id]", click_id)];
        if on_customer {
            customer_form.push(("metadata[impact_click_id]", click_id));
            sub_metadata.clear();
        }
        let customer = self
            .stripe(reqwest::Method::POST, "/v1/customers", &customer_form)
            .await;
        let amount = amount.to_string();
        let price = self
            .stripe(
                reqwest::Method::POST,
                "/v1/prices",
                &[
                    ("currency", currency),
                    ("unit_amount", &amount),
                    ("recurring[interval]", "month"),
                    ("product_data[name]", "Pro"),
                ],
            )
            .await;
        let sub = self
            .stripe(
                reqwest::Method::POST,
                "/v1/subscriptions",
                &[
                    vec![
                        ("customer", customer["id"].as_str().unwrap()),
                        ("items[0][price]", price["id"].as_str().unwrap()),
                    ],
                    sub_metadata,
                ]
                .concat(),
            )
            .await;
        sub["latest_invoice"]
            .as_str()
            .expect("latest_invoice")
            .to_owned()
    }

    /// A paid one-time Checkout Session carrying `click_id` in its metadata, one line per
    /// `(unit amount, quantity)` (each its own product and price); returns the session id, its
    /// payment intent (the conversion's OrderId) and the price ids in line order.
    pub async fn pay_once(
        &self,
        click_id: &str,
        lines: &[(i64, i64)],
    ) -> (String, String, Vec<String>) {
        use reqwest::Method;
        let mut prices = Vec::new();
        for (n, (amount, _)) in lines.iter().enumerate() {
            let name = format!("Item {n}");
            let price = self
                .stripe(
                    Method::POST,
                    "/v1/prices",
                    &[
                        ("currency", "usd"),
                        ("unit_amount", &amount.to_string()),
                        ("product_data[name]", &name),
                    ],
                )
                .await;
            prices.push(price["id"].as_str().unwrap().to_owned());
        }
        let mut form: Vec<(String, String)> = vec![
            ("mode".into(), "payment".into()),
            ("success_url".into(), "https://shop.example/ok".into()),
            ("metadata[impact_click_id]".into(), click_id.into()),
        ];
        for (n, ((_, quantity), price)) in lines.iter().zip(&prices).enumerate() {
            form.push((format!("line_items[{n}][price]"), price.clone()));
            form.push((format!("line_items[{n}][quantity]"), quantity.to_string()));
        }
        let form: Vec<(&str, &str)> = form.iter().map(|(k, v)| (k.as_str(), v.as_str())).collect();
        let session = self
            .stripe(Method::POST, "/v1/checkout/sessions", &form)
            .await;
        let id = session["id"].as_str().unwrap().to_owned();
        let paid = self
            .stripe(
                Method::POST,
                &format!("/_sandbox/checkout/sessions/{id}/complete"),
                &[],
            )
            .await;
        let pi = paid["payment_intent"]
            .as_str()
            .expect("a payment intent")
            .to_owned();
        (id, pi, prices)
    }

    /// The payment intent and the charge that paid `invoice`.
    pub async fn payment_of(&self, invoice: &str) -> (String, String) {
        let payments = self
            .stripe(
                reqwest::Method::GET,
                &format!("/v1/invoice_payments?invoice={invoice}"),
                &[],
            )
            .await;
        let pi = payments["data"][0]["payment"]["payment_intent"]
            .as_str()
            .expect("a payment intent")
            .to_owned();
        let charges = self
            .stripe(
                reqwest::Method::GET,
                &format!("/v1/charges?payment_intent={pi}"),
                &[],
            )
            .await;
        let charge = charges["data"][0]["id"]
            .as_str()
            .expect("a charge")
            .to_owned();
        (pi, charge)
    }

    /// Refunds `amount` (minor units) of the payment intent `pi` at Stripe.
    pub async fn refund(&self, pi: &str, amount: i64) {
        let amount = amount.to_string();
        self.stripe(
            reqwest::Method::POST,
            "/v1/refunds",
            &[("payment_intent", pi), ("amount", &amount)],
        )
        .await;
    }

    /// Queues a fault at the impact.com emulator.
    pub async fn impact_fault(&self, fault: Value) {
        let r = self
            .http
            .post(format!("{}/_sandbox/faults", self.sandbox.impact_url()))
            .json(&fault)
            .send()
            .await
            .unwrap();
        assert!(r.status().is_success(), "{fault}: {}", r.status());
    }

    /// `GET path` on the impact.com emulator, as JSON; a failure names the URL.
    async fn impact_json(&self, path: &str) -> Value {
        let url = format!("{}{path}", self.sandbox.impact_url());
        let answer = self.http.get(&url).send().await;
        let answer = answer.unwrap_or_else(|e| panic!("{url}: {e}"));
        answer.json().await.unwrap_or_else(|e| panic!("{url}: {e}"))
    }

    /// The actions impact.com holds, by `OrderId`.
    pub async fn impact_action(&self, order: &str) -> Option<Value> {
        let v = self.impact_json("/_sandbox/actions").await;
        v.as_array()?
            .iter()
            .find(|a| a["OrderId"] == order)
            .cloned()
    }

    /// Runs the `clicktrail` command with `args` and a config file made from `options`;
    /// returns (exit code, stdout, stderr).
    pub fn cli(&self, options: &Options, args: &[&str]) -> (i32, String, String) {
        let path = self._dir.path().join("cli.toml");
        std::fs::write(&path, self.config_text(options)).unwrap();
        let out = std::process::Command::new(env!("CARGO_BIN_EXE_clicktrail"))
            .args(args)
            .arg("--config")
            .arg(&path)
            .output()
            .unwrap();
        (
            out.status.code().unwrap_or(-1),
            String::from_utf8(out.stdout).unwrap(),
            String::from_utf8(out.stderr).unwrap(),
        )
    }

    /// Every request the impact.com emulator accepted, in order.
    pub async fn impact_records(&self) -> Vec<Value> {
        let v = self.impact_json("/_sandbox/records").await;
        v.as_array().cloned().unwrap_or_default()
    }

    /// The accepted requests of `kind` for `order`.
    pub async fn records_for(&self, kind: &str, order: &str) -> Vec<Value> {
        self.impact_records()
            .await
            .into_iter()
            .filter(|r| r["kind"] == kind && r["params"]["OrderId"] == order)
            .collect()
    }

    /// The first record of `kind` for `order` at the impact.com emulator, waiting for it up to
    /// `within` (`what` names it in the failure).
    pub async fn first_record(
        &self,
        within: Duration,
        what: &str,
        kind: &str,
        order: &str,
    ) -> Value {
        self.eventually(within, what, async || {
            self.records_for(kind, order).await.into_iter().next()
        })
        .await
    }

    /// Polls `probe` until it gives `Some`; panics naming `what` after `deadline`.
    pub async fn eventually<T>(
        &self,
        deadline: Duration,
        what: &str,
        probe: impl AsyncFnMut() -> Option<T>,
    ) -> T {
        clicktrail_test_support::eventually(what, deadline, probe)
            .await
            .unwrap_or_else(|e| panic!("{e}"))
    }

    /// Drops the PostgreSQL schema (SQLite's file goes with the temporary directory).
    pub async fn finish(self) {
        if let Some((base, schema)) = &self.pg_schema {
            let pool = sqlx::PgPool::connect(base).await.unwrap();
            pool.execute(sqlx::AssertSqlSafe(format!("DROP SCHEMA {schema} CASCADE")))
                .await
                .unwrap();
            pool.close().await;
        }
        self.sandbox.shutdown().await;
    }
}
