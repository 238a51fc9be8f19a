//! The operator console over real HTTP (`serve::run` with both listeners): who gets in, how a
//! browser session and its CSRF token work, what the pages show, and that no secret appears on
//! any route.

use std::time::Duration;

use clicktrail_forwarder::config::Config;
use clicktrail_forwarder::console::GET_ROUTES;
use clicktrail_forwarder::serve::{self, Listeners};
use clicktrail_test_support::{ForwarderConfig, eventually};
use reqwest::header::{HeaderMap, HeaderValue, SET_COOKIE};
use reqwest::{Client, StatusCode};
use tokio::net::TcpListener;
use tokio::sync::oneshot;

const TOKEN: &str = "console-token-4f9a2c7e";
const IMPACT_TOKEN: &str = "impact-secret-8d1e";
const STRIPE_KEY: &str = "rk_test_console51a2b3c4";
const WEBHOOK_SECRET: &str = "whsec_consoleabcdef0123";

/// A running service with its console; stopped on drop of `stop`.
struct Running {
    public: String,
    console: String,
    _stop: oneshot::Sender<()>,
    _dir: tempfile::TempDir,
}

async fn start(token: Option<&str>) -> Running {
    let dir = tempfile::tempdir().unwrap();
    let mut config = ForwarderConfig::new()
        .sqlite_file(&dir.path().join("console.db"))
        .impact_auth_token(IMPACT_TOKEN)
        .impact_api_base("http://127.0.0.1:9")
        .stripe_api_key(STRIPE_KEY)
        .stripe_api_base("http://127.0.0.1:9")
        .webhook_secrets([WEBHOOK_SECRET])
        .reconcile_interval("0s");
    if let Some(token) = token {
        config = config.admin_token(token);
    }
    let config = Config::from_toml_str(&config.to_toml()).unwrap();
    let public = TcpListener::bind("127.0.0.1:0").await.unwrap();
    let admin = TcpListener::bind("127.0.0.1:0").await.unwrap();
    let (public_url, console_url) = (
        format!("http://{}", public.local_addr().unwrap()),
        format!("http://{}", admin.local_addr().unwrap()),
    );
    let (stop, stopped) = oneshot::channel::<()>();
    let listeners = Listeners {
        public,
        admin: Some(admin),
    };
    tokio::spawn(serve::run(config, listeners, async {
        let _ = stopped.await;
    }));
    let http = client();
    eventually(
        "the service is ready",
        Duration::from_secs(20),
        async || {
            let r = http.get(format!("{public_url}/readyz")).send().await.ok()?;
            (r.status() == 200).then_some(())
        },
    )
    .await
    .unwrap();
    Running {
        public: public_url,
        console: console_url,
        _stop: stop,
        _dir: dir,
    }
}

fn client() -> Client {
    Client::builder()
        .redirect(reqwest::redirect::Policy::none())
        .build()
        .unwrap()
}

/// `GET path` on the console with `token` as the bearer.
async fn with_bearer(http: &Client, s: &Running, path: &str, token: &str) -> reqwest::Response {
    http.get(format!("{}{path}", s.console))
        .bearer_auth(token)
        .send()
        .await
        .unwrap()
}

/// `POST /logout` with the session `cookie`, the `form`, and `origin` when given: the status.
async fn logout(
    http: &Client,
    s: &Running,
    cookie: &str,
    origin: Option<&str>,
    form: &[(&str, &str)],
) -> reqwest::Response {
    let mut request = http
        .post(format!("{}/logout", s.console))
        .header("cookie", cookie);
    if let Some(origin) = origin {
        request = request.header("origin", origin);
    }
    request.form(form).send().await.unwrap()
}

/// The login form sent with `token`.
async fn login(http: &Client, s: &Running, token: &str) -> reqwest::Response {
    http.post(format!("{}/login", s.console))
        .form(&[("token", token)])
        .send()
        .await
        .unwrap()
}

/// The `name=value` of the session cookie a response sets, and the whole header.
fn session_cookie(headers: &HeaderMap) -> (String, String) {
    let set = headers
        .get(SET_COOKIE)
        .expect("a Set-Cookie")
        .to_str()
        .unwrap()
        .to_owned();
    let pair = set.split(';').next().unwrap().trim().to_owned();
    (pair, set)
}

/// The hidden `csrf` value of a page's forms.
fn csrf_of(page: &str) -> String {
    let at = page.find("name=\"csrf\" value=\"").expect("a CSRF field") + 19;
    page[at..].split('"').next().unwrap().to_owned()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn with_a_token_only_the_token_or_its_session_gets_in() {
    let s = start(Some(TOKEN)).await;
    let http = client();
    let url = |path: &str| format!("{}{path}", s.console);

    // Nobody: pages send the login form, the API and metrics answer 401.
    let r = http.get(url("/")).send().await.unwrap();
    assert_eq!(r.status(), StatusCode::SEE_OTHER);
    assert_eq!(r.headers()["location"], "/login");
    for path in ["/api/overview", "/metrics"] {
        let r = http.get(url(path)).send().await.unwrap();
        assert_eq!(r.status(), StatusCode::UNAUTHORIZED, "{path}");
        assert!(
            r.headers()["www-authenticate"]
                .to_str()
                .unwrap()
                .starts_with("Bearer")
        );
    }
    // A wrong token, in either place.
    let r = with_bearer(&http, &s, "/api/overview", "console-token-4f9a2c7E").await;
    assert_eq!(r.status(), StatusCode::UNAUTHORIZED);
    let r = login(&http, &s, "not-the-token-at-all").await;
    assert_eq!(r.status(), StatusCode::UNAUTHORIZED);
    assert!(r.headers().get(SET_COOKIE).is_none());
    // The token in a URL is refused, even with a good bearer beside it.
    let r = with_bearer(&http, &s, &format!("/api/overview?token={TOKEN}"), TOKEN).await;
    assert_eq!(r.status(), StatusCode::BAD_REQUEST);
    assert!(r.text().await.unwrap().contains("not accepted in URLs"));

    // The bearer token: the API and metrics.
    let r = with_bearer(&http, &s, "/api/overview", TOKEN).await;
    assert_eq!(r.status(), StatusCode::OK);
    let overview: serde_json::Value = r.json().await.unwrap();
    assert!(
        overview["by_state"]
            .as_array()
            .is_some_and(|s| !s.is_empty()),
        "{overview}"
    );
    assert_eq!(overview["dead"], 0);
    let r = with_bearer(&http, &s, "/metrics", TOKEN).await;
    assert_eq!(r.status(), StatusCode::OK);
    assert!(r.text().await.unwrap().contains("clicktrail_jobs"));
    // /metrics left the public listener, which serves only Stripe's webhook and the probes.
    let r = http
        .get(format!("{}/metrics", s.public))
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), StatusCode::NOT_FOUND);

    // A browser: the login form sets an HttpOnly, SameSite=Strict session cookie.
    let r = login(&http, &s, TOKEN).await;
    assert_eq!(r.status(), StatusCode::SEE_OTHER);
    let (cookie, set) = session_cookie(r.headers());
    assert!(
        set.contains("HttpOnly") && set.contains("SameSite=Strict"),
        "{set}"
    );
    let r = http
        .get(url("/"))
        .header("cookie", &cookie)
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), StatusCode::OK);
    let page = r.text().await.unwrap();
    assert!(page.contains("<h1>Overview</h1>") && !page.contains("answers only on loopback"));
    let csrf = csrf_of(&page);

    // State changes need the session's CSRF token, from this origin.
    let wrong = "0".repeat(64);
    for (origin, form, why) in [
        (None, vec![("x", "1")], "no CSRF token"),
        (None, vec![("csrf", wrong.as_str())], "a wrong CSRF token"),
        (
            Some("https://evil.example"),
            vec![("csrf", csrf.as_str())],
            "another origin",
        ),
    ] {
        let r = logout(&http, &s, &cookie, origin, &form).await;
        assert_eq!(r.status(), StatusCode::FORBIDDEN, "{why}");
    }
    let r = logout(&http, &s, &cookie, None, &[("csrf", csrf.as_str())]).await;
    assert_eq!(r.status(), StatusCode::SEE_OTHER);
    assert!(session_cookie(r.headers()).1.contains("Max-Age=0"));
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn without_a_token_the_console_answers_only_loopback_and_says_so() {
    let s = start(None).await;
    let http = client();
    let r = http.get(format!("{}/", s.console)).send().await.unwrap();
    assert_eq!(r.status(), StatusCode::OK);
    // A loopback browser gets a session, so that its forms carry a CSRF token too.
    let (cookie, _) = session_cookie(r.headers());
    let page = r.text().await.unwrap();
    assert!(page.contains("answers only on loopback"), "{page}");
    let csrf = csrf_of(&page);
    let r = logout(&http, &s, &cookie, None, &[("x", "1")]).await;
    assert_eq!(
        r.status(),
        StatusCode::FORBIDDEN,
        "CSRF still applies on loopback"
    );
    let r = logout(&http, &s, &cookie, None, &[("csrf", csrf.as_str())]).await;
    assert_eq!(r.status(), StatusCode::SEE_OTHER);
    // DNS rebinding: a page on another name that resolves to 127.0.0.1 sends its own Host.
    let r = http
        .get(format!("{}/api/overview", s.console))
        .header("host", "evil.example")
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), StatusCode::FORBIDDEN);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn no_secret_appears_on_any_route_and_every_answer_is_locked_down() {
    let s = start(Some(TOKEN)).await;
    let http = client();
    let (cookie, _) = session_cookie(login(&http, &s, TOKEN).await.headers());
    let mut bodies = 0;
    for path in GET_ROUTES {
        for (who, request) in [
            (
                "bearer",
                http.get(format!("{}{path}", s.console)).bearer_auth(TOKEN),
            ),
            (
                "session",
                http.get(format!("{}{path}", s.console))
                    .header("cookie", &cookie),
            ),
            ("nobody", http.get(format!("{}{path}", s.console))),
        ] {
            let r = request.send().await.unwrap();
            let headers = r.headers().clone();
            let status = r.status();
            let body = r.text().await.unwrap();
            for secret in [TOKEN, IMPACT_TOKEN, STRIPE_KEY, WEBHOOK_SECRET] {
                assert!(
                    !body.contains(secret),
                    "{path} as {who} ({status}) shows a secret:\n{body}"
                );
                for (name, value) in &headers {
                    let value = value.to_str().unwrap_or_default();
                    assert!(
                        !value.contains(secret),
                        "{path} as {who}: header {name} shows a secret"
                    );
                }
            }
            let expect = |name: &str, value: &str| {
                assert_eq!(
                    headers.get(name),
                    Some(&HeaderValue::from_str(value).unwrap()),
                    "{path} as {who}: {name}"
                );
            };
            expect("x-frame-options", "DENY");
            expect("x-content-type-options", "nosniff");
            expect("cache-control", "no-store");
            assert!(
                headers["content-security-policy"]
                    .to_str()
                    .unwrap()
                    .contains("frame-ancestors 'none'")
            );
            bodies += usize::from(status == StatusCode::OK);
        }
    }
    assert!(
        bodies >= GET_ROUTES.len() * 2,
        "every route answered its callers"
    );
    // The settings table names each secret without its value.
    let page = with_bearer(&http, &s, "/", TOKEN)
        .await
        .text()
        .await
        .unwrap();
    for key in ["impact.auth_token", "stripe.api_key", "admin.token"] {
        assert!(page.contains(key), "{key} is listed");
    }
    assert!(page.contains("set (not shown)"));
}
