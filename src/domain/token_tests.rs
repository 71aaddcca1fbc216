//! Deploy-token secrets, digests, scopes, names, usernames and expiry.

use super::*;
use time::macros::datetime;

#[test]
fn generated_secrets_are_prefixed_random_and_url_safe() {
    let a = PlainToken::generate(DEPLOY_TOKEN_PREFIX);
    let b = PlainToken::generate(DEPLOY_TOKEN_PREFIX);
    assert_ne!(a.expose(), b.expose());
    let body = a.expose().strip_prefix("gldt-").unwrap();
    assert!(body.len() >= 20);
    assert!(
        body.bytes()
            .all(|c| c.is_ascii_alphanumeric() || c == b'-' || c == b'_')
    );
    assert_eq!(format!("{a:?}"), "PlainToken(<redacted>)");
}

#[test]
fn digest_is_sha256_of_the_secret() {
    let t = PlainToken::from_client("gldt-abc");
    // sha256("gldt-abc"), computed with `printf gldt-abc | sha256sum`.
    let hex: String = t.digest().0.iter().map(|b| format!("{b:02x}")).collect();
    assert_eq!(
        hex,
        "99aa78ed81ab13085c8bdae16d6eb2b5010475e029625b5b4c185b6ba5ce7078"
    );
    assert_eq!(t.digest(), PlainToken::from_client("gldt-abc").digest());
    assert_ne!(t.digest(), PlainToken::from_client("gldt-abd").digest());
}

#[test]
fn usernames() {
    for ok in [
        "ci.bot_01-x",
        "A",
        "gitlab+deploy-token",
        "my-gitlab+deploy-token-1",
    ] {
        assert!(validate_username(ok).is_ok(), "{ok}");
    }
    for bad in [
        "",
        "a b",
        "a:b",
        "ü",
        "a/b",
        "a\tb",
        "a\nb",
        "a\u{7f}",
        &"x".repeat(256),
    ] {
        assert_eq!(
            validate_username(bad),
            Err(TokenError::InvalidUsername),
            "{bad}"
        );
    }
    // The default prefix is reserved, in any case, even for digits no token has yet.
    for reserved in [
        "gitlab+deploy-token-1",
        "GITLAB+Deploy-Token-7",
        "gitlab+deploy-token-x",
    ] {
        assert_eq!(
            validate_username(reserved),
            Err(TokenError::ReservedUsername),
            "{reserved}"
        );
    }
    assert_eq!(default_username(7), "gitlab+deploy-token-7");
}

#[test]
fn names() {
    assert!(validate_name("ci").is_ok());
    assert!(validate_name(&"n".repeat(255)).is_ok());
    assert!(validate_name("").is_err());
    assert!(validate_name("   ").is_err());
    assert!(validate_name(&"n".repeat(256)).is_err());
    assert!(validate_name("ci deploy: prod (2026)").is_ok());
    for control in [
        "a\nb",
        "\u{1b}[31mred",
        "tab\t",
        "nul\0",
        "del\u{7f}",
        "c1\u{85}",
    ] {
        assert_eq!(
            validate_name(control),
            Err(TokenError::InvalidName),
            "{control:?}"
        );
    }
}

#[test]
fn scopes_parse_sort_and_reject_unknown() {
    let s = TokenScopes::parse(["write_registry", "read_registry", "read_registry"]).unwrap();
    assert_eq!(s.names(), ["read_registry", "write_registry"]);
    assert_eq!(s.to_stored(), "read_registry,write_registry");
    assert!(s.has(TokenScope::WriteRegistry));
    assert!(!s.has(TokenScope::ReadRepository));
    assert_eq!(
        TokenScopes::parse(["api"]),
        Err(TokenError::UnknownScope("api".into()))
    );
    assert_eq!(TokenScopes::parse([""]), Err(TokenError::NoScope));
    assert_eq!(TokenScopes::parse([]), Err(TokenError::NoScope));
}

#[test]
fn expiry_parsing() {
    let now = datetime!(2026-11-25 12:00 UTC);
    assert_eq!(
        parse_expiry("2027-06-30", now).unwrap(),
        datetime!(2027-06-30 00:00 UTC)
    );
    assert_eq!(
        parse_expiry("2026-11-25T13:30:00+01:00", now).unwrap(),
        datetime!(2026-11-25 12:30 UTC)
    );
    assert_eq!(
        parse_expiry("2026-11-25", now),
        Err(TokenError::ExpiryInPast)
    );
    assert_eq!(
        parse_expiry("2026-11-25T12:00:00Z", now),
        Err(TokenError::ExpiryInPast)
    );
    assert!(parse_expiry("2026-11-26", now).is_ok());
    for bad in ["tomorrow", "2027-13-01", "2027/01/01", "2027-01-01 00:00"] {
        assert!(
            matches!(parse_expiry(bad, now), Err(TokenError::InvalidExpiry(_))),
            "{bad}"
        );
    }
}

#[test]
fn expired_exactly_at_the_boundary() {
    let at = datetime!(2027-01-01 00:00 UTC);
    assert!(!is_expired(Some(at), at - time::Duration::nanoseconds(1)));
    assert!(is_expired(Some(at), at));
    assert!(is_expired(Some(at), at + time::Duration::seconds(1)));
    assert!(!is_expired(None, at));
}

#[test]
fn constant_time_comparison() {
    assert!(constant_time_eq("abc", "abc"));
    assert!(!constant_time_eq("abc", "abd"));
    assert!(!constant_time_eq("abc", "ab"));
}

#[test]
fn expiry_beyond_the_last_storable_instant_is_invalid() {
    // 9999-12-31 23:59:59 at -23:59 is in the year 10000 in UTC, which cannot be stored and
    // read back; it must be refused as input, not fail later in storage.
    let now = datetime!(2026-11-25 12:00 UTC);
    assert!(matches!(
        parse_expiry("9999-12-31T23:59:59-23:59", now),
        Err(TokenError::InvalidExpiry(_))
    ));
    assert_eq!(
        parse_expiry("9999-12-31T23:59:59Z", now).unwrap(),
        datetime!(9999-12-31 23:59:59 UTC)
    );
}
