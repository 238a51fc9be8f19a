//! Headless Chromium through chromedriver (started here on a free port), driven with
//! fantoccini, plus the few page actions the flows need, each waiting with a deadline.

use std::process::{Command, Stdio};
use std::time::Duration;

use clicktrail_e2e::{Child, http_get, wait_until};
use clicktrail_test_support::{eventually, try_eventually};
use fantoccini::cookies::Cookie;
use fantoccini::elements::Element;
use fantoccini::{Client, ClientBuilder, Locator};
use hyper_util::client::legacy::connect::HttpConnector;
use serde_json::json;

/// How long a page action may take (a page load, an element appearing, a field being filled).
pub const STEP: Duration = Duration::from_secs(20);

/// chromedriver and one browser session.
pub struct Browser {
    driver: Child,
    driver_url: String,
    client: Option<Client>,
}

impl Browser {
    /// Starts `/usr/bin/chromedriver` and a headless Chromium session.
    pub async fn start(log_dir: &std::path::Path) -> Result<Self, String> {
        // Port 0: chromedriver's listener takes a free port and the driver says which.
        let mut cmd = Command::new("/usr/bin/chromedriver");
        cmd.arg("--port=0").stdin(Stdio::null());
        let mut driver = Child::spawn("chromedriver", cmd, log_dir, false)
            .map_err(|e| format!("{e} (chromium-driver is installed by `cargo xtask setup`)"))?;
        let announced = driver.announced(
            "ChromeDriver was started successfully on port ",
            Duration::from_secs(20),
        )?;
        let port: u16 = announced
            .trim_end_matches('.')
            .parse()
            .map_err(|_| format!("chromedriver announced port {announced:?}"))?;
        let addr = std::net::SocketAddr::from(([127, 0, 0, 1], port));
        wait_until(
            "chromedriver to answer /status",
            Duration::from_secs(20),
            || {
                if let Some(status) = driver.exited() {
                    return Err(format!(
                        "chromedriver exited ({status}): {}",
                        driver.log_tail(20)
                    ));
                }
                Ok(matches!(http_get(addr, "/status"), Ok((200, _))).then_some(()))
            },
        )?;
        let mut browser = Self {
            driver,
            driver_url: format!("http://127.0.0.1:{port}"),
            client: None,
        };
        browser.new_session().await?;
        Ok(browser)
    }

    /// Ends the current session (the browser and its cookies are gone) and opens a new one:
    /// "closing the browser".
    pub async fn new_session(&mut self) -> Result<(), String> {
        if let Some(client) = self.client.take() {
            let _ = client.close().await;
        }
        // No --user-data-dir: with one, about one page load in four stalls for seconds.
        let capabilities = json!({
            "goog:chromeOptions": {
                "binary": "/usr/bin/chromium",
                "args": [
                    "--headless=new", "--no-sandbox", "--disable-gpu", "--disable-dev-shm-usage",
                    "--disable-background-networking", "--disable-component-update",
                    "--no-first-run", "--window-size=1280,1100",
                ],
            }
        });
        let serde_json::Value::Object(capabilities) = capabilities else {
            unreachable!("a JSON object")
        };
        let client = ClientBuilder::new(HttpConnector::new())
            .capabilities(capabilities)
            .connect(&self.driver_url)
            .await
            .map_err(|e| format!("cannot open a Chromium session: {e}"))?;
        self.client = Some(client);
        Ok(())
    }

    /// The session.
    pub fn client(&self) -> &Client {
        self.client.as_ref().expect("a session is open")
    }

    /// Opens `url`.
    pub async fn goto(&self, url: &str) -> Result<(), String> {
        self.client()
            .goto(url)
            .await
            .map_err(|e| format!("opening {url}: {e}"))
    }

    /// The element matching `css`, once it exists.
    pub async fn find(&self, css: &str) -> Result<Element, String> {
        self.client()
            .wait()
            .at_most(STEP)
            .for_element(Locator::Css(css))
            .await
            .map_err(|e| format!("no element {css}: {e}"))
    }

    /// Clicks the element matching `css`.
    pub async fn click(&self, css: &str) -> Result<(), String> {
        self.find(css)
            .await?
            .click()
            .await
            .map_err(|e| format!("clicking {css}: {e}"))
    }

    /// Types `text` into the field matching `css`.
    pub async fn type_into(&self, css: &str, text: &str) -> Result<(), String> {
        self.find(css)
            .await?
            .send_keys(text)
            .await
            .map_err(|e| format!("typing into {css}: {e}"))
    }

    /// Waits until `read` of the element matching `css` satisfies `ok`, and returns it.
    async fn wait_for_value(
        &self,
        what: &str,
        css: &str,
        property: &str,
        ok: impl Fn(&str) -> bool,
    ) -> Result<String, String> {
        let mut last = String::new();
        let found = eventually(&format!("the {what} of {css}"), STEP, async || {
            let element = self.client().find(Locator::Css(css)).await.ok()?;
            last = match property {
                "text" => element.text().await.unwrap_or_default(),
                _ => element
                    .prop(property)
                    .await
                    .ok()
                    .flatten()
                    .unwrap_or_default(),
            };
            ok(&last).then(|| last.clone())
        })
        .await;
        found.map_err(|e| format!("{e}: its {property} is {last:?}"))
    }

    /// Waits until the text of `css` satisfies `ok`.
    pub async fn wait_text(&self, css: &str, ok: impl Fn(&str) -> bool) -> Result<String, String> {
        self.wait_for_value("text", css, "text", ok).await
    }

    /// Waits until the `value` of the field `css` satisfies `ok` (the kit filling it).
    pub async fn wait_field(&self, css: &str, ok: impl Fn(&str) -> bool) -> Result<String, String> {
        self.wait_for_value("field", css, "value", ok).await
    }

    /// Waits until the address contains `part`, and returns it.
    pub async fn wait_url(&self, part: &str) -> Result<String, String> {
        let mut last = String::new();
        let what = format!("the address to contain {part:?}");
        let found = try_eventually(&what, STEP, async || {
            last = self
                .client()
                .current_url()
                .await
                .map_err(|e| format!("reading the address: {e}"))?
                .to_string();
            Ok::<_, String>(last.contains(part).then(|| last.clone()))
        })
        .await;
        found.map_err(|e| format!("{e}: the address is {last}"))
    }

    /// The cookie `name`, if the browser holds it for the current page.
    pub async fn cookie(&self, name: &str) -> Option<Cookie<'static>> {
        self.client()
            .get_all_cookies()
            .await
            .ok()?
            .into_iter()
            .find(|c| c.name() == name)
    }

    /// A PNG of the viewport.
    pub async fn screenshot(&self) -> Result<Vec<u8>, String> {
        self.client()
            .screenshot()
            .await
            .map_err(|e| format!("screenshot: {e}"))
    }

    /// The current page's HTML.
    pub async fn html(&self) -> String {
        self.client().source().await.unwrap_or_default()
    }

    /// Closes the session and stops chromedriver.
    pub async fn close(mut self) {
        if let Some(client) = self.client.take() {
            let _ = client.close().await;
        }
        self.driver.stop(Duration::from_secs(5));
    }
}
