//! Key states over time, retirement bounds and kid lookup.

use super::*;
use time::macros::datetime;

const T0: OffsetDateTime = datetime!(2030-01-01 00:00 UTC);

fn entry(kid: &str, created: i64, activate: Option<i64>) -> Entry {
    Entry {
        kid: kid.into(),
        algorithm: "ES256".into(),
        created_at: T0 + Duration::seconds(created),
        key_file: format!("key-{kid}.pem"),
        cert_file: format!("cert-{kid}.pem"),
        activate_at: activate.map(|s| T0 + Duration::seconds(s)),
        retired_at: None,
    }
}

fn at(seconds: i64) -> OffsetDateTime {
    T0 + Duration::seconds(seconds)
}

fn states(ring: &Manifest, seconds: i64) -> Vec<&'static str> {
    (0..ring.keys.len())
        .map(|i| ring.state(i, at(seconds)).as_str())
        .collect()
}

fn rotated() -> Manifest {
    Manifest {
        version: 1,
        keys: vec![
            entry("AAAA:OLD1", 0, Some(0)),
            entry("BBBB:NEW1", 100, None),
        ],
    }
}

#[test]
fn a_rotated_key_is_published_until_activated() {
    let mut ring = rotated();
    assert_eq!(states(&ring, 150), ["active", "published"]);
    assert_eq!(ring.published().count(), 2);
    ring.keys[1].activate_at = Some(at(200));
    assert_eq!(states(&ring, 199), ["active", "published"]);
    assert_eq!(states(&ring, 200), ["published", "active"]);
    ring.keys[0].retired_at = Some(at(2000));
    assert_eq!(states(&ring, 2000), ["retired", "active"]);
    assert_eq!(ring.published().collect::<Vec<_>>(), [1]);
}

#[test]
fn reactivating_an_older_key_makes_it_the_signer_again() {
    let mut ring = rotated();
    ring.keys[1].activate_at = Some(at(200));
    ring.keys[0].activate_at = Some(at(300));
    assert_eq!(states(&ring, 300), ["active", "published"]);
    assert_eq!(ring.superseded_at(1, at(400)), Some(at(300)));
}

#[test]
fn retirement_waits_for_the_last_token_to_expire() {
    let mut ring = rotated();
    let (lifetime, reload) = (Duration::seconds(900), Duration::seconds(5));
    // The signer cannot be retired; the never-activated key can, at once.
    assert_eq!(ring.retirable_at(0, at(150), lifetime, reload), None);
    assert_eq!(
        ring.retirable_at(1, at(150), lifetime, reload),
        Some(at(100))
    );
    ring.keys[1].activate_at = Some(at(200));
    // Scheduled but not yet reached: the old key still signs.
    assert_eq!(ring.retirable_at(0, at(199), lifetime, reload), None);
    // Signed up to 200 (+5 s for a slow replica), tokens live 900 s, the registry adds 60 s.
    assert_eq!(
        ring.retirable_at(0, at(201), lifetime, reload),
        Some(at(200 + 5 + 900 + 60))
    );
}

#[test]
fn the_signer_is_the_latest_activation_not_in_the_future() {
    let ring = Manifest {
        version: 1,
        keys: vec![
            entry("AAAA", 0, Some(0)),
            entry("BBBB", 10, Some(50)),
            entry("CCCC", 20, Some(500)),
        ],
    };
    assert_eq!(ring.active(at(49)), Some(0));
    assert_eq!(ring.active(at(50)), Some(1));
    assert_eq!(ring.active(at(499)), Some(1));
    assert_eq!(ring.active(at(500)), Some(2));
    assert_eq!(ring.active(at(-1)), None);
}

#[test]
fn keys_are_found_by_a_unique_prefix() {
    let ring = rotated();
    assert_eq!(ring.find("AAAA:OLD1"), Ok(0));
    assert_eq!(ring.find("bbbbn"), Ok(1));
    assert!(ring.find("CCCC").unwrap_err().contains("no key"));
    assert!(ring.find("AA").unwrap_err().contains("too short"));
    let mut twins = rotated();
    twins.keys[1].kid = "AAAA:OLD2".into();
    assert!(twins.find("AAAAOLD").unwrap_err().contains("several"));
}

#[test]
fn validation_refuses_paths_duplicates_and_a_ring_without_signer() {
    let now = at(150);
    assert_eq!(rotated().validate(now), Ok(()));
    let mut ring = rotated();
    ring.keys[1].key_file = "../signing-key.pem".into();
    assert!(ring.validate(now).unwrap_err().contains("plain file name"));
    let mut ring = rotated();
    ring.keys[1].kid = ring.keys[0].kid.clone();
    assert!(ring.validate(now).unwrap_err().contains("twice"));
    let mut ring = rotated();
    ring.keys[0].retired_at = Some(now);
    assert!(ring.validate(now).unwrap_err().contains("no key is active"));
    let mut ring = rotated();
    ring.version = 2;
    assert!(ring.validate(now).unwrap_err().contains("version"));
}

#[test]
fn manifest_round_trips_as_json() {
    let ring = rotated();
    let text = serde_json::to_string_pretty(&ring).unwrap();
    assert!(
        text.contains("\"created_at\": \"2030-01-01T00:01:40Z\""),
        "{text}"
    );
    assert_eq!(serde_json::from_str::<Manifest>(&text).unwrap(), ring);
}

#[test]
fn activations_in_the_same_second_still_order_the_keys() {
    let mut ring = rotated();
    ring.keys[1].activate_at = Some(at(0));
    assert_eq!(states(&ring, 0), ["published", "active"]);
    let (lifetime, reload) = (Duration::seconds(900), Duration::seconds(5));
    assert_eq!(
        ring.retirable_at(0, at(0), lifetime, reload),
        Some(at(5 + 900 + 60))
    );
}
