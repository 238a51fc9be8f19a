//! The shop's own cookie, `shop_customer`: which Stripe customer this browser is (a sample
//! shop's stand-in for a login). Pure.

use std::time::Duration;

use axum_extra::extract::cookie::{Cookie, CookieJar, SameSite};

/// The cookie holding the visitor's Stripe customer id.
pub const CUSTOMER_COOKIE: &str = "shop_customer";

/// The browser kit's cookie (and clicktrail-tower's landing cookie).
pub const CLICK_ID_COOKIE: &str = "impact_click_id";

/// The visitor's customer id, when the cookie holds a well-formed one (`cus_` and letters or
/// digits), so it can go into a Stripe path as it is.
pub fn customer_id(jar: &CookieJar) -> Option<String> {
    let value = jar.get(CUSTOMER_COOKIE)?.value();
    let rest = value.strip_prefix("cus_")?;
    (!rest.is_empty() && rest.len() < 100 && rest.bytes().all(|b| b.is_ascii_alphanumeric()))
        .then(|| value.to_owned())
}

/// Remembers `customer` in this browser for 30 days (`HttpOnly`: no script needs it).
pub fn remember(jar: CookieJar, customer: &str) -> CookieJar {
    let cookie = Cookie::build((CUSTOMER_COOKIE, customer.to_owned()))
        .path("/")
        .http_only(true)
        .same_site(SameSite::Lax)
        .max_age(
            Duration::from_secs(30 * 24 * 3600)
                .try_into()
                .unwrap_or_default(),
        );
    jar.add(cookie)
}

/// Forgets the customer and the click id: the next page is seen as a new visitor's.
pub fn forget(jar: CookieJar) -> CookieJar {
    jar.remove(Cookie::build(CUSTOMER_COOKIE).path("/"))
        .remove(Cookie::build(CLICK_ID_COOKIE).path("/"))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn only_well_formed_customer_ids_are_read() {
        let jar = |v: &str| CookieJar::new().add(Cookie::new(CUSTOMER_COOKIE, v.to_owned()));
        assert_eq!(customer_id(&jar("cus_Ab12")).as_deref(), Some("cus_Ab12"));
        for bad in ["", "cus_", "sub_1", "cus_1/../x", "cus_1?x=1"] {
            assert_eq!(customer_id(&jar(bad)), None, "{bad:?}");
        }
        assert_eq!(customer_id(&CookieJar::new()), None);
    }

    #[test]
    fn the_customer_cookie_is_http_only_and_lax() {
        let jar = remember(CookieJar::new(), "cus_1");
        let cookie = jar.get(CUSTOMER_COOKIE).unwrap();
        assert_eq!(cookie.http_only(), Some(true));
        assert_eq!(cookie.same_site(), Some(SameSite::Lax));
        assert_eq!(cookie.path(), Some("/"));
    }
}
