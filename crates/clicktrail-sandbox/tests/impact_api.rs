//! The impact.com emulator over HTTP: authentication, validation and envelopes, processing delay
//! (with tokio's paused clock), deduplication, modifications and reversals, faults, records.

mod common;

use std::time::Duration;

use clicktrail_sandbox::{Sandbox, SandboxConfig};
use common::sandbox_with;
use serde_json::{Value, json};

const DAY: Duration = Duration::from_secs(86_400);

async fn impact(delay: Duration) -> Sandbox {
    let mut config = SandboxConfig::ephemeral();
    config.impact.account_sid = "IRtest123".into();
    config.impact.auth_token = "tok".into();
    config.impact.processing_delay = delay;
    sandbox_with(config).await
}

struct Impact {
    base: String,
    client: reqwest::Client,
}

impl Impact {
    fn new(sb: &Sandbox) -> Self {
        Self {
            base: sb.impact_url(),
            client: reqwest::Client::new(),
        }
    }

    fn request(&self, method: reqwest::Method, path: &str) -> reqwest::RequestBuilder {
        self.client
            .request(method, format!("{}/Advertisers/IRtest123{path}", self.base))
            .basic_auth("IRtest123", Some("tok"))
            .header("accept", "application/json")
    }

    async fn send(builder: reqwest::RequestBuilder) -> (u16, Value) {
        let r = builder.send().await.expect("answer");
        (r.status().as_u16(), r.json().await.expect("JSON"))
    }

    async fn convert(&self, form: &[(&str, &str)]) -> (u16, Value) {
        Self::send(
            self.request(reqwest::Method::POST, "/Conversions")
                .form(form),
        )
        .await
    }

    async fn modify(&self, form: &[(&str, &str)]) -> (u16, Value) {
        Self::send(self.request(reqwest::Method::PUT, "/Actions").form(form)).await
    }

    async fn reverse(&self, form: &[(&str, &str)]) -> (u16, Value) {
        Self::send(self.request(reqwest::Method::DELETE, "/Actions").form(form)).await
    }

    async fn sandbox(&self, path: &str) -> Value {
        self.client
            .get(format!("{}/_sandbox/{path}", self.base))
            .send()
            .await
            .unwrap()
            .json()
            .await
            .unwrap()
    }

    async fn fault(&self, fault: Value) {
        let r = self
            .client
            .post(format!("{}/_sandbox/faults", self.base))
            .json(&fault)
            .send()
            .await
            .unwrap();
        assert_eq!(r.status(), 200);
    }

    async fn submission(&self, queued_uri: &str) -> Value {
        let id = queued_uri.rsplit('/').next().unwrap();
        let (status, body) =
            Self::send(self.request(reqwest::Method::GET, &format!("/APISubmissions/{id}"))).await;
        assert_eq!(status, 200, "{body}");
        body
    }
}

fn conversion(order: &'static str) -> Vec<(&'static str, &'static str)> {
    vec![
        ("CampaignId", "1000"),
        ("ActionTrackerId", "4000"),
        ("EventDate", "2026-11-27T01:02:03Z"),
        ("OrderId", order),
        ("ClickId", "Qx1-click"),
        ("CustomerId", "cus_1"),
        ("CurrencyCode", "USD"),
        ("ItemSku1", "price_1"),
        ("ItemQuantity1", "2"),
        ("ItemPrice1", "10.00"),
        ("ItemSku2", "price_2"),
        ("ItemSubTotal2", "5.50"),
        ("OrderDiscount", "0.50"),
    ]
}

#[tokio::test]
async fn authentication() {
    let sb = impact(Duration::ZERO).await;
    let client = reqwest::Client::new();
    let url = format!("{}/Advertisers/IRtest123/Conversions", sb.impact_url());
    let r = client
        .post(&url)
        .basic_auth("IRtest123", Some("wrong"))
        .header("accept", "application/json")
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 401);
    let body: Value = r.json().await.unwrap();
    assert_eq!(body["Status"], "ERROR");
    let r = client
        .post(&url)
        .header("accept", "application/json")
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 401);
    let other = format!("{}/Advertisers/IRother/Conversions", sb.impact_url());
    let r = client
        .post(&other)
        .basic_auth("IRtest123", Some("tok"))
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 403);
}

#[tokio::test]
async fn validation_errors_name_their_fields() {
    let sb = impact(Duration::ZERO).await;
    let api = Impact::new(&sb);
    let (status, body) = api
        .convert(&[("CampaignId", "x"), ("OrderId", &"o".repeat(65))])
        .await;
    assert_eq!(status, 400);
    assert_eq!(body["Status"], "ERROR");
    assert!(body["Message"].is_string());
    let fields: Vec<&str> = body["Errors"]
        .as_array()
        .unwrap()
        .iter()
        .map(|e| e["Field"].as_str().unwrap())
        .collect();
    for f in [
        "CampaignId",
        "EventDate",
        "ActionTrackerId",
        "ClickId",
        "OrderId",
    ] {
        assert!(fields.contains(&f), "{f} in {fields:?}");
    }
    let mut both = conversion("in_1");
    both.push(("ItemSubTotal1", "20.00"));
    let (status, body) = api.convert(&both).await;
    assert_eq!(status, 400);
    assert_eq!(body["Errors"][0]["Field"], "ItemPrice1");
    let mut bad_decimal = conversion("in_1");
    bad_decimal[9] = ("ItemPrice1", "10.005");
    assert_eq!(api.convert(&bad_decimal).await.0, 400);
    // Nothing invalid is recorded.
    assert_eq!(api.sandbox("records").await, json!([]));
}

#[tokio::test]
async fn json_bodies_and_xml_answers() {
    let sb = impact(Duration::ZERO).await;
    let api = Impact::new(&sb);
    let body = json!({"CampaignId": 1000, "ActionTrackerId": 4000, "EventDate": "NOW", "OrderId": "in_json", "ClickId": "c", "CurrencyCode": "EUR", "ItemSubTotal1": "9.99"});
    let (status, answer) = Impact::send(
        api.request(reqwest::Method::POST, "/Conversions")
            .json(&body),
    )
    .await;
    assert_eq!(status, 200, "{answer}");
    assert_eq!(answer["Status"], "QUEUED");
    let xml = reqwest::Client::new()
        .post(format!(
            "{}/Advertisers/IRtest123/Conversions",
            sb.impact_url()
        ))
        .basic_auth("IRtest123", Some("tok"))
        .form(&[("OrderId", "x")])
        .send()
        .await
        .unwrap();
    assert_eq!(xml.status(), 400);
    assert!(
        xml.headers()["content-type"]
            .to_str()
            .unwrap()
            .starts_with("application/xml")
    );
    let text = xml.text().await.unwrap();
    assert!(
        text.contains("<Status>ERROR</Status>") && text.contains("<Field>CampaignId</Field>"),
        "{text}"
    );
}

#[tokio::test(start_paused = true)]
async fn conversions_become_actions_after_the_processing_delay() {
    let sb = impact(DAY).await;
    let api = Impact::new(&sb);
    let (status, queued) = api.convert(&conversion("in_delay")).await;
    assert_eq!(status, 200);
    let uri = queued["QueuedUri"].as_str().unwrap();
    assert!(
        uri.starts_with("/Advertisers/IRtest123/APISubmissions/"),
        "{uri}"
    );
    let before = api.submission(uri).await;
    assert_eq!(before["Status"], "Queued");
    assert_eq!(api.sandbox("actions").await, json!([]));
    tokio::time::advance(DAY - Duration::from_secs(1)).await;
    assert_eq!(api.submission(uri).await["Status"], "Queued");
    tokio::time::advance(Duration::from_secs(1)).await;
    let after = api.submission(uri).await;
    assert_eq!(after["Status"], "Complete");
    assert_eq!(after["ErrorReason"], "");
    assert_eq!(after["OrderId"], "in_delay");
    assert_eq!(after["Type"], "Conversion");
    let actions = api.sandbox("actions").await;
    assert_eq!(actions.as_array().unwrap().len(), 1);
    assert_eq!(actions[0]["OrderId"], "in_delay");
    assert_eq!(actions[0]["EventTypeId"], "4000");
    assert_eq!(actions[0]["Amount"], "25.00", "2 x 10.00 + 5.50 - 0.50");
    assert_eq!(actions[0]["State"], "PENDING");
    assert_eq!(actions[0]["ClickId"], "Qx1-click");
}

#[tokio::test]
async fn duplicates_modifications_and_reversals() {
    let sb = impact(Duration::ZERO).await;
    let api = Impact::new(&sb);
    api.convert(&conversion("in_1")).await;
    let (_, dup) = api.convert(&conversion("in_1")).await;
    let mut recurring = conversion("in_1");
    recurring[1] = ("ActionTrackerId", "4001");
    api.convert(&recurring).await;
    let dup = api.submission(dup["QueuedUri"].as_str().unwrap()).await;
    assert_eq!(dup["ErrorReason"], "CONV_DUPLICATE");
    assert_eq!(
        api.sandbox("actions").await.as_array().unwrap().len(),
        2,
        "same order, other event type: a new action"
    );
    // Missing actions.
    let (_, missing) = api
        .reverse(&[
            ("ActionTrackerId", "4000"),
            ("OrderId", "in_nope"),
            ("DispositionCode", "ITEM_RETURNED"),
        ])
        .await;
    assert_eq!(
        api.submission(missing["QueuedUri"].as_str().unwrap()).await["ErrorReason"],
        "ACTION_REF_NOT_FOUND"
    );
    let (status, _) = api
        .modify(&[
            ("ActionTrackerId", "4000"),
            ("OrderId", "in_1"),
            ("Amount", "12.50"),
        ])
        .await;
    assert_eq!(status, 400, "Reason is required");
    let (status, _) = api
        .modify(&[
            ("ActionTrackerId", "4000"),
            ("OrderId", "in_1"),
            ("Reason", "ORDER_UPDATE"),
            ("Amount", "12.50"),
        ])
        .await;
    assert_eq!(status, 200);
    let actions = api.sandbox("actions").await;
    let first = actions
        .as_array()
        .unwrap()
        .iter()
        .find(|a| a["EventTypeId"] == "4000")
        .unwrap()
        .clone();
    assert_eq!(first["Amount"], "12.50");
    let action_id = first["ActionId"].as_str().unwrap();
    let (status, _) = api
        .reverse(&[("ActionId", action_id), ("DispositionCode", "RETURNED")])
        .await;
    assert_eq!(status, 400, "RETURNED is not a disposition code");
    api.reverse(&[
        ("ActionId", action_id),
        ("DispositionCode", "ITEM_RETURNED"),
    ])
    .await;
    let actions = api.sandbox("actions").await;
    let first = actions
        .as_array()
        .unwrap()
        .iter()
        .find(|a| a["ActionId"] == action_id)
        .unwrap();
    assert_eq!(first["State"], "REVERSED");
    let records = api.sandbox("records").await;
    let summary: Vec<(String, String)> = records
        .as_array()
        .unwrap()
        .iter()
        .map(|r| {
            (
                r["kind"].as_str().unwrap().to_owned(),
                r["outcome"].as_str().unwrap().to_owned(),
            )
        })
        .collect();
    let expected = [
        ("conversion", "ACTION_CREATED"),
        ("conversion", "CONV_DUPLICATE"),
        ("conversion", "ACTION_CREATED"),
        ("reversal", "ACTION_REF_NOT_FOUND"),
        ("modification", "ACTION_MODIFIED"),
        ("reversal", "ACTION_REVERSED"),
    ];
    assert_eq!(summary, expected.map(|(a, b)| (a.to_owned(), b.to_owned())));
    assert_eq!(records[0]["params"]["ClickId"], "Qx1-click");
    assert!(records[0]["received_at"].as_str().unwrap().ends_with('Z'));
    assert!(records[0]["id"].as_str().unwrap().starts_with("A-"));
}

#[tokio::test]
async fn faults_503_429_slow_and_drop() {
    let sb = impact(Duration::ZERO).await;
    let api = Impact::new(&sb);
    api.fault(json!({"kind": "unavailable", "count": 2})).await;
    api.fault(json!({"kind": "rate_limited", "reset_after_secs": 30}))
        .await;
    api.fault(json!({"kind": "drop"})).await;
    api.fault(json!({"kind": "slow", "delay_ms": 150})).await;
    let (status, body) = api.convert(&conversion("in_f")).await;
    assert_eq!((status, body["Status"].as_str()), (503, Some("ERROR")));
    assert_eq!(api.convert(&conversion("in_f")).await.0, 503);
    let limited = api
        .request(reqwest::Method::POST, "/Conversions")
        .form(&conversion("in_f"))
        .send()
        .await
        .unwrap();
    assert_eq!(limited.status(), 429);
    let reset: u64 = limited.headers()["x-ratelimit-reset"]
        .to_str()
        .unwrap()
        .parse()
        .unwrap();
    let now = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .unwrap()
        .as_secs();
    assert!(reset >= now + 29 && reset <= now + 31, "{reset} vs {now}");
    assert_eq!(limited.headers()["x-ratelimit-remaining"], "0");
    let dropped = api
        .request(reqwest::Method::POST, "/Conversions")
        .form(&conversion("in_f"))
        .send()
        .await;
    assert!(
        dropped.is_err(),
        "the connection is closed without an answer"
    );
    let started = std::time::Instant::now();
    let (status, _) = api.convert(&conversion("in_f")).await;
    assert_eq!(status, 200);
    assert!(started.elapsed() >= Duration::from_millis(150));
    assert_eq!(
        api.convert(&conversion("in_g")).await.0,
        200,
        "faults ran out"
    );
    // Only the two requests that got through were recorded.
    assert_eq!(api.sandbox("records").await.as_array().unwrap().len(), 2);
    let refused = reqwest::Client::new()
        .post(format!("{}/_sandbox/faults", sb.impact_url()))
        .json(&json!({"kind": "explode"}))
        .send()
        .await
        .unwrap();
    assert_eq!(refused.status(), 400);
}

#[tokio::test]
async fn verdict_faults_accept_then_complete_with_their_reason() {
    let sb = impact(Duration::ZERO).await;
    let api = Impact::new(&sb);
    api.fault(json!({"kind": "verdict", "reason": "ACTIONTRACKER_NOT_FOUND"}))
        .await;
    api.fault(json!({"kind": "verdict", "reason": "CONV_DUPLICATE", "count": 2}))
        .await;
    let pending = api.sandbox("faults").await;
    assert_eq!(pending["pending"][0]["reason"], "ACTIONTRACKER_NOT_FOUND");
    assert_eq!(pending["pending"][1]["count"], 2);

    // Accepted as usual ...
    let (status, queued) = api.convert(&conversion("in_v1")).await;
    assert_eq!((status, queued["Status"].as_str()), (200, Some("QUEUED")));
    // ... an invalid request under a verdict answers its 400 and spends the fault ...
    let (status, _) = api.convert(&[("OrderId", "in_bad")]).await;
    assert_eq!(status, 400);
    // ... and the last one applies to a modification.
    let (status, modified) = api
        .modify(&[
            ("ActionTrackerId", "4000"),
            ("OrderId", "in_v1"),
            ("Reason", "ORDER_UPDATE"),
            ("Amount", "1.00"),
        ])
        .await;
    assert_eq!(status, 200);
    assert_eq!(api.sandbox("faults").await["pending"], json!([]));

    let tracker = api.submission(queued["QueuedUri"].as_str().unwrap()).await;
    assert_eq!(tracker["Status"], "Complete");
    assert_eq!(tracker["ErrorType"], "Contract Error");
    assert_eq!(tracker["ErrorReason"], "ACTIONTRACKER_NOT_FOUND");
    let duplicate = api
        .submission(modified["QueuedUri"].as_str().unwrap())
        .await;
    assert_eq!(
        (
            duplicate["Status"].as_str(),
            duplicate["ErrorType"].as_str(),
            duplicate["ErrorReason"].as_str()
        ),
        (
            Some("Complete"),
            Some("Action Error"),
            Some("CONV_DUPLICATE")
        )
    );
    assert_eq!(api.sandbox("actions").await, json!([]), "nothing created");
    let records = api.sandbox("records").await;
    let records = records.as_array().unwrap();
    assert_eq!(records.len(), 2, "the 400 is not recorded");
    assert_eq!(records[0]["params"]["OrderId"], "in_v1");
    assert_eq!(records[0]["outcome"], "ACTIONTRACKER_NOT_FOUND");
    assert_eq!(records[0]["verdict"], "ACTIONTRACKER_NOT_FOUND");
    assert_eq!(records[0]["action_id"], Value::Null);
    assert_eq!(records[1]["kind"], "modification");
    assert_eq!(records[1]["outcome"], "CONV_DUPLICATE");

    // The faults ran out: the same conversion now creates its action.
    let (_, again) = api.convert(&conversion("in_v1")).await;
    let again = api.submission(again["QueuedUri"].as_str().unwrap()).await;
    assert_eq!(
        (again["ErrorType"].as_str(), again["ErrorReason"].as_str()),
        (Some(""), Some(""))
    );
    assert_eq!(api.sandbox("actions").await.as_array().unwrap().len(), 1);

    for bad in [
        json!({"kind": "verdict"}),
        json!({"kind": "verdict", "reason": ""}),
        json!({"kind": "unavailable", "reason": "CONV_DUPLICATE"}),
    ] {
        let refused = reqwest::Client::new()
            .post(format!("{}/_sandbox/faults", sb.impact_url()))
            .json(&bad)
            .send()
            .await
            .unwrap();
        assert_eq!(refused.status(), 400, "{bad}");
    }
}

#[tokio::test]
async fn lost_answer_faults_accept_record_then_drop_the_connection() {
    let sb = impact(Duration::ZERO).await;
    let api = Impact::new(&sb);
    api.fault(json!({"kind": "lost_answer", "count": 2})).await;
    // Refused requests answer normally under the fault (and spend it).
    let (status, body) = api.convert(&[("OrderId", "in_bad")]).await;
    assert_eq!((status, body["Status"].as_str()), (400, Some("ERROR")));
    let lost = api
        .request(reqwest::Method::POST, "/Conversions")
        .form(&conversion("in_lost"))
        .send()
        .await;
    assert!(lost.is_err(), "accepted, but no answer: {lost:?}");
    assert_eq!(api.sandbox("faults").await["pending"], json!([]));

    // impact.com took it: recorded once, processed normally.
    let records = api.sandbox("records").await;
    let records = records.as_array().unwrap();
    assert_eq!(records.len(), 1);
    assert_eq!(records[0]["params"]["OrderId"], "in_lost");
    assert_eq!(records[0]["answer_lost"], true);
    assert_eq!(records[0]["outcome"], "ACTION_CREATED");
    let id = records[0]["id"].as_str().unwrap();
    let submission = api.submission(&format!("/APISubmissions/{id}")).await;
    assert_eq!(submission["Status"], "Complete");
    assert_eq!(submission["ErrorReason"], "");
    let actions = api.sandbox("actions").await;
    assert_eq!(actions[0]["OrderId"], "in_lost");

    // The sender retries what it never heard back about: impact.com deduplicates it.
    let (status, retried) = api.convert(&conversion("in_lost")).await;
    assert_eq!(status, 200, "the fault ran out");
    assert_eq!(
        api.submission(retried["QueuedUri"].as_str().unwrap()).await["ErrorReason"],
        "CONV_DUPLICATE"
    );
    assert_eq!(api.sandbox("actions").await.as_array().unwrap().len(), 1);
}
