//! The shop's pages: each `www/<name>.html` holds one page's own part (what goes between the
//! site's header and footer), and `www/_layout.html` the rest, written once. A page's first
//! line names its title, and optionally a class for `<body>`:
//!
//! ```html
//! <!-- page: title="Pricing" body="wide" -->
//! <main>…</main>
//! ```
//!
//! The layout's `{title}`, `{body_class}` and `{content}` are filled in, and the navigation link
//! to the page itself is marked `aria-current="page"`. Everything else in `www/` (styles,
//! scripts, the browser kit) is served as it is.

use std::path::Path;

use axum::extract::{Request, State};
use axum::http::StatusCode;
use axum::response::{Html, IntoResponse, Response};

use tower_http::services::ServeDir;

use crate::AppState;

/// `GET /`: the home page.
pub async fn home(State(state): State<AppState>) -> Response {
    serve(&state.www_dir, "index").await
}

/// Everything the routes do not name: `/{name}.html` is a page, anything else a file of `www/`
/// served as it is.
pub async fn page_or_file(State(state): State<AppState>, request: Request) -> Response {
    let page = request
        .uri()
        .path()
        .strip_prefix('/')
        .and_then(|p| p.strip_suffix(".html"))
        .map(str::to_owned);
    match page {
        Some(name) if is_page_name(&name) => serve(&state.www_dir, &name).await,
        // `_layout.html` and anything else that is not a page name.
        Some(_) => (StatusCode::NOT_FOUND, "no such page\n").into_response(),
        None => match ServeDir::new(&state.www_dir).try_call(request).await {
            Ok(response) => response.into_response(),
            Err(e) => (StatusCode::INTERNAL_SERVER_ERROR, format!("{e}\n")).into_response(),
        },
    }
}

/// Page names are lower-case words joined by `-`: nothing else is read from disk (no `..`, no
/// `_layout`).
fn is_page_name(name: &str) -> bool {
    !name.is_empty()
        && name
            .bytes()
            .all(|b| b.is_ascii_lowercase() || b.is_ascii_digit() || b == b'-')
}

async fn serve(www: &Path, name: &str) -> Response {
    let read = |file: String| async move { tokio::fs::read_to_string(www.join(file)).await };
    let (layout, own) = match (
        read("_layout.html".into()).await,
        read(format!("{name}.html")).await,
    ) {
        (Ok(layout), Ok(own)) => (layout, own),
        (Err(e), _) => {
            return (
                StatusCode::INTERNAL_SERVER_ERROR,
                format!("www/_layout.html: {e}\n"),
            )
                .into_response();
        }
        (_, Err(_)) => return (StatusCode::NOT_FOUND, "no such page\n").into_response(),
    };
    match assemble(&layout, name, &own) {
        Ok(html) => Html(html).into_response(),
        Err(problem) => (
            StatusCode::INTERNAL_SERVER_ERROR,
            format!("www/{name}.html: {problem}\n"),
        )
            .into_response(),
    }
}

/// The page `name` whose own part is `own`, in `layout`. Pure, for the tests.
pub fn assemble(layout: &str, name: &str, own: &str) -> Result<String, String> {
    let (first, content) = own.split_once('\n').unwrap_or((own, ""));
    let header = first
        .trim()
        .strip_prefix("<!-- page:")
        .and_then(|rest| rest.strip_suffix("-->"))
        .ok_or("the first line must be <!-- page: title=\"…\" -->")?;
    let title = attribute(header, "title").ok_or("the first line names no title")?;
    let body_class =
        attribute(header, "body").map_or_else(String::new, |c| format!(" class=\"{c}\""));
    let current = format!("href=\"/{name}.html\"");
    Ok(layout
        .replace(&current, &format!("{current} aria-current=\"page\""))
        .replace("{title}", title)
        .replace("{body_class}", &body_class)
        .replace("{content}", content.trim_end()))
}

/// `key="value"` in `text`.
fn attribute<'a>(text: &'a str, key: &str) -> Option<&'a str> {
    let start = text.find(&format!("{key}=\""))? + key.len() + 2;
    let len = text[start..].find('"')?;
    Some(&text[start..start + len])
}

#[cfg(test)]
mod tests {
    use super::*;

    const LAYOUT: &str = "<title>{title} · Shop</title><body{body_class}><nav><a href=\"/a.html\">A</a><a href=\"/b.html\">B</a></nav>{content}</body>";

    #[test]
    fn a_page_fills_the_layout_and_marks_its_own_link() {
        let html = assemble(
            LAYOUT,
            "b",
            "<!-- page: title=\"Bee\" body=\"wide\" -->\n<main>hi</main>\n",
        )
        .unwrap();
        assert_eq!(
            html,
            "<title>Bee · Shop</title><body class=\"wide\"><nav><a href=\"/a.html\">A</a><a href=\"/b.html\" aria-current=\"page\">B</a></nav><main>hi</main></body>"
        );
        let plain = assemble(LAYOUT, "a", "<!-- page: title=\"A\" -->\n<main/>").unwrap();
        assert!(plain.contains("<body><nav>") && plain.contains("/a.html\" aria-current"));
    }

    #[test]
    fn a_page_without_its_header_line_is_an_error_and_names_are_checked() {
        assert!(
            assemble(LAYOUT, "a", "<main/>")
                .unwrap_err()
                .contains("first line")
        );
        assert!(
            assemble(LAYOUT, "a", "<!-- page: body=\"x\" -->\n")
                .unwrap_err()
                .contains("title")
        );
        assert!(is_page_name("pricing") && is_page_name("a-b2"));
        for bad in ["", "_layout", "../secret", "Index", "a.b"] {
            assert!(!is_page_name(bad), "{bad}");
        }
    }
}
