//! Configuration layering, validation and error messages.

use super::*;
use std::collections::HashMap;

/// An environment lookup over fixed pairs.
pub(crate) fn env(pairs: &[(&str, &str)]) -> impl Fn(&str) -> Option<String> + use<> {
    let map: HashMap<String, String> = pairs
        .iter()
        .map(|(k, v)| (k.to_string(), v.to_string()))
        .collect();
    move |k| map.get(k).cloned()
}

#[test]
fn defaults_need_no_file() {
    let c = Config::load_with(None, env(&[])).unwrap();
    assert_eq!(c.listen.to_string(), "127.0.0.1:5001");
    assert_eq!(
        c.database,
        Location::Sqlite(PathBuf::from("data/regauth.db"))
    );
    assert_eq!(c.keys_dir, PathBuf::from("keys"));
    assert_eq!(c.issuer, "regauth");
    assert_eq!(c.token_lifetime, 900);
    assert_eq!(c.signing_algorithm, Algorithm::Es256);
    assert!(c.x5c);
    assert_eq!(c.registry_service, "container_registry");
}

#[test]
fn environment_overrides_file() {
    let dir = tempfile::tempdir().unwrap();
    let file = dir.path().join("regauth.toml");
    std::fs::write(
        &file,
        "listen = \"0.0.0.0:6001\"\ntoken_lifetime = 300\nx5c = false\nissuer = \"file\"\n",
    )
    .unwrap();
    let c = Config::load_with(
        Some(&file),
        env(&[
            ("REGAUTH_ISSUER", "env"),
            ("REGAUTH_SIGNING_ALGORITHM", "RS256"),
        ]),
    )
    .unwrap();
    assert_eq!(c.listen.to_string(), "0.0.0.0:6001");
    assert_eq!(c.token_lifetime, 300);
    assert!(!c.x5c);
    assert_eq!(c.issuer, "env");
    assert_eq!(c.signing_algorithm, Algorithm::Rs256);
}

#[test]
fn dependency_proxies_from_file_and_environment() {
    let c = Config::load_with(None, env(&[])).unwrap();
    assert_eq!(c.dependency_proxies, [proxy(None, None).unwrap()]);
    let dir = tempfile::tempdir().unwrap();
    let file = dir.path().join("p.toml");
    std::fs::write(
        &file,
        "[[dependency_proxy]]\ngroup = \"acme\"\n[[dependency_proxy]]\nservice = \"hub_mirror\"\n",
    )
    .unwrap();
    let c = Config::load_with(Some(&file), env(&[])).unwrap();
    let got: Vec<(String, Option<String>)> = c
        .dependency_proxies
        .iter()
        .map(|p| (p.service.clone(), p.group.clone()))
        .collect();
    assert_eq!(
        got,
        [
            ("dependency_proxy".into(), Some("acme".into())),
            ("hub_mirror".into(), None)
        ]
    );
    let c = Config::load_with(
        Some(&file),
        env(&[("REGAUTH_DEPENDENCY_PROXY", "proxy_a=acme/sub, proxy_b")]),
    )
    .unwrap();
    assert_eq!(c.dependency_proxies.len(), 2);
    assert_eq!(c.dependency_proxies[0].group.as_deref(), Some("acme/sub"));
    let none = Config::load_with(None, env(&[("REGAUTH_DEPENDENCY_PROXY", "")])).unwrap();
    assert!(none.dependency_proxies.is_empty());
    for bad in ["p=Bad Group", "container_registry", "a,a"] {
        let err = Config::load_with(None, env(&[("REGAUTH_DEPENDENCY_PROXY", bad)])).unwrap_err();
        assert!(
            err.to_string().contains("dependency_proxy")
                || err.to_string().contains("DEPENDENCY_PROXY"),
            "{bad}: {err}"
        );
    }
    std::fs::write(&file, "[[dependency_proxy]]\nname = \"x\"\n").unwrap();
    let err = Config::load_with(Some(&file), env(&[])).unwrap_err();
    assert!(err.to_string().contains("dependency_proxy"), "{err}");
}

#[test]
fn a_postgres_url_selects_postgres_and_a_path_sqlite() {
    let url = "postgresql://regauth:pw@db.internal:5432/regauth?sslmode=require";
    let c = Config::load_with(None, env(&[("REGAUTH_DATABASE", url)])).unwrap();
    assert!(
        matches!(c.database, Location::Postgres(_)),
        "{:?}",
        c.database
    );
    assert!(!format!("{c:?}").contains("pw"), "no password in {c:?}");
    let c = Config::load_with(None, env(&[("REGAUTH_DATABASE", "/srv/regauth.db")])).unwrap();
    assert_eq!(
        c.database,
        Location::Sqlite(PathBuf::from("/srv/regauth.db"))
    );
    let dir = tempfile::tempdir().unwrap();
    let file = dir.path().join("regauth.toml");
    std::fs::write(&file, "database = \"postgres://app@db/regauth\"\n").unwrap();
    let c = Config::load_with(Some(&file), env(&[])).unwrap();
    assert_eq!(c.database.to_string(), "postgres://app@db:5432/regauth");
}

#[test]
fn errors_name_the_key() {
    let cases = [
        ("REGAUTH_LISTEN", "nowhere"),
        ("REGAUTH_TOKEN_LIFETIME", "ten"),
        ("REGAUTH_TOKEN_LIFETIME", "30"),
        ("REGAUTH_SIGNING_ALGORITHM", "HS256"),
        ("REGAUTH_X5C", "maybe"),
        ("REGAUTH_ISSUER", ""),
        ("REGAUTH_DATABASE", ""),
        ("REGAUTH_DATABASE", "mysql://db/regauth"),
        (
            "REGAUTH_DATABASE",
            "postgres://db/regauth?sslmode=sometimes",
        ),
    ];
    for (var, value) in cases {
        let err = Config::load_with(None, env(&[(var, value)])).unwrap_err();
        assert!(err.to_string().contains(var), "{var}={value}: {err}");
    }
    let dir = tempfile::tempdir().unwrap();
    let file = dir.path().join("bad.toml");
    std::fs::write(&file, "lisen = \"x\"\n").unwrap();
    let err = Config::load_with(Some(&file), env(&[])).unwrap_err();
    assert!(err.to_string().contains("lisen"), "{err}");
    std::fs::write(&file, "token_lifetime = \"x\"\n").unwrap();
    let err = Config::load_with(Some(&file), env(&[])).unwrap_err();
    assert!(err.to_string().contains("token_lifetime"), "{err}");
    let missing = Config::load_with(Some(&dir.path().join("none.toml")), env(&[]));
    assert!(missing.unwrap_err().to_string().contains("none.toml"));
}

#[test]
fn public_keys_dir_defaults_inside_keys_dir_and_never_equals_it() {
    let c = Config::load_with(None, env(&[("REGAUTH_KEYS_DIR", "/k")])).unwrap();
    assert_eq!(c.public_keys_dir(), PathBuf::from("/k/public"));
    let c = Config::load_with(None, env(&[("REGAUTH_PUBLIC_KEYS_DIR", "/pub")])).unwrap();
    assert_eq!(c.public_keys_dir(), PathBuf::from("/pub"));
    let err = Config::load_with(
        None,
        env(&[
            ("REGAUTH_KEYS_DIR", "/k"),
            ("REGAUTH_PUBLIC_KEYS_DIR", "/k"),
        ]),
    )
    .unwrap_err();
    assert!(err.to_string().contains("public_keys_dir"), "{err}");
}

#[test]
fn key_ring_timing_settings() {
    let c = Config::load_with(None, env(&[])).unwrap();
    assert_eq!(c.key_ring.activation_delay, None);
    assert_eq!(c.key_ring.reload_interval, 5);
    let c = Config::load_with(
        None,
        env(&[
            ("REGAUTH_KEY_ACTIVATION_DELAY", "3600"),
            ("REGAUTH_KEY_RELOAD_INTERVAL", "1"),
        ]),
    )
    .unwrap();
    assert_eq!(c.key_ring.activation_delay, Some(3600));
    assert_eq!(c.key_ring.reload_interval, 1);
    let err = Config::load_with(None, env(&[("REGAUTH_KEY_RELOAD_INTERVAL", "0")])).unwrap_err();
    assert!(
        err.to_string().contains("REGAUTH_KEY_RELOAD_INTERVAL"),
        "{err}"
    );
}

#[test]
fn last_used_interval_from_zero_to_an_hour() {
    assert_eq!(
        Config::load_with(None, env(&[]))
            .unwrap()
            .last_used_interval,
        60
    );
    let set = |v| Config::load_with(None, env(&[("REGAUTH_LAST_USED_INTERVAL", v)]));
    assert_eq!(set("0").unwrap().last_used_interval, 0);
    assert_eq!(set("3600").unwrap().last_used_interval, 3600);
    for bad in ["3601", "-1", "soon"] {
        let err = set(bad).unwrap_err().to_string();
        assert!(
            err.contains("REGAUTH_LAST_USED_INTERVAL") && err.contains("0 to 3600"),
            "{err}"
        );
    }
}
