//! `clicktrail explain` end to end: the built binary run on the sequences in `tests/data/` and on
//! the repository's fixtures; stdout holds one JSON object per event and nothing else.

use std::path::{Path, PathBuf};
use std::process::{Command, Output};

use serde_json::{Value, json};

fn data(name: &str) -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("tests/data")
        .join(name)
}

fn fixture(name: &str) -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("../../fixtures/stripe-events")
        .join(name)
}

fn explain(args: &[&Path]) -> Output {
    Command::new(env!("CARGO_BIN_EXE_clicktrail"))
        .arg("explain")
        .args(args)
        .env_remove("CLICKTRAIL_RULES__REFUND_DELAY")
        .output()
        .unwrap()
}

/// Every stdout line parsed as JSON (fails when a line is not a JSON object).
fn lines(output: &Output) -> Vec<Value> {
    let stdout = String::from_utf8(output.stdout.clone()).unwrap();
    stdout
        .lines()
        .map(|line| {
            let value: Value = serde_json::from_str(line).unwrap_or_else(|e| panic!("{e}: {line}"));
            assert!(value.is_object(), "{line}");
            value
        })
        .collect()
}

fn decisions(values: &[Value]) -> Vec<&str> {
    values
        .iter()
        .map(|v| v["decision"].as_str().unwrap_or("error"))
        .collect()
}

fn created(path: &Path, event: &str) -> i64 {
    let text = std::fs::read_to_string(path).unwrap();
    text.lines()
        .filter_map(|l| serde_json::from_str::<Value>(l).ok())
        .find(|v| v["id"] == event)
        .and_then(|v| v["created"].as_i64())
        .unwrap()
}

fn rfc3339(unix: i64) -> String {
    clicktrail_impact::format_event_date(unix).unwrap()
}

#[test]
fn invoice_then_partial_refunds_then_the_full_refund() {
    let path = data("invoice-then-refunds.jsonl");
    let out = explain(&[&path]);
    assert!(out.status.success(), "{out:?}");
    let v = lines(&out);
    assert_eq!(decisions(&v), ["send", "send", "send", "send"]);

    // The documented shape, exactly, for the conversion.
    let expected = json!({
        "event": "evt_inv_paid", "type": "invoice.paid", "decision": "send",
        "not_before": rfc3339(created(&path, "evt_inv_paid")),
        "request": {"method": "POST", "path": "/Advertisers/IRsandbox/Conversions", "params": {
            "CampaignId": "1000", "EventTypeId": "2000", "OrderId": "in_seq1", "ClickId": "CLICKseq1",
            "EventDate": "2026-11-27T01:04:58Z", "CustomerId": "cus_seq1",
            "CustomerEmail": clicktrail_impact::hash_email("pat@example.com"), "CurrencyCode": "USD",
            "ItemSku1": "price_pro", "ItemName1": "1 × Pro (at $29.00 / month)", "ItemQuantity1": "1",
            "ItemSubTotal1": "29.00"
        }}
    });
    assert_eq!(v[0], expected);

    for (line, event, amount) in [(1, "evt_refund_1", "20.00"), (2, "evt_refund_2", "10.00")] {
        assert_eq!(v[line]["event"], event);
        assert_eq!(v[line]["request"]["method"], "PUT");
        assert_eq!(v[line]["request"]["path"], "/Advertisers/IRsandbox/Actions");
        assert_eq!(
            v[line]["request"]["params"],
            json!({"ActionTrackerId": "2000", "OrderId": "in_seq1", "Amount": amount, "Reason": "ITEM_RETURNED"})
        );
        assert_eq!(
            v[line]["not_before"],
            rfc3339(created(&path, event) + 3600),
            "held one hour"
        );
    }
    assert_eq!(v[3]["request"]["method"], "DELETE");
    assert_eq!(
        v[3]["request"]["params"],
        json!({"ActionTrackerId": "2000", "OrderId": "in_seq1", "DispositionCode": "ITEM_RETURNED"})
    );
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(
        stderr.contains("demo settings") && stderr.contains("IRsandbox"),
        "{stderr}"
    );
}

#[test]
fn a_checkout_session_teaches_its_invoice_the_click_id() {
    let out = explain(&[&data("checkout-then-invoice.jsonl")]);
    assert!(out.status.success());
    let v = lines(&out);
    assert_eq!(decisions(&v), ["skip", "send"]);
    assert!(v[0]["reason"].as_str().unwrap().contains("sub_seq2"));
    let params = &v[1]["request"]["params"];
    assert_eq!(
        params["ClickId"], "VVPzXcT1YxyIWNx0c5QkqWG:UkCT3cRrqz0Ow30",
        "decoded from client_reference_id"
    );
    assert_eq!(params["CurrencyCode"], "EUR");
    assert_eq!(params["ItemSubTotal1"], "19.00");
}

#[test]
fn duplicate_deliveries_send_once() {
    let out = explain(&[&data("duplicates.jsonl")]);
    let v = lines(&out);
    assert_eq!(decisions(&v), ["send", "skip", "skip"]);
    assert_eq!(
        v[0]["request"]["params"]["EventTypeId"], "2001",
        "a renewal"
    );
    assert!(
        v[1]["reason"]
            .as_str()
            .unwrap()
            .contains("duplicate delivery")
    );
    assert!(v[2]["reason"].as_str().unwrap().contains("same change"));
}

#[test]
fn an_older_refund_arriving_late_never_moves_the_amount_back_up() {
    let out = explain(&[&data("out-of-order-refunds.jsonl")]);
    let v = lines(&out);
    assert_eq!(decisions(&v), ["send", "send", "skip"]);
    assert_eq!(v[1]["request"]["params"]["Amount"], "9.00");
    assert!(
        v[2]["reason"]
            .as_str()
            .unwrap()
            .contains("never moved back up"),
        "{}",
        v[2]
    );
}

#[test]
fn a_bad_line_is_reported_and_the_rest_processed() {
    let out = explain(&[&data("bad-line.jsonl")]);
    assert_eq!(out.status.code(), Some(1));
    let v = lines(&out);
    assert_eq!(
        v.len(),
        4,
        "two events and two errors; the blank line is ignored"
    );
    assert_eq!(v[0]["decision"], "send");
    for (i, line) in [(1, 2), (2, 3)] {
        assert_eq!(v[i]["line"], line);
        assert!(v[i]["file"].as_str().unwrap().ends_with("bad-line.jsonl"));
        assert!(v[i]["error"].as_str().is_some_and(|e| !e.is_empty()));
        assert!(v[i].get("decision").is_none());
    }
    assert!(v[1]["error"].as_str().unwrap().contains("not valid JSON"));
    assert!(
        v[2]["error"]
            .as_str()
            .unwrap()
            .contains("not a Stripe event")
    );
    assert_eq!(v[3]["event"], "evt_seq5_refund");
    assert_eq!(v[3]["request"]["method"], "DELETE");
}

#[test]
fn basil_one_time_payment_and_refunds() {
    let out = explain(&[&data("basil-one-time-and-refunds.jsonl")]);
    let v = lines(&out);
    assert_eq!(decisions(&v), ["send", "send", "lookup"]);
    assert_eq!(v[0]["request"]["params"]["OrderId"], "pi_seq6");
    let note = v[0]["note"].as_str().unwrap();
    assert!(
        note.starts_with("sent as one item") && note.contains("explain does not call Stripe"),
        "{note}"
    );
    assert!(v[1].get("note").is_none(), "a refund has no note: {}", v[1]);
    assert_eq!(v[0]["request"]["params"]["CurrencyCode"], "JPY");
    assert_eq!(
        v[0]["request"]["params"]["ItemSubTotal1"], "5000",
        "5500 yen minus 500 tax, no decimals"
    );
    // 5000 yen credited of a 5500 yen charge (500 tax), 1500 refunded: the credit shrinks in
    // proportion, 5000 x 4000 / 5500 = 3636.36..., rounded half-up; not the gross 4000 left.
    assert_eq!(v[1]["request"]["params"]["Amount"], "3636");
    let needs = v[2]["needs"].as_str().unwrap();
    assert!(
        needs.contains("/v1/invoice_payments") && needs.contains("pi_other"),
        "{needs}"
    );
}

#[test]
fn files_share_knowledge_in_the_given_order_and_single_json_files_work() {
    let dir = tempfile::tempdir().unwrap();
    let all = std::fs::read_to_string(data("invoice-then-refunds.jsonl")).unwrap();
    let mut events = all
        .lines()
        .map(|l| serde_json::from_str::<Value>(l).unwrap());
    let invoice = dir.path().join("invoice.json");
    std::fs::write(
        &invoice,
        serde_json::to_string_pretty(&events.next().unwrap()).unwrap(),
    )
    .unwrap();
    let refund = dir.path().join("refund.json");
    std::fs::write(
        &refund,
        serde_json::to_string_pretty(&events.nth(2).unwrap()).unwrap(),
    )
    .unwrap();

    let v = lines(&explain(&[&invoice, &refund]));
    assert_eq!(decisions(&v), ["send", "send"]);
    assert_eq!(v[1]["request"]["method"], "DELETE");
    // The other order: the refund waits for its conversion, and is decided again (a reversal)
    // right after the invoice that pays for it.
    let v = lines(&explain(&[&refund, &invoice]));
    assert_eq!(decisions(&v), ["await_conversion", "send", "send"]);
    assert!(
        v[0]["reason"]
            .as_str()
            .unwrap()
            .starts_with("waiting for its conversion"),
        "{}",
        v[0]
    );
    assert_eq!(v[2]["event"], v[0]["event"]);
    assert_eq!(v[2]["decided_again_after"], v[1]["event"]);
    assert_eq!(v[2]["request"]["method"], "DELETE");

    // A broken pretty-printed file: one error with the line where parsing failed.
    let broken = dir.path().join("broken.json");
    std::fs::write(&broken, "{\n  \"id\": \"evt_1\",\n  \"type\": \n}\n").unwrap();
    let missing = dir.path().join("missing.json");
    let out = explain(&[&broken, &missing, &invoice]);
    assert_eq!(out.status.code(), Some(1));
    let v = lines(&out);
    assert_eq!(v[0]["line"], 4);
    assert!(v[1]["error"].as_str().unwrap().contains("cannot read"));
    assert_eq!(v[2]["decision"], "send", "the rest is still processed");
}

#[test]
fn every_shared_fixture_event_is_explained_deterministically() {
    let paths: Vec<PathBuf> = std::fs::read_dir(fixture(""))
        .unwrap()
        .map(|e| e.unwrap().path())
        .filter(|p| p.extension().is_some_and(|e| e == "json"))
        .collect();
    let mut sorted = paths.clone();
    sorted.sort();
    let refs: Vec<&Path> = sorted.iter().map(PathBuf::as_path).collect();
    let first = explain(&refs);
    let second = explain(&refs);
    assert_eq!(first.stdout, second.stdout, "deterministic");
    let v = lines(&first);
    let again = v
        .iter()
        .filter(|l| l.get("decided_again_after").is_some())
        .count();
    assert_eq!(
        v.len(),
        sorted.len() + again,
        "one line per file, and one per refund decided again after its payment"
    );
    for value in &v {
        if value.get("error").is_some() {
            // Data-only and bare-object fixtures are not events.
            assert!(
                value["error"]
                    .as_str()
                    .unwrap()
                    .contains("not a Stripe event"),
                "{value}"
            );
        } else {
            assert!(
                ["send", "skip", "lookup", "await_conversion"]
                    .contains(&value["decision"].as_str().unwrap()),
                "{value}"
            );
        }
    }
}

#[test]
fn the_config_file_sets_the_trackers_and_bad_configs_stop_before_any_output() {
    let example = Path::new(env!("CARGO_MANIFEST_DIR")).join("clicktrail.example.toml");
    let out = Command::new(env!("CARGO_BIN_EXE_clicktrail"))
        .args(["explain", "--config"])
        .arg(&example)
        .arg(data("duplicates.jsonl"))
        .output()
        .unwrap();
    assert!(out.status.success(), "{out:?}");
    let v = lines(&out);
    assert_eq!(
        v[0]["request"]["path"],
        "/Advertisers/IRxxxxxxxx/Conversions"
    );
    assert!(!String::from_utf8_lossy(&out.stderr).contains("demo"));

    let dir = tempfile::tempdir().unwrap();
    let bad = dir.path().join("bad.toml");
    std::fs::write(
        &bad,
        std::fs::read_to_string(&example)
            .unwrap()
            .replace("trial = \"signup\"", "trial = \"sometimes\""),
    )
    .unwrap();
    let out = Command::new(env!("CARGO_BIN_EXE_clicktrail"))
        .args(["explain", "--config"])
        .arg(&bad)
        .arg(data("duplicates.jsonl"))
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(2));
    assert!(out.stdout.is_empty());
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(
        stderr.contains("rules.trial")
            && stderr.contains("sometimes")
            && stderr.contains("first-payment"),
        "{stderr}"
    );

    // Environment overrides apply to explain too.
    let out = Command::new(env!("CARGO_BIN_EXE_clicktrail"))
        .args(["explain", "--config"])
        .arg(&example)
        .arg(data("invoice-then-refunds.jsonl"))
        .env("CLICKTRAIL_RULES__REFUND_DELAY", "2s")
        .output()
        .unwrap();
    let v = lines(&out);
    let path = data("invoice-then-refunds.jsonl");
    assert_eq!(
        v[1]["not_before"],
        rfc3339(created(&path, "evt_refund_1") + 2)
    );
}

#[test]
fn help_lists_explain() {
    let out = Command::new(env!("CARGO_BIN_EXE_clicktrail"))
        .arg("--help")
        .output()
        .unwrap();
    assert!(out.status.success());
    assert!(String::from_utf8_lossy(&out.stdout).contains("explain"));
    let out = Command::new(env!("CARGO_BIN_EXE_clicktrail"))
        .arg("explain")
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(2), "a path is required");
}

#[test]
fn standard_input_is_read_with_a_dash() {
    use std::io::Write as _;
    use std::process::Stdio;

    let mut child = Command::new(env!("CARGO_BIN_EXE_clicktrail"))
        .args(["explain", "-"])
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    let input = std::fs::read(data("duplicates.jsonl")).unwrap();
    child.stdin.take().unwrap().write_all(&input).unwrap();
    let out = child.wait_with_output().unwrap();
    assert!(out.status.success(), "{out:?}");
    assert_eq!(decisions(&lines(&out)), ["send", "skip", "skip"]);
}

#[test]
fn an_unreadable_input_gives_a_json_error_line_and_the_rest_is_explained() {
    let dir = tempfile::tempdir().unwrap();
    // A name that hand-formatted JSON would break: a quote, a backslash, a newline.
    let odd = dir.path().join("no \"such\" \\ file\n.jsonl");
    let missing = dir.path().join("absent.json");
    let out = explain(&[&odd, &data("duplicates.jsonl"), &missing]);
    assert_eq!(out.status.code(), Some(1), "{out:?}");
    let v = lines(&out);
    assert_eq!(v.len(), 5, "two errors and three decisions: {v:?}");
    for (line, path) in [(&v[0], &odd), (&v[4], &missing)] {
        assert_eq!(line["file"], path.display().to_string(), "{line}");
        let error = line["error"].as_str().expect("the error is a string");
        assert!(error.starts_with("cannot read the file: "), "{error}");
        assert!(line.get("decision").is_none() && line.get("line").is_none());
    }
    assert_eq!(decisions(&v[1..4]), ["send", "skip", "skip"]);
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(
        stderr.contains("2 input(s) could not be explained"),
        "{stderr}"
    );
}

#[test]
fn a_currency_whose_decimals_are_unknown_is_a_skip_with_its_reason() {
    // The same invoice in a 0-, 2- and 3-decimal currency, then in "xyz" (three letters, on none
    // of Stripe's lists): the known ones are sent as before, the unknown one is skipped.
    let invoice = |n: usize, currency: &str| {
        json!({
            "id": format!("evt_cur{n}"), "object": "event", "type": "invoice.paid", "created": 1_795_741_500,
            "data": {"object": {
                "id": format!("in_cur{n}"), "object": "invoice", "billing_reason": "subscription_create",
                "currency": currency, "amount_paid": 2900, "customer": "cus_cur",
                "parent": {"subscription_details": {"subscription": format!("sub_cur{n}"),
                           "metadata": {"impact_click_id": "CLICKcur"}}},
                "lines": {"data": [{"amount": 2900, "quantity": 1, "description": "Pro"}], "has_more": false}
            }}
        })
        .to_string()
    };
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("currencies.jsonl");
    let text: Vec<String> = ["jpy", "usd", "kwd", "xyz"]
        .iter()
        .enumerate()
        .map(|(n, c)| invoice(n, c))
        .collect();
    std::fs::write(&path, text.join("\n")).unwrap();
    let out = explain(&[&path]);
    assert!(out.status.success(), "{out:?}");
    let v = lines(&out);
    assert_eq!(decisions(&v), ["send", "send", "send", "skip"]);
    let subtotals: Vec<&Value> = v[..3]
        .iter()
        .map(|line| &line["request"]["params"]["ItemSubTotal1"])
        .collect();
    assert_eq!(subtotals, [&json!("2900"), &json!("29.00"), &json!("2.90")]);
    let xyz = clicktrail_stripe::Currency::new("xyz").unwrap();
    assert_eq!(
        v[3]["reason"],
        format!(
            "invoice in_cur3: {}",
            clicktrail_forwarder::mapping::amounts::unknown_currency(xyz)
        )
    );
    assert!(
        v[3]["reason"]
            .as_str()
            .unwrap()
            .contains("the currency XYZ has no known number of decimals"),
        "{}",
        v[3]
    );
}

#[test]
fn a_lookup_says_what_it_is_looking_for() {
    // A renewal with no click id on the invoice: the subscription is fetched for its metadata;
    // with trial = "first-payment" and no sign-up seen, first to tell whether this is its first
    // payment.
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("renewal.json");
    let event = json!({
        "id": "evt_renew", "object": "event", "type": "invoice.paid", "created": 1_795_741_500,
        "data": {"object": {
            "id": "in_renew", "object": "invoice", "billing_reason": "subscription_cycle",
            "currency": "usd", "amount_paid": 2900, "customer": "cus_renew", "created": 1_795_741_000,
            "parent": {"subscription_details": {"subscription": "sub_renew", "metadata": {}}},
            "lines": {"data": [{"amount": 2900, "quantity": 1, "description": "Pro"}], "has_more": false}
        }}
    });
    std::fs::write(&path, event.to_string()).unwrap();

    let v = lines(&explain(&[&path]));
    assert_eq!(decisions(&v), ["lookup"]);
    let needs = v[0]["needs"].as_str().unwrap();
    assert!(
        needs.starts_with("GET /v1/subscriptions/sub_renew (")
            && needs.contains("click id in its metadata"),
        "{needs}"
    );

    let example = Path::new(env!("CARGO_MANIFEST_DIR")).join("clicktrail.example.toml");
    let out = Command::new(env!("CARGO_BIN_EXE_clicktrail"))
        .args(["explain", "--config"])
        .arg(&example)
        .arg(&path)
        .env("CLICKTRAIL_RULES__TRIAL", "first-payment")
        .output()
        .unwrap();
    assert!(out.status.success(), "{out:?}");
    let v = lines(&out);
    assert_eq!(decisions(&v), ["lookup"]);
    let needs = v[0]["needs"].as_str().unwrap();
    assert!(
        needs.starts_with("GET /v1/subscriptions/sub_renew (")
            && needs.contains("whether this invoice is its first payment")
            && !needs.contains("click id"),
        "{needs}"
    );
}
