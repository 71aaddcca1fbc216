//! The settings an operator can give, one list: what each key means (for `--help`), the
//! flag and environment variable each has, every key a file may hold (for the "unknown
//! key" error), and which `REGAUTH_*` variables are nobody's setting (a typo such as
//! `REGAUTH_LISTN`, warned about at start instead of silently ignored).

use super::{KEYS, key_ring, network};

/// Keys a file may hold that are no scalar setting: arrays of tables.
pub const TABLE_KEYS: &[&str] = &["forward_auth_route", "webhook"];

/// `REGAUTH_*` variables that are not settings of the binary: the test suite's switches
/// (end-to-end tests, the test database's engine, refreshed screenshots).
const NOT_SETTINGS: &[&str] = &[
    "REGAUTH_E2E",
    "REGAUTH_TEST_DATABASE",
    "REGAUTH_UPDATE_SCREENSHOTS",
];

/// What a setting is for, as `--help` says it.
pub fn help(key: &str) -> &'static str {
    match key {
        "listen" => "Address to listen on [default: 127.0.0.1:5001]",
        "database" => "SQLite database file, or a postgres:// URL [default: data/regauth.db]",
        "keys_dir" => "Directory of the signing key and certificate [default: keys]",
        "issuer" => "JWT iss, the registry's auth.token.issuer [default: regauth]",
        "token_lifetime" => "Lifetime of registry tokens in seconds, 60 to 86400 [default: 900]",
        "signing_algorithm" => "ES256 or RS256 [default: ES256]",
        "x5c" => "Put the certificate in each token's x5c header [default: true]",
        "registry_service" => {
            "The registry's service name, the JWT aud [default: container_registry]"
        }
        "dependency_proxy" => {
            "Dependency-proxy services, SERVICE[=GROUP] separated by commas [default: dependency_proxy]"
        }
        "external_authorization" => {
            "Refuse deploy tokens for Git, packages, the registry and proxies [default: false]"
        }
        "ci_registry" => "Registry host named by CI variables as CI_REGISTRY [default: none]",
        "forward_auth_headers" => {
            "Headers of the original request that forward auth trusts: x-original or x-forwarded [default: x-original]"
        }
        "forward_auth_route" => "Layouts guarded by forward auth ([[forward_auth_route]] tables)",
        "webhook" => "Where expiry and revocation notices go ([[webhook]] tables)",
        "last_used_interval" => {
            "Seconds between writes of tokens' last use, 0 to 3600; 0: not recorded [default: 60]"
        }
        "session_idle_timeout" => {
            "Seconds unused after which a web UI session ends, 60 to 2592000 [default: 7200]"
        }
        "session_lifetime" => {
            "Seconds after sign-in at which a web UI session ends, 60 to 2592000 [default: 43200]"
        }
        "webhook_interval" => "Seconds between two rounds of the webhook worker [default: 60]",
        "log_format" => "Log lines as text or json [default: text]",
        "tls_cert" => "PEM certificate chain: serve HTTPS (with tls_key; reloaded on SIGHUP)",
        "tls_key" => "PEM private key of tls_cert",
        "public_keys_dir" => {
            "Where certs.pem and jwks.json are published for registries [default: KEYS_DIR/public]"
        }
        "key_activation_delay" => {
            "Seconds after keys rotate until the new key signs by itself [default: only keys activate]"
        }
        "keys_generate" => {
            "Whether missing keys may be created here; false on replicas [default: true]"
        }
        "key_reload_interval" => "Seconds between re-reads of the key ring, 1 to 300 [default: 5]",
        "external_url" => {
            "Public base URL of the absolute URLs regauth writes [default: http://LISTEN]"
        }
        "trusted_proxies" => "Peers whose X-Forwarded-For is believed [default: none]",
        "request_timeout" => {
            "Seconds a request's body and answer may take, 1 to 3600 [default: 10]"
        }
        "max_connections" => "Most connections served at once [default: 10000]",
        "throttle_max_failures" => {
            "Failed logins from one client before it is refused [default: 10]"
        }
        "throttle_window" => "Seconds over which failed logins are counted [default: 60]",
        "throttle_ban" => "Seconds a throttled client is refused [default: 600]",
        _ => "",
    }
}

/// The scalar settings, each with a flag and an environment variable.
pub fn setting_keys() -> Vec<&'static str> {
    KEYS.iter()
        .chain(key_ring::KEYS)
        .chain(network::KEYS)
        .copied()
        .collect()
}

/// Every key a configuration file may hold, scalar settings first.
pub fn accepted_keys() -> Vec<&'static str> {
    let mut keys = setting_keys();
    keys.extend(TABLE_KEYS);
    keys
}

/// `token_lifetime` → `REGAUTH_TOKEN_LIFETIME`.
pub fn env_name(key: &str) -> String {
    format!("REGAUTH_{}", key.to_ascii_uppercase())
}

/// `token_lifetime` → `token-lifetime`, the setting's flag.
pub fn flag_name(key: &str) -> String {
    key.replace('_', "-")
}

/// The `REGAUTH_*` names among `names` that are no setting, each with the setting it most
/// likely means (a typo), if one is close.
pub fn unknown_variables(names: impl Iterator<Item = String>) -> Vec<(String, Option<String>)> {
    let known: Vec<String> = setting_keys().into_iter().map(env_name).collect();
    names
        .filter(|n| n.starts_with("REGAUTH_"))
        .filter(|n| !known.contains(n) && !NOT_SETTINGS.contains(&n.as_str()))
        .map(|name| {
            // Compared without the shared prefix, which would make every name look close.
            let suffix = |n: &str| n.trim_start_matches("REGAUTH_").to_owned();
            let closest = known
                .iter()
                .map(|k| {
                    (
                        strsim::normalized_damerau_levenshtein(&suffix(k), &suffix(&name)),
                        k,
                    )
                })
                .filter(|(score, _)| *score >= 0.7)
                .max_by(|a, b| a.0.total_cmp(&b.0))
                .map(|(_, k)| k.clone());
            (name, closest)
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_key_says_what_it_is_for() {
        for key in accepted_keys() {
            assert!(!help(key).is_empty(), "{key} has no help text");
        }
    }

    #[test]
    fn typos_are_unknown_and_point_at_the_setting() {
        let names = [
            "REGAUTH_LISTN",
            "REGAUTH_LISTEN",
            "REGAUTH_E2E",
            "PATH",
            "REGAUTH_NOTHING_LIKE_IT",
        ];
        let found = unknown_variables(names.iter().map(|s| s.to_string()));
        assert_eq!(
            found,
            vec![
                (
                    "REGAUTH_LISTN".to_owned(),
                    Some("REGAUTH_LISTEN".to_owned())
                ),
                ("REGAUTH_NOTHING_LIKE_IT".to_owned(), None),
            ]
        );
    }
}
