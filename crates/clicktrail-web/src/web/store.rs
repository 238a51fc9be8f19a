//! Keeping the click id: the first-party cookie, and the localStorage mirror when the cookie is
//! not kept.

use alloc::string::String;

use clicktrail_clickid::ClickId;

use super::sys::{self, DOCUMENT, GLOBAL, Storage};
use super::report;
use crate::cookie::{self, CookieAttributes};
use crate::storage::{self, Record};
use crate::{Options, Warning};

/// The click id held by the cookie, else by an unexpired mirror record. Invalid values are
/// ignored (and reported); an expired or foreign mirror record is removed.
pub fn load(options: &Options, now_ms: f64) -> Option<ClickId> {
    if let Some(value) = read_cookie(&options.cookie_name) {
        match ClickId::new(&value) {
            Ok(id) => return Some(id),
            Err(_) => report(Warning::InvalidClickId),
        }
    }
    let storage = local_storage()?;
    let record = storage.get_item(&options.cookie_name).ok()??;
    match storage::decode_record(&record, now_ms) {
        Record::Valid(id) => Some(id),
        Record::Expired | Record::Invalid => {
            let _ = storage.remove_item(&options.cookie_name);
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
    let mut kept = read_cookie(name).as_deref() == Some(id.as_str());
    if !kept {
        let attributes = CookieAttributes {
            max_age: options.max_age,
            domain: options.cookie_domain.as_deref(),
            secure: DOCUMENT.with(sys::Document::url).starts_with("https:"),
        };
        let line = cookie::set_cookie_string(name, id.as_str(), attributes);
        let _ = DOCUMENT.with(|document| document.set_cookie(&line));
        kept = read_cookie(name).as_deref() == Some(id.as_str());
        if !kept {
            report(Warning::CookieNotKept);
        }
    }

    let Some(storage) = local_storage() else {
        if !kept {
            report(Warning::NothingKept);
        }
        return;
    };
    let current = storage.get_item(name).ok().flatten();
    if let Some(record) = current
        && storage::decode_record(&record, now_ms) == Record::Valid(id.clone())
    {
        return;
    }
    let record = storage::encode_record(id, storage::expires_at(now_ms, options.max_age));
    if storage.set_item(name, &record).is_err() && !kept {
        report(Warning::NothingKept);
    }
}

fn read_cookie(name: &str) -> Option<String> {
    let cookies = DOCUMENT.with(sys::Document::cookie).ok()?;
    cookie::find_cookie(&cookies, name).map(String::from)
}

fn local_storage() -> Option<Storage> {
    GLOBAL.with(sys::Global::local_storage).ok().flatten()
}
