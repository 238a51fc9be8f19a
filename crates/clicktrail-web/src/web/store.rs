//! Keeping the click id: the first-party cookie, and the localStorage mirror next to it.

use clicktrail_clickid::ClickId;

use super::{report, sys};
use crate::cookie::{self, CookieAttributes};
use crate::storage::{self, Record};
use crate::{Options, Warning};

/// The click id held by the cookie, else by an unexpired mirror record. An invalid cookie value
/// is ignored (and reported); an expired or foreign mirror record is removed.
pub fn load(options: &Options, now_ms: f64) -> Option<ClickId> {
    let name = options.cookie_name.as_str();
    if let Some(value) = cookie::find_cookie(&sys::get_cookie(), name) {
        match ClickId::new(value) {
            Ok(id) => return Some(id),
            Err(_) => report(Warning::InvalidClickId),
        }
    }
    match storage::decode_record(&sys::get_item(name)?, now_ms) {
        Record::Valid(id) => Some(id),
        Record::Expired | Record::Invalid => {
            sys::remove_item(name);
            None
        }
    }
}

/// Stores `id` in the cookie and the mirror, unless they already hold it: a cookie with the
/// same value is never rewritten (it may have been set by the server, which Safari does not cap
/// at 7 days as it does script-written cookies), and an unexpired mirror record with the same
/// value keeps its expiry.
pub fn save(options: &Options, id: &ClickId, now_ms: f64) {
    let name = options.cookie_name.as_str();
    let mut kept = cookie_holds(name, id);
    if !kept {
        let attributes = CookieAttributes {
            max_age: options.max_age,
            domain: options.cookie_domain.as_deref(),
            secure: sys::is_https(),
        };
        sys::set_cookie(&cookie::set_cookie_string(name, id.as_str(), attributes));
        kept = cookie_holds(name, id);
        if !kept {
            report(Warning::CookieNotKept);
        }
    }

    let mirrored = sys::get_item(name).is_some_and(|record| {
        matches!(storage::decode_record(&record, now_ms), Record::Valid(held) if held == *id)
    });
    if !mirrored {
        let record = storage::encode_record(id, storage::expires_at(now_ms, options.max_age));
        if !sys::set_item(name, &record) && !kept {
            report(Warning::NothingKept);
        }
    }
}

/// Deletes what the kit keeps: the cookie (host-only, and on the `cookieDomain` too when there
/// is one, as the kit writes it then) and the mirror record.
pub fn forget(options: &Options) {
    let name = options.cookie_name.as_str();
    let domain = options.cookie_domain.as_deref();
    let mut attributes = CookieAttributes {
        max_age: 0,
        domain: None,
        secure: sys::is_https(),
    };
    sys::set_cookie(&cookie::set_cookie_string(name, "", attributes));
    if domain.is_some() {
        attributes.domain = domain;
        sys::set_cookie(&cookie::set_cookie_string(name, "", attributes));
    }
    sys::remove_item(name);
}

fn cookie_holds(name: &str, id: &ClickId) -> bool {
    cookie::find_cookie(&sys::get_cookie(), name) == Some(id.as_str())
}
