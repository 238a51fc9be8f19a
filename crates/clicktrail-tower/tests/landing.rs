//! Landing capture: the `Set-Cookie` of a `GET` whose query carries a click id, over http and
//! https, first vs last attribution, consent, and when no cookie is set.

use std::convert::Infallible;
use std::time::Duration;

use bytes::Bytes;
use clicktrail_tower::{
    Attribution, CaptureClickIdLayer, ClickId, Consent, ConsentCookie, LandingCookie, ReplayBody,
};
use http::request::Parts;
use http::{Request, Response, header};
use http_body_util::Full;
use tower::{ServiceBuilder, ServiceExt};

/// The `Set-Cookie` values of the response to `request`, each split into sorted attributes.
async fn set_cookies<C>(
    layer: CaptureClickIdLayer<C>,
    request: Request<Full<Bytes>>,
) -> Vec<Vec<String>>
where
    C: Consent + Clone + Send + 'static,
{
    set_cookies_with(layer, request, None).await
}

/// Like [`set_cookies`], with a handler that itself sets `handler_cookie`.
async fn set_cookies_with<C>(
    layer: CaptureClickIdLayer<C>,
    request: Request<Full<Bytes>>,
    handler_cookie: Option<&'static str>,
) -> Vec<Vec<String>>
where
    C: Consent + Clone + Send + 'static,
{
    let service = ServiceBuilder::new().layer(layer).service_fn(
        move |_: Request<ReplayBody<Full<Bytes>>>| async move {
            let mut response = Response::new(());
            if let Some(cookie) = handler_cookie {
                response
                    .headers_mut()
                    .append(header::SET_COOKIE, cookie.parse().unwrap());
            }
            Ok::<_, Infallible>(response)
        },
    );
    let response = service.oneshot(request).await.unwrap();
    response
        .headers()
        .get_all(header::SET_COOKIE)
        .iter()
        .map(|value| {
            let mut attributes: Vec<String> = value
                .to_str()
                .unwrap()
                .split("; ")
                .map(str::to_owned)
                .collect();
            attributes.sort();
            attributes
        })
        .collect()
}

fn get(uri: &str) -> http::request::Builder {
    Request::get(uri)
}

fn done(builder: http::request::Builder) -> Request<Full<Bytes>> {
    builder.body(Full::default()).unwrap()
}

#[tokio::test]
async fn over_http_the_cookie_is_lax_not_secure_not_http_only() {
    let cookies = set_cookies(
        CaptureClickIdLayer::new(),
        done(get("/?irclickid=Qx9%3Aabc")),
    )
    .await;
    assert_eq!(
        cookies,
        [[
            "Max-Age=2592000",
            "Path=/",
            "SameSite=Lax",
            "impact_click_id=Qx9:abc"
        ]],
        "30 days, no Secure over http, never HttpOnly"
    );
}

#[tokio::test]
async fn over_https_the_cookie_is_secure() {
    let secure = [
        "Max-Age=2592000",
        "Path=/",
        "SameSite=Lax",
        "Secure",
        "impact_click_id=abc",
    ];
    let not_secure = [
        "Max-Age=2592000",
        "Path=/",
        "SameSite=Lax",
        "impact_click_id=abc",
    ];
    let layer = CaptureClickIdLayer::new;

    // The scheme in the URI (absolute-form, as HTTP/2 servers see).
    let request = done(get("https://shop.example/?im_ref=abc"));
    assert_eq!(set_cookies(layer(), request).await, [secure]);

    // X-Forwarded-Proto only when trusted.
    let forwarded = || done(get("/?im_ref=abc").header("x-forwarded-proto", "https"));
    assert_eq!(set_cookies(layer(), forwarded()).await, [not_secure]);
    let trusting = layer().landing_cookie(LandingCookie::new().trust_forwarded_proto(true));
    assert_eq!(set_cookies(trusting.clone(), forwarded()).await, [secure]);
    let plain = done(get("/?im_ref=abc").header("x-forwarded-proto", "http"));
    assert_eq!(set_cookies(trusting, plain).await, [not_secure]);

    // Forced by configuration.
    let forced = layer().landing_cookie(LandingCookie::new().force_secure(true));
    assert_eq!(
        set_cookies(forced, done(get("/?im_ref=abc"))).await,
        [secure]
    );
}

#[tokio::test]
async fn lifetime_domain_and_name_are_configurable() {
    let cookie = LandingCookie::new()
        .name("partner_click")
        .unwrap()
        .max_age(Duration::from_secs(90 * 24 * 60 * 60))
        .domain("shop.example")
        .unwrap();
    let layer = CaptureClickIdLayer::new().landing_cookie(cookie);
    assert_eq!(
        set_cookies(layer, done(get("/?irclickid=abc"))).await,
        [[
            "Domain=shop.example",
            "Max-Age=7776000",
            "Path=/",
            "SameSite=Lax",
            "partner_click=abc"
        ]]
    );
}

#[tokio::test]
async fn last_click_replaces_a_different_cookie_but_not_the_same_one() {
    let layer = CaptureClickIdLayer::new;
    let request = done(get("/?irclickid=New").header("cookie", "impact_click_id=Old"));
    let cookies = set_cookies(layer(), request).await;
    assert_eq!(cookies.len(), 1);
    assert!(cookies[0].contains(&"impact_click_id=New".to_owned()));

    // The cookie already holds this value: nothing to send.
    let request = done(get("/?irclickid=Same").header("cookie", "impact_click_id=Same"));
    assert!(set_cookies(layer(), request).await.is_empty());
}

#[tokio::test]
async fn first_click_keeps_an_existing_valid_cookie() {
    let first = || {
        CaptureClickIdLayer::new()
            .landing_cookie(LandingCookie::new().attribution(Attribution::First))
    };
    let request = done(get("/?irclickid=New").header("cookie", "impact_click_id=Old"));
    assert!(set_cookies(first(), request).await.is_empty());

    // No cookie yet, or an invalid one: set.
    let cookies = set_cookies(first(), done(get("/?irclickid=New"))).await;
    assert!(cookies[0].contains(&"impact_click_id=New".to_owned()));
    let request = done(get("/?irclickid=New").header("cookie", "impact_click_id=not valid"));
    let cookies = set_cookies(first(), request).await;
    assert!(cookies[0].contains(&"impact_click_id=New".to_owned()));
}

#[tokio::test]
async fn consent_decides() {
    let denied = CaptureClickIdLayer::new().consent(|_: &Parts| false);
    assert!(
        set_cookies(denied, done(get("/?irclickid=abc")))
            .await
            .is_empty()
    );
    assert!(
        set_cookies(
            CaptureClickIdLayer::new().consent(false),
            done(get("/?irclickid=abc"))
        )
        .await
        .is_empty()
    );

    // A hook that reads the request: the consent banner's own cookie.
    let from_banner = CaptureClickIdLayer::new().consent(|parts: &Parts| {
        parts
            .headers
            .get(header::COOKIE)
            .and_then(|v| v.to_str().ok())
            .is_some_and(|v| v.split("; ").any(|c| c == "consent=yes"))
    });
    let without = done(get("/?irclickid=abc").header("cookie", "consent=no"));
    assert!(set_cookies(from_banner.clone(), without).await.is_empty());
    let with = done(get("/?irclickid=abc").header("cookie", "consent=yes"));
    assert_eq!(set_cookies(from_banner, with).await.len(), 1);
}

#[tokio::test]
async fn the_default_sets_the_cookie_without_asking() {
    // Backwards compatible: no consent configured means granted (see the landing docs).
    let request = done(get("/?irclickid=abc").header("cookie", "consent=no"));
    assert_eq!(
        set_cookies(CaptureClickIdLayer::new(), request).await.len(),
        1
    );
}

#[tokio::test]
async fn a_consent_cookie_decides_from_the_request() {
    let layer =
        || CaptureClickIdLayer::new().consent(ConsentCookie::new("consent", "yes").unwrap());
    let granted = done(get("/?irclickid=abc").header("cookie", "theme=dark; consent=yes"));
    let cookies = set_cookies(layer(), granted).await;
    assert_eq!(cookies.len(), 1);
    assert!(cookies[0].contains(&"impact_click_id=abc".to_owned()));
    for refused in [
        done(get("/?irclickid=abc")),
        done(get("/?irclickid=abc").header("cookie", "consent=no")),
        done(get("/?irclickid=abc").header("cookie", "consent=yes-but-not")),
    ] {
        let what = format!("{:?}", refused.headers());
        assert!(set_cookies(layer(), refused).await.is_empty(), "{what}");
    }
}

#[tokio::test]
async fn without_consent_the_click_id_is_still_captured_for_the_request() {
    // The handler answers with the click id it was given.
    let seen = |layer: CaptureClickIdLayer<ConsentCookie>, request: Request<Full<Bytes>>| async {
        let service = ServiceBuilder::new().layer(layer).service_fn(
            |request: Request<ReplayBody<Full<Bytes>>>| async move {
                let id = request
                    .extensions()
                    .get::<ClickId>()
                    .map(ClickId::to_string);
                Ok::<_, Infallible>(Response::new(id))
            },
        );
        let response = service.oneshot(request).await.unwrap();
        let set_cookie = response.headers().contains_key(header::SET_COOKIE);
        (response.into_body(), set_cookie)
    };
    let layer =
        || CaptureClickIdLayer::new().consent(ConsentCookie::new("consent", "yes").unwrap());

    let (id, set_cookie) = seen(layer(), done(get("/?irclickid=Qx9%3Aabc"))).await;
    assert_eq!(id.as_deref(), Some("Qx9:abc"), "captured for this request");
    assert!(!set_cookie, "but not stored in the browser");

    let request = done(get("/?irclickid=Qx9%3Aabc").header("cookie", "consent=yes"));
    let (id, set_cookie) = seen(layer(), request).await;
    assert_eq!(id.as_deref(), Some("Qx9:abc"));
    assert!(set_cookie);

    // A checkout form posted without consent carries its click id too.
    let request = Request::post("/checkout")
        .header("content-type", "application/x-www-form-urlencoded")
        .body(Full::from("impact_ClickId=Form1"))
        .unwrap();
    let (id, set_cookie) = seen(layer(), request).await;
    assert_eq!(id.as_deref(), Some("Form1"));
    assert!(!set_cookie);
}

#[tokio::test]
async fn only_a_get_with_a_valid_query_click_id_lands() {
    let layer = CaptureClickIdLayer::new;
    let not_landings = [
        done(Request::post("/?irclickid=abc")),
        done(Request::head("/?irclickid=abc")),
        done(get("/?irclickid=bad%3")),
        done(get("/").header("x-impact-click-id", "abc")),
        done(get("/").header("cookie", "impact_click_id=abc")),
    ];
    for request in not_landings {
        let what = format!(
            "{} {} {:?}",
            request.method(),
            request.uri(),
            request.headers()
        );
        assert!(set_cookies(layer(), request).await.is_empty(), "{what}");
    }
    let off = layer().without_landing_cookie();
    assert!(
        set_cookies(off, done(get("/?irclickid=abc")))
            .await
            .is_empty()
    );
}

#[tokio::test]
async fn a_cookie_set_by_the_handler_wins() {
    let cookies = set_cookies_with(
        CaptureClickIdLayer::new(),
        done(get("/?irclickid=abc")),
        Some("impact_click_id=FromHandler; Path=/"),
    )
    .await;
    assert_eq!(cookies, [["Path=/", "impact_click_id=FromHandler"]]);

    // Other cookies of the handler are kept next to ours.
    let cookies = set_cookies_with(
        CaptureClickIdLayer::new(),
        done(get("/?irclickid=abc")),
        Some("session=1"),
    )
    .await;
    assert_eq!(cookies.len(), 2);
    assert_eq!(cookies[0], ["session=1"]);
    assert!(cookies[1].contains(&"impact_click_id=abc".to_owned()));
}
