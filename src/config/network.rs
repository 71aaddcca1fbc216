//! The settings of regauth's edge: how long a request may take, how many connections are
//! served at once, which URL regauth is reached at, which proxies are believed about the
//! client's address, and how failed logins are throttled.

use crate::domain::client::TrustedProxies;
use crate::domain::external_url::ExternalUrl;
use crate::domain::throttle::Policy;
use std::time::Duration;

/// Network-facing settings.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Network {
    /// Public base URL of every absolute URL regauth writes (`REGAUTH_EXTERNAL_URL`); unset,
    /// `http://` and the listen address.
    pub external_url: Option<ExternalUrl>,
    /// Peers whose `X-Forwarded-For` is believed (`REGAUTH_TRUSTED_PROXIES`).
    pub trusted_proxies: TrustedProxies,
    /// Longest time a request's body and answer may take once its head is read (the head
    /// gets 5 s, or this if shorter) (`REGAUTH_REQUEST_TIMEOUT`); past it the answer is 408
    /// and the connection is closed.
    pub request_timeout: Duration,
    /// Most connections served at once (`REGAUTH_MAX_CONNECTIONS`); more wait in the
    /// listen backlog.
    pub max_connections: usize,
    /// Failed-login throttle (`REGAUTH_THROTTLE_MAX_FAILURES`, `_WINDOW`, `_BAN`).
    pub throttle: Policy,
}

impl Default for Network {
    fn default() -> Self {
        Network {
            external_url: None,
            trusted_proxies: TrustedProxies::default(),
            request_timeout: Duration::from_secs(10),
            max_connections: 10_000,
            throttle: Policy::default(),
        }
    }
}

/// The keys this module reads; the environment variable is `REGAUTH_` + the name in capitals.
pub(super) const KEYS: &[&str] = &[
    "external_url",
    "trusted_proxies",
    "request_timeout",
    "max_connections",
    "throttle_max_failures",
    "throttle_window",
    "throttle_ban",
];

impl Network {
    /// Set one key from its text form; `Ok(false)` when the key is not one of [`KEYS`].
    pub(super) fn set(&mut self, key: &str, value: &str) -> Result<bool, String> {
        match key {
            "external_url" => self.external_url = Some(ExternalUrl::parse(value)?),
            "trusted_proxies" => self.trusted_proxies = TrustedProxies::parse(value)?,
            "request_timeout" => {
                self.request_timeout = Duration::from_secs(number(value, 1, 3_600, "seconds")?)
            }
            "max_connections" => {
                self.max_connections = number(value, 1, 1_000_000, "connections")? as usize
            }
            "throttle_max_failures" => {
                self.throttle.max_failures = number(value, 1, 1_000_000, "failures")? as u32
            }
            "throttle_window" => self.throttle.window = seconds(value, 1, 86_400)?,
            "throttle_ban" => self.throttle.ban = seconds(value, 1, 86_400)?,
            _ => return Ok(false),
        }
        Ok(true)
    }
}

fn number(value: &str, min: u64, max: u64, unit: &str) -> Result<u64, String> {
    value
        .trim()
        .parse()
        .ok()
        .filter(|n| (min..=max).contains(n))
        .ok_or_else(|| format!("{value:?} is not a number of {unit} from {min} to {max}"))
}

fn seconds(value: &str, min: u64, max: u64) -> Result<time::Duration, String> {
    number(value, min, max, "seconds").map(|s| time::Duration::seconds(s as i64))
}

#[cfg(test)]
mod tests {
    use super::super::Config;
    use super::*;
    use crate::config::tests::env;

    #[test]
    fn defaults() {
        let c = Config::load_with(None, env(&[])).unwrap();
        assert_eq!(c.network, Network::default());
        assert_eq!(c.network.request_timeout, Duration::from_secs(10));
        assert_eq!(c.network.throttle.max_failures, 10);
        assert!(c.network.trusted_proxies.is_empty());
        assert_eq!(c.network.external_url, None);
    }

    #[test]
    fn from_file_and_environment() {
        let dir = tempfile::tempdir().unwrap();
        let file = dir.path().join("regauth.toml");
        std::fs::write(
            &file,
            "external_url = \"https://gitlab.example.com/\"\nrequest_timeout = 5\n\
             trusted_proxies = \"10.0.0.0/8\"\nthrottle_window = 120\nmax_connections = 50\n",
        )
        .unwrap();
        let c = Config::load_with(
            Some(&file),
            env(&[
                ("REGAUTH_TRUSTED_PROXIES", "127.0.0.1, ::1"),
                ("REGAUTH_THROTTLE_MAX_FAILURES", "3"),
                ("REGAUTH_THROTTLE_BAN", "60"),
            ]),
        )
        .unwrap();
        let n = &c.network;
        let url = n.external_url.as_ref().unwrap();
        assert_eq!(url.as_str(), "https://gitlab.example.com");
        assert_eq!(n.request_timeout, Duration::from_secs(5));
        assert_eq!(n.max_connections, 50);
        assert_eq!(n.trusted_proxies.to_string(), "127.0.0.1/32,::1/128");
        assert_eq!(
            n.throttle,
            Policy {
                max_failures: 3,
                window: time::Duration::seconds(120),
                ban: time::Duration::seconds(60),
            }
        );
    }

    #[test]
    fn bad_values_name_the_variable() {
        for (var, value) in [
            ("REGAUTH_EXTERNAL_URL", "javascript://evil.example"),
            ("REGAUTH_EXTERNAL_URL", "gitlab.example.com"),
            ("REGAUTH_TRUSTED_PROXIES", "10.0.0.0/40"),
            ("REGAUTH_REQUEST_TIMEOUT", "0"),
            ("REGAUTH_MAX_CONNECTIONS", "lots"),
            ("REGAUTH_THROTTLE_MAX_FAILURES", "0"),
            ("REGAUTH_THROTTLE_WINDOW", "-1"),
        ] {
            let err = Config::load_with(None, env(&[(var, value)])).unwrap_err();
            assert!(err.to_string().contains(var), "{var}={value}: {err}");
        }
    }
}
