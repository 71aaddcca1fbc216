//! The one outgoing HTTP client: webhook deliveries. Blocking, used only from the worker's
//! thread and CLI commands (never on the async runtime), with a bounded timeout and no
//! redirects (a redirect would send the signed body somewhere the configuration did not
//! name).

use crate::app::webhooks::Transport;
use std::time::Duration;

/// How long one delivery may take, connecting included.
pub const TIMEOUT: Duration = Duration::from_secs(10);

/// Webhook deliveries over HTTP(S), trusting the system's certificate authorities.
pub struct HttpTransport {
    client: reqwest::blocking::Client,
}

impl HttpTransport {
    /// A client with [`TIMEOUT`] and no redirects.
    pub fn new() -> Result<HttpTransport, String> {
        let client = reqwest::blocking::Client::builder()
            .timeout(TIMEOUT)
            .redirect(reqwest::redirect::Policy::none())
            .user_agent(concat!("regauth/", env!("CARGO_PKG_VERSION")))
            .build()
            .map_err(|e| e.to_string())?;
        Ok(HttpTransport { client })
    }
}

impl Transport for HttpTransport {
    fn post(
        &self,
        url: &str,
        headers: &[(&'static str, String)],
        body: &str,
    ) -> Result<u16, String> {
        let mut request = self
            .client
            .post(url)
            .header("Content-Type", "application/json")
            .body(body.to_owned());
        for (name, value) in headers {
            request = request.header(*name, value);
        }
        let response = request.send().map_err(describe)?;
        Ok(response.status().as_u16())
    }
}

/// Why a request got no answer, without the URL (reqwest's text names it, and a URL may
/// hold credentials).
fn describe(e: reqwest::Error) -> String {
    if e.is_timeout() {
        "timed out".into()
    } else if e.is_connect() {
        "connection failed".into()
    } else {
        e.without_url().to_string()
    }
}
