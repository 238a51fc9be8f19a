//! `clicktrail check`: one cheap call per Stripe permission the forwarder needs, and one
//! harmless authenticated request to impact.com.
//!
//! Reads are probed with `GET /v1/<resource>?limit=1`. Write access to webhook endpoints, which
//! only `clicktrail setup` needs, is probed by updating an endpoint that does not exist: a key
//! allowed to write gets Stripe's 404, a key that is not gets the 403 naming
//! `rak_webhook_endpoint_write`, and nothing changes either way. That line is marked as needed by
//! setup only and does not fail the check: the service runs best on a read-only key, and setup
//! can be run once with a broader one (see the README's operator section).
//!
//! [`STRIPE_PROBES`] and [`CheckReport`] (the verdict and the table) are pure; [`run`] does the
//! calls.

use std::fmt::Write;

use clicktrail_impact::{ImpactClient, Probe};
use clicktrail_stripe::Error as StripeError;
use clicktrail_stripe::client::{Form, StripeClient};

/// Who needs a permission.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Need {
    /// The service (`serve`, `backfill`, reconcile): a missing one fails the check.
    Service,
    /// `clicktrail setup` only: reported, does not fail the check.
    Setup,
}

/// How a permission is probed.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ProbeCall {
    /// `GET path?limit=1`.
    List(&'static str),
    /// `POST path` on an object that does not exist: 404 means allowed.
    UpdateMissing(&'static str),
}

/// One Stripe permission the forwarder needs.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct StripeProbe {
    /// What is shown in the table.
    pub what: &'static str,
    /// The call.
    pub call: ProbeCall,
    /// Who needs it.
    pub need: Need,
}

const fn read(what: &'static str, path: &'static str) -> StripeProbe {
    StripeProbe {
        what,
        call: ProbeCall::List(path),
        need: Need::Service,
    }
}

/// Every Stripe permission probed, in the order shown.
pub const STRIPE_PROBES: [StripeProbe; 9] = [
    read("Stripe: read subscriptions", "/v1/subscriptions"),
    read("Stripe: read customers", "/v1/customers"),
    read("Stripe: read invoices", "/v1/invoices"),
    read("Stripe: read invoice payments", "/v1/invoice_payments"),
    read("Stripe: read charges", "/v1/charges"),
    read("Stripe: read checkout sessions", "/v1/checkout/sessions"),
    read("Stripe: read events", "/v1/events"),
    read("Stripe: read webhook endpoints", "/v1/webhook_endpoints"),
    StripeProbe {
        what: "Stripe: write webhook endpoints",
        call: ProbeCall::UpdateMissing("/v1/webhook_endpoints/we_clicktrailcheck"),
        need: Need::Setup,
    },
];

/// The result of one probe.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Status {
    /// Allowed.
    Ok,
    /// Refused for lack of permission (Stripe's 403, impact's 401).
    Missing,
    /// Could not tell: the key was refused, the API unreachable, an unexpected answer.
    Failed,
}

/// One line of the table.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct CheckLine {
    /// What was probed.
    pub what: String,
    /// Who needs it.
    pub need: Need,
    /// The result.
    pub status: Status,
    /// Stripe's or impact.com's message, or a short explanation.
    pub detail: String,
}

/// Every line, and the verdict.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct CheckReport {
    /// In the order probed.
    pub lines: Vec<CheckLine>,
}

impl CheckReport {
    /// Whether everything the service needs is there.
    pub fn passed(&self) -> bool {
        self.lines
            .iter()
            .all(|l| l.status == Status::Ok || l.need == Need::Setup)
    }

    /// The table: what, result, message.
    ///
    /// ```
    /// use clicktrail_forwarder::account::{CheckLine, CheckReport, Need, Status};
    ///
    /// let report = CheckReport { lines: vec![CheckLine {
    ///     what: "Stripe: read events".into(), need: Need::Service,
    ///     status: Status::Ok, detail: String::new(),
    /// }] };
    /// assert!(report.passed());
    /// assert!(report.table().contains("Stripe: read events"));
    /// ```
    pub fn table(&self) -> String {
        let width = self
            .lines
            .iter()
            .map(|l| l.what.len())
            .max()
            .unwrap_or(0)
            .max("what".len());
        let mut out = String::new();
        let _ = writeln!(out, "{:width$}  {:<28}  message", "what", "result");
        for line in &self.lines {
            let result = match (line.status, line.need) {
                (Status::Ok, _) => "ok",
                (Status::Missing, Need::Service) => "MISSING",
                (Status::Missing, Need::Setup) => "missing (needed by setup)",
                (Status::Failed, Need::Service) => "FAILED",
                (Status::Failed, Need::Setup) => "failed (needed by setup)",
            };
            let _ = writeln!(
                out,
                "{:width$}  {result:<28}  {}",
                line.what,
                line.detail.replace('\n', " ")
            );
        }
        out
    }
}

/// Reads what a Stripe probe's answer says.
pub fn judge(probe: &StripeProbe, result: Result<(), StripeError>) -> (Status, String) {
    match result {
        Ok(()) => (Status::Ok, String::new()),
        Err(e) if matches!(probe.call, ProbeCall::UpdateMissing(_)) && e.is_not_found() => (
            Status::Ok,
            "allowed (probed by updating an endpoint that does not exist)".into(),
        ),
        Err(StripeError::PermissionDenied {
            permission: Some(permission),
            message,
            ..
        }) => (
            Status::Missing,
            format!("grant {permission}. Stripe: {message}"),
        ),
        Err(StripeError::PermissionDenied { message, .. }) => (Status::Missing, message),
        Err(e) => (Status::Failed, e.to_string()),
    }
}

/// Reads what impact.com's answer says.
pub fn judge_impact(probe: Probe) -> (Status, String) {
    match probe {
        Probe::Ok => (Status::Ok, String::new()),
        Probe::Unauthorized => (
            Status::Missing,
            "impact.com refused the Account SID or the Auth Token (401)".into(),
        ),
        Probe::Forbidden => (
            Status::Ok,
            "the credentials are valid; this token may not read company information (403), which sending does not need".into(),
        ),
        Probe::Failed { reason, .. } => (Status::Failed, reason),
    }
}

/// Runs every probe.
pub async fn run(stripe: &StripeClient, impact: &ImpactClient) -> CheckReport {
    let mut lines = Vec::with_capacity(STRIPE_PROBES.len() + 1);
    for probe in &STRIPE_PROBES {
        let result = match probe.call {
            ProbeCall::List(path) => stripe.get(path, &Form::new().push("limit", "1")).await,
            ProbeCall::UpdateMissing(path) => stripe.post(path, &Form::new()).await,
        };
        let (status, detail) = judge(probe, result.map(|_| ()));
        lines.push(CheckLine {
            what: probe.what.to_owned(),
            need: probe.need,
            status,
            detail,
        });
    }
    let (status, detail) = judge_impact(impact.probe().await);
    lines.push(CheckLine {
        what: format!("impact.com: credentials of {}", impact.account_sid()),
        need: Need::Service,
        status,
        detail,
    });
    CheckReport { lines }
}

#[cfg(test)]
mod tests {
    use clicktrail_stripe::client::classify_error;

    use super::*;

    fn denied(permission: &str) -> StripeError {
        let body = format!(
            r#"{{"error":{{"type":"invalid_request_error","message":"The provided key 'rk_test_***' does not have the required permissions for this endpoint on account 'acct_1'. Having the '{permission}' permission would allow this request to continue."}}}}"#
        );
        classify_error(403, body.as_bytes(), None)
    }

    #[test]
    fn a_missing_read_fails_the_check_and_names_the_permission() {
        let subs = &STRIPE_PROBES[0];
        let (status, detail) = judge(subs, Err(denied("rak_subscription_read")));
        assert_eq!(status, Status::Missing);
        assert!(
            detail.starts_with("grant rak_subscription_read. Stripe: The provided key"),
            "{detail}"
        );
        let report = CheckReport {
            lines: vec![CheckLine {
                what: subs.what.into(),
                need: subs.need,
                status,
                detail,
            }],
        };
        assert!(!report.passed());
        assert!(report.table().contains("MISSING"), "{}", report.table());
    }

    #[test]
    fn the_write_probe_reads_not_found_as_allowed_and_never_fails_the_check() {
        let write = STRIPE_PROBES
            .iter()
            .find(|p| p.need == Need::Setup)
            .unwrap();
        let not_found = classify_error(
            404,
            br#"{"error":{"type":"invalid_request_error","code":"resource_missing","message":"No such webhook endpoint: 'we_clicktrailcheck'"}}"#,
            None,
        );
        assert_eq!(judge(write, Err(not_found)).0, Status::Ok);
        // A read probe's 404 is not "allowed".
        let not_found_read = classify_error(404, b"{}", None);
        assert_eq!(
            judge(&STRIPE_PROBES[0], Err(not_found_read)).0,
            Status::Failed
        );
        let (status, detail) = judge(write, Err(denied("rak_webhook_endpoint_write")));
        assert_eq!(status, Status::Missing);
        let report = CheckReport {
            lines: vec![CheckLine {
                what: write.what.into(),
                need: Need::Setup,
                status,
                detail,
            }],
        };
        assert!(report.passed());
        assert!(
            report.table().contains("missing (needed by setup)"),
            "{}",
            report.table()
        );
    }

    #[test]
    fn impact_answers() {
        assert_eq!(judge_impact(Probe::Ok).0, Status::Ok);
        assert_eq!(judge_impact(Probe::Unauthorized).0, Status::Missing);
        assert_eq!(judge_impact(Probe::Forbidden).0, Status::Ok);
        let (status, detail) = judge_impact(Probe::Failed {
            status: None,
            reason: "connection refused".into(),
        });
        assert_eq!(
            (status, detail.as_str()),
            (Status::Failed, "connection refused")
        );
    }
}
