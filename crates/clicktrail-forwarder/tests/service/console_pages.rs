//! The console's pages over HTTP against a running service: an order found by its OrderId, its
//! refund in the order's history, a dead letter made by an impact.com refusal replayed from its
//! page and turning delivered, and "Explain again".

use std::time::Duration;

use serde_json::{Value, json};

use crate::console::conversion_state;
use crate::harness::{Bench, Db, Options};

const WAIT: Duration = Duration::from_secs(30);

/// A browser on the console (no token: loopback), with its session cookie and CSRF token.
struct Browser {
    http: reqwest::Client,
    base: String,
    cookie: String,
    csrf: String,
}

impl Browser {
    async fn open(bench: &Bench) -> Self {
        let http = reqwest::Client::builder()
            .redirect(reqwest::redirect::Policy::none())
            .build()
            .unwrap();
        let base = bench.admin_url("");
        let r = http.get(format!("{base}/")).send().await.unwrap();
        assert_eq!(r.status(), 200);
        let cookie = r.headers()["set-cookie"]
            .to_str()
            .unwrap()
            .split(';')
            .next()
            .unwrap()
            .to_owned();
        let page = r.text().await.unwrap();
        let csrf = attribute_after(&page, "name=\"csrf\" value=\"");
        Self {
            http,
            base,
            cookie,
            csrf,
        }
    }

    async fn get(&self, path: &str) -> (u16, String) {
        let r = self
            .http
            .get(format!("{}{path}", self.base))
            .header("cookie", &self.cookie)
            .send()
            .await
            .unwrap();
        (r.status().as_u16(), r.text().await.unwrap())
    }

    async fn json(&self, path: &str) -> Value {
        let (status, body) = self.get(path).await;
        assert_eq!(status, 200, "{path}: {body}");
        serde_json::from_str(&body).unwrap_or_else(|e| panic!("{path}: {e}: {body}"))
    }

    async fn post(&self, path: &str, form: &[(&str, &str)]) -> u16 {
        let mut fields = vec![("csrf", self.csrf.as_str())];
        fields.extend_from_slice(form);
        let r = self
            .http
            .post(format!("{}{path}", self.base))
            .header("cookie", &self.cookie)
            .form(&fields)
            .send()
            .await
            .unwrap();
        r.status().as_u16()
    }
}

fn attribute_after(page: &str, marker: &str) -> String {
    let at = page
        .find(marker)
        .unwrap_or_else(|| panic!("{marker} in the page"))
        + marker.len();
    page[at..].split('"').next().unwrap().to_owned()
}

pub async fn console_pages(db: Db) {
    let mut bench = Bench::new(db).await;
    let server = bench.start(&Options::default()).await;
    let store = bench.store().await;
    let browser = Browser::open(&bench).await;

    // A 29.00 subscription, 10.00 of it refunded: 29.00 x 19.00 / 29.00 = 19.00 left.
    let order = bench.subscribe(2900, "click-console-page").await;
    bench
        .first_record(WAIT, "the conversion", "conversion", &order)
        .await;
    let (pi, _) = bench.payment_of(&order).await;
    bench.refund(&pi, 1000).await;
    bench
        .first_record(WAIT, "the modification", "modification", &order)
        .await;

    let (status, page) = browser.get(&format!("/events?order={order}")).await;
    assert_eq!(status, 200);
    assert!(
        page.contains("invoice.paid") && page.contains("charge.refunded"),
        "{page}"
    );
    let (_, other) = browser.get("/events?order=in_nothing_like_it").await;
    assert!(other.contains("No event matches.") && !other.contains("invoice.paid</td>"));
    let (status, history) = browser.get(&format!("/orders/{order}")).await;
    assert_eq!(status, 200);
    for shown in [
        "29.00 USD",
        "10.00 USD",
        "19.00 USD",
        "conversion",
        "modification",
    ] {
        assert!(
            history.contains(shown),
            "{shown} in the order's history:\n{history}"
        );
    }
    let api: Value = browser.json(&format!("/api/events?order={order}")).await;
    assert_eq!(api["events"].as_array().unwrap().len(), 2, "{api}");

    // impact.com refuses the next conversion for good: a dead letter.
    bench
        .impact_fault(json!({"kind": "verdict", "reason": "ACTIONTRACKER_NOT_FOUND"}))
        .await;
    let refused = bench.subscribe(4900, "click-console-dead").await;
    conversion_state(&bench, &store, &refused, "dead").await;
    let (_, dead) = browser.get("/dead").await;
    assert!(
        dead.contains(&refused) && dead.contains("ACTIONTRACKER_NOT_FOUND"),
        "{dead}"
    );
    let job = store
        .jobs(None, 50)
        .await
        .unwrap()
        .into_iter()
        .find(|j| j.order_id.as_deref() == Some(refused.as_str()) && j.state == "dead")
        .expect("the dead letter");
    let (_, event_page) = browser.get(&format!("/events/{}", job.event_id)).await;
    assert!(
        event_page.contains(&format!("action=\"/jobs/{}/replay\"", job.id)),
        "a Replay button"
    );
    assert!(
        event_page.contains("never stored") && !event_page.contains("sandbox-token"),
        "auth masked"
    );

    // Explain again on a refund: its order's conversion is decided first (read with it), so the
    // refund meets it: 29.00 x 19.00 / 29.00 = 19.00.
    let refund = store
        .jobs(None, 50)
        .await
        .unwrap()
        .into_iter()
        .find(|j| {
            j.order_id.as_deref() == Some(order.as_str())
                && j.kind.as_deref() == Some("modification")
        })
        .expect("the modification's job");
    let (_, explained) = browser
        .get(&format!("/events/{}/explain", refund.event_id))
        .await;
    assert!(
        explained.contains("&quot;Amount&quot;: &quot;19.00&quot;"),
        "the refund, explained after its conversion:\n{explained}"
    );
    // Explain again: today's rules decide to send it again, and nothing is stored.
    let (status, explained) = browser
        .get(&format!("/events/{}/explain", job.event_id))
        .await;
    assert_eq!(status, 200);
    assert!(
        explained.contains("dry run")
            && explained.contains("&quot;decision&quot;: &quot;send&quot;"),
        "{explained}"
    );

    // Replay without the CSRF token is refused; with it the dead letter goes out and is delivered.
    let r = browser
        .http
        .post(format!("{}/jobs/{}/replay", browser.base, job.id))
        .header("cookie", &browser.cookie)
        .form(&[("back", "/dead")])
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 403);
    assert_eq!(
        store
            .jobs(None, 50)
            .await
            .unwrap()
            .iter()
            .find(|j| j.id == job.id)
            .unwrap()
            .state,
        "dead"
    );
    assert_eq!(
        browser
            .post(&format!("/jobs/{}/replay", job.id), &[("back", "/dead")])
            .await,
        303
    );
    conversion_state(&bench, &store, &refused, "done").await;
    let record = bench
        .first_record(WAIT, "the replayed conversion", "conversion", &refused)
        .await;
    assert_eq!(record["params"]["ClickId"], "click-console-dead");
    let (_, dead) = browser.get("/dead").await;
    assert!(!dead.contains(&refused), "no longer a dead letter");

    // The overview counts what happened.
    let overview: Value = browser.json("/api/overview").await;
    assert_eq!(overview["dead"], 0, "{overview}");
    // The webhook endpoint's state at Stripe, as reconcile read it at start.
    let endpoints = overview["endpoints"].to_string();
    assert!(
        endpoints.contains(&format!("http://{}/webhooks/stripe: enabled", bench.addr)),
        "{overview}"
    );
    let delivered: i64 = overview["sends_per_hour"]
        .as_array()
        .unwrap()
        .iter()
        .map(|h| h[1].as_i64().unwrap())
        .sum();
    assert!(
        delivered >= 3,
        "conversion, modification and the replay were delivered: {overview}"
    );
    store.close().await;
    server.stop().await;
    bench.finish().await;
}
