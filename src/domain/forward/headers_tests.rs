//! Reading the proxy headers: each family alone, disagreements, absences and repeats.

use super::*;

const GET: &str = "GET";
const PULL: &str = "/g/p.git/info/refs?service=git-upload-pack";
const PUBLIC: &str = "/g/pub.git/info/refs?service=git-upload-pack";

/// Read `headers` (name, value; repeats allowed) as `family` would.
fn read(family: HeaderFamily, headers: &[(&str, &'static str)]) -> Result<Original, HeaderError> {
    original(family, |name| {
        headers
            .iter()
            .filter(|(n, _)| n.eq_ignore_ascii_case(name))
            .map(|(_, v)| *v)
            .collect()
    })
}

fn ok(method: &str, uri: &str) -> Result<Original, HeaderError> {
    Ok(Original {
        method: method.into(),
        uri: uri.into(),
    })
}

#[test]
fn each_family_reads_only_its_own_headers() {
    use HeaderFamily::{XForwarded, XOriginal};
    let nginx = [("X-Original-Method", GET), ("X-Original-URI", PULL)];
    let caddy = [("X-Forwarded-Method", GET), ("X-Forwarded-Uri", PULL)];
    assert_eq!(read(XOriginal, &nginx), ok(GET, PULL));
    assert_eq!(read(XForwarded, &caddy), ok(GET, PULL));
    // The other family alone is not enough: the proxy that should have set ours did not.
    assert!(read(XOriginal, &caddy).is_err());
    assert!(read(XForwarded, &nginx).is_err());
    // Both families agreeing (a client repeating what the proxy set) is harmless.
    let both = [nginx, caddy].concat();
    assert_eq!(read(XOriginal, &both), ok(GET, PULL));
    assert_eq!(read(XForwarded, &both), ok(GET, PULL));
}

#[test]
fn a_disagreeing_other_family_is_refused_whatever_is_configured() {
    use HeaderFamily::{XForwarded, XOriginal};
    // What Caddy sends when a client adds X-Original-*: the spoof names another project, or
    // calls a push a clone.
    let spoofs: [&[(&str, &'static str)]; 3] = [
        &[("X-Original-URI", PUBLIC)],
        &[("X-Original-Method", GET), ("X-Original-URI", PUBLIC)],
        &[("X-Original-Method", "POST")],
    ];
    for spoof in spoofs {
        let caddy = [("X-Forwarded-Method", GET), ("X-Forwarded-Uri", PULL)];
        let sent = [&caddy[..], spoof].concat();
        for family in [XForwarded, XOriginal] {
            let err = read(family, &sent).unwrap_err().to_string();
            assert!(
                err.contains("disagrees") || err.contains("required"),
                "{family}: {spoof:?}: {err}"
            );
        }
    }
    let err = read(
        XForwarded,
        &[
            ("X-Forwarded-Method", GET),
            ("X-Forwarded-Uri", PULL),
            ("X-Original-URI", PUBLIC),
        ],
    )
    .unwrap_err();
    assert_eq!(
        err.to_string(),
        "header X-Original-URI disagrees with X-Forwarded-Uri: regauth trusts only \
         X-Forwarded-Uri (REGAUTH_FORWARD_AUTH_HEADERS=x-forwarded)"
    );
}

#[test]
fn missing_and_repeated_headers_are_refused() {
    use HeaderFamily::XOriginal;
    let no_method = read(XOriginal, &[("X-Original-URI", PULL)]).unwrap_err();
    assert_eq!(
        no_method.to_string(),
        "X-Original-Method and X-Original-URI are required: regauth trusts the x-original \
         headers (REGAUTH_FORWARD_AUTH_HEADERS)"
    );
    assert!(read(XOriginal, &[("X-Original-Method", GET)]).is_err());
    assert!(read(XOriginal, &[]).is_err());
    for twice in PROXY_HEADERS {
        let sent = [
            ("X-Original-Method", GET),
            ("X-Original-URI", PULL),
            (twice, PULL),
            (twice, PULL),
        ];
        let err = read(XOriginal, &sent).unwrap_err().to_string();
        assert!(err.contains("more than once"), "{twice}: {err}");
    }
}

#[test]
fn family_words_round_trip() {
    for word in ["x-original", "x-forwarded"] {
        assert_eq!(word.parse::<HeaderFamily>().unwrap().to_string(), word);
    }
    assert!("nginx".parse::<HeaderFamily>().is_err());
    assert_eq!(HeaderFamily::default(), HeaderFamily::XOriginal);
}
