//! A real browser for the web UI tests: Debian's headless Chromium driven by its
//! chromedriver over WebDriver (fantoccini), each test with its own driver on a free port and
//! its own profile directory. The methods are blocking, so a test can mix browser steps with
//! the blocking helpers of `tests/support` (skopeo, the CLI).
#![allow(dead_code)]

pub mod ui;

use fantoccini::elements::Element;
use fantoccini::{Client, ClientBuilder, Locator};
use std::fs::File;
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

/// The Debian packages this rig drives, as `tests/support::e2e_enabled_for` takes them.
pub const TOOLS: &[(&str, &str)] = &[
    ("chromium", "Debian package: chromium"),
    ("chromedriver", "Debian package: chromium-driver"),
];

/// How `scripts/test` installs them.
pub const INSTALL: &str =
    "scripts/test does: apt-get install -y chromium chromium-driver fonts-dejavu-core";

/// Where every test saves its screenshots (inside `target/`, next to the test binaries).
pub fn screenshot_dir() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("target/ui-screenshots")
}

/// A chromedriver process and one browser session on it.
pub struct Browser {
    rt: tokio::runtime::Runtime,
    client: Option<Client>,
    driver: Child,
    log: PathBuf,
    _profile: tempfile::TempDir,
}

impl Browser {
    /// Start chromedriver on a free port and open a headless Chromium session, 1440 px wide.
    pub fn start() -> Browser {
        let profile = tempfile::Builder::new()
            .prefix("regauth-chromium-")
            .tempdir()
            .expect("profile dir");
        let port = free_port();
        let log = profile.path().join("chromedriver.log");
        let driver = Command::new("chromedriver")
            .arg(format!("--port={port}"))
            .arg(format!("--log-path={}", log.display()))
            .stdin(Stdio::null())
            .stdout(Stdio::null())
            .stderr(File::create(profile.path().join("chromedriver.err")).expect("stderr file"))
            .spawn()
            .expect("start chromedriver (Debian package chromium-driver)");
        let rt = tokio::runtime::Builder::new_current_thread()
            .enable_all()
            .build()
            .expect("tokio runtime");
        let mut browser = Browser {
            rt,
            client: None,
            driver,
            log,
            _profile: profile,
        };
        let url = format!("http://127.0.0.1:{port}");
        let caps = capabilities(browser._profile.path());
        let client = browser.rt.block_on(async {
            let started = Instant::now();
            loop {
                let mut builder =
                    ClientBuilder::new(hyper_util::client::legacy::connect::HttpConnector::new());
                match builder.capabilities(caps.clone()).connect(&url).await {
                    Ok(client) => break client,
                    // chromedriver takes a moment to listen.
                    Err(_) if started.elapsed() < Duration::from_secs(30) => {
                        tokio::time::sleep(Duration::from_millis(100)).await;
                    }
                    Err(e) => panic!("no WebDriver session from chromedriver: {e}"),
                }
            }
        });
        browser.client = Some(client);
        browser.resize(1440, 1000);
        browser
    }

    fn c(&self) -> &Client {
        self.client.as_ref().expect("session open")
    }

    /// Set the window size (the page's CSS width follows it).
    pub fn resize(&self, width: u32, height: u32) {
        self.rt
            .block_on(self.c().set_window_size(width, height))
            .expect("set window size");
    }

    /// Open `url` and wait for the page to load.
    pub fn goto(&self, url: &str) {
        eprintln!("browser: GET {url}");
        self.rt.block_on(self.c().goto(url)).expect("navigate");
    }

    /// Reload the current page (the browser's Reload button).
    pub fn reload(&self) {
        eprintln!("browser: reload");
        self.rt.block_on(self.c().refresh()).expect("reload");
    }

    /// The current URL.
    pub fn url(&self) -> String {
        self.rt
            .block_on(self.c().current_url())
            .expect("current url")
            .to_string()
    }

    /// The page's HTML as the browser holds it now.
    pub fn source(&self) -> String {
        self.rt.block_on(self.c().source()).expect("page source")
    }

    /// The visible text of the whole page.
    pub fn text(&self) -> String {
        self.text_of("body")
    }

    /// The first element matching `css`; fails the test (with the page text) if none.
    pub fn find(&self, css: &str) -> Element {
        self.rt
            .block_on(self.c().find(Locator::Css(css)))
            .unwrap_or_else(|e| {
                panic!(
                    "no element {css:?} ({e}) on {}:\n{}",
                    self.url(),
                    self.text()
                )
            })
    }

    /// Wait (up to 20 s) until an element matches `css`: a form post and its redirect may
    /// still be under way when a click returns.
    pub fn wait_for(&self, css: &str) -> Element {
        let found = self.rt.block_on(
            self.c()
                .wait()
                .at_most(Duration::from_secs(20))
                .for_element(Locator::Css(css)),
        );
        found.unwrap_or_else(|e| {
            panic!(
                "{css:?} never appeared ({e}) on {}:\n{}",
                self.url(),
                self.text()
            )
        })
    }

    /// Wait (up to 20 s) until the page's URL is `url`.
    pub fn wait_for_url(&self, url: &str) {
        let started = Instant::now();
        while self.url() != url {
            assert!(
                started.elapsed() < Duration::from_secs(20),
                "never reached {url}; at {}:\n{}",
                self.url(),
                self.text()
            );
            std::thread::sleep(Duration::from_millis(50));
        }
    }

    /// Whether any element matches `css`.
    pub fn exists(&self, css: &str) -> bool {
        self.rt
            .block_on(self.c().find_all(Locator::Css(css)))
            .map(|all| !all.is_empty())
            .unwrap_or(false)
    }

    /// Visible text of the first element matching `css`.
    pub fn text_of(&self, css: &str) -> String {
        let el = self.find(css);
        self.rt.block_on(el.text()).expect("element text")
    }

    /// The `value` property of an input.
    pub fn value_of(&self, css: &str) -> String {
        let el = self.find(css);
        self.rt
            .block_on(el.prop("value"))
            .expect("value property")
            .unwrap_or_default()
    }

    /// Type `text` into the input matching `css` (after clearing it).
    pub fn fill(&self, css: &str, text: &str) {
        let el = self.find(css);
        self.rt.block_on(async {
            el.clear().await.expect("clear input");
            el.send_keys(text).await.expect("type into input");
        });
    }

    /// Click the element matching `css` (and wait for a navigation it starts).
    pub fn click(&self, css: &str) {
        eprintln!("browser: click {css}");
        let el = self.find(css);
        self.rt.block_on(el.click()).expect("click");
    }

    /// Click the link or button whose visible text is exactly `text`.
    pub fn click_text(&self, text: &str) {
        eprintln!("browser: click {text:?}");
        let xpath =
            format!("//*[self::a or self::button or self::summary][normalize-space(.)='{text}']");
        let el = self
            .rt
            .block_on(self.c().find(Locator::XPath(&xpath)))
            .unwrap_or_else(|e| panic!("nothing to click named {text:?} ({e}):\n{}", self.text()));
        self.rt.block_on(el.click()).expect("click");
    }

    /// Press Tab `times` times, then report the focused element's id and tag (keyboard use).
    pub fn tab(&self, times: usize) -> String {
        self.rt.block_on(async {
            for _ in 0..times {
                self.c()
                    .active_element()
                    .await
                    .expect("active element")
                    .send_keys("\u{e004}")
                    .await
                    .expect("press Tab");
            }
            let el = self.c().active_element().await.expect("active element");
            let id = el.attr("id").await.ok().flatten().unwrap_or_default();
            let tag = el.tag_name().await.unwrap_or_default();
            format!("{tag}#{id}")
        })
    }

    /// Accept the confirmation dialog the page opened (our script's `confirm`); its text.
    pub fn accept_dialog(&self) -> String {
        self.rt.block_on(async {
            let text = self.c().get_alert_text().await.expect("a dialog is open");
            self.c().accept_alert().await.expect("accept the dialog");
            text
        })
    }

    /// Run a script in the page (the test's own: the pages need none), returning its value.
    pub fn script(&self, js: &str) -> serde_json::Value {
        self.rt
            .block_on(self.c().execute(js, vec![]))
            .expect("execute script")
    }

    /// Save a PNG of the viewport as `target/ui-screenshots/NAME.png`; returns its path.
    pub fn screenshot(&self, name: &str) -> PathBuf {
        let png = self.rt.block_on(self.c().screenshot()).expect("screenshot");
        let dir = screenshot_dir();
        std::fs::create_dir_all(&dir).expect("screenshot dir");
        let path = dir.join(format!("{name}.png"));
        std::fs::write(&path, png).expect("write screenshot");
        eprintln!("browser: screenshot {}", path.display());
        path
    }

    /// The session's cookies, as `(name, value)`.
    pub fn cookies(&self) -> Vec<(String, String)> {
        self.rt
            .block_on(self.c().get_all_cookies())
            .expect("cookies")
            .into_iter()
            .map(|c| (c.name().to_owned(), c.value().to_owned()))
            .collect()
    }

    /// chromedriver's log, for failure messages.
    pub fn driver_log(&self) -> String {
        std::fs::read_to_string(&self.log).unwrap_or_default()
    }
}

impl Drop for Browser {
    fn drop(&mut self) {
        if let Some(client) = self.client.take() {
            let _ = self.rt.block_on(client.close());
        }
        // Closing the session ended the browser; the driver is ours to end.
        let _ = self.driver.kill();
        let _ = self.driver.wait();
    }
}

/// Headless Chromium as root: no sandbox (root has none), no GPU, nothing phoning home, a
/// fresh profile.
fn capabilities(profile: &Path) -> serde_json::Map<String, serde_json::Value> {
    let args = [
        "--headless=new".to_owned(),
        "--no-sandbox".to_owned(),
        "--disable-gpu".to_owned(),
        "--disable-dev-shm-usage".to_owned(),
        "--disable-background-networking".to_owned(),
        "--disable-component-update".to_owned(),
        "--disable-sync".to_owned(),
        "--no-first-run".to_owned(),
        "--hide-scrollbars".to_owned(),
        "--force-device-scale-factor=1".to_owned(),
        format!("--user-data-dir={}", profile.join("chromium").display()),
    ];
    let caps = serde_json::json!({
        "browserName": "chrome",
        "goog:chromeOptions": { "binary": "/usr/bin/chromium", "args": args },
    });
    caps.as_object().expect("object").clone()
}

fn free_port() -> u16 {
    std::net::TcpListener::bind("127.0.0.1:0")
        .and_then(|l| l.local_addr())
        .map(|a| a.port())
        .expect("free port")
}
