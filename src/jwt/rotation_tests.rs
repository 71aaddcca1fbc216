//! The ring through its whole life on disk, as `regauth keys …` and a running server see it.

use super::*;
use crate::jwt::keyring::KeyRing;
use crate::jwt::keys::tests::fixture_key;
use crate::jwt::public::{BUNDLE_FILE, JWKS_FILE};

const TIMING: Timing = Timing {
    token_lifetime: Duration::seconds(900),
    reload_interval: Duration::seconds(5),
};

struct Dirs {
    _tmp: tempfile::TempDir,
    keys: PathBuf,
    public: PathBuf,
}

impl Dirs {
    fn new() -> Dirs {
        let tmp = tempfile::tempdir().unwrap();
        let (keys, public) = (tmp.path().join("keys"), tmp.path().join("public"));
        Dirs {
            _tmp: tmp,
            keys,
            public,
        }
    }

    fn ring(&self) -> RingDirs<'_> {
        RingDirs {
            keys: &self.keys,
            public: &self.public,
        }
    }

    fn bundle_kids(&self) -> Vec<String> {
        let jwks: serde_json::Value =
            serde_json::from_str(&fs::read_to_string(self.public.join(JWKS_FILE)).unwrap())
                .unwrap();
        let bundle = fs::read_to_string(self.public.join(BUNDLE_FILE)).unwrap();
        let kids: Vec<String> = jwks["keys"]
            .as_array()
            .unwrap()
            .iter()
            .map(|k| k["kid"].as_str().unwrap().to_owned())
            .collect();
        assert_eq!(bundle.matches("BEGIN CERTIFICATE").count(), kids.len());
        kids
    }
}

fn now() -> OffsetDateTime {
    OffsetDateTime::now_utc().replace_nanosecond(0).unwrap()
}

#[test]
fn a_running_ring_follows_rotate_activate_and_retire() {
    let dirs = Dirs::new();
    let ring = KeyRing::open(&dirs.keys, &dirs.public, Algorithm::Es256).unwrap();
    let old = ring.snapshot().signer(now()).kid().to_owned();
    assert_eq!(dirs.bundle_kids(), std::slice::from_ref(&old));
    assert!(!ring.reload().unwrap(), "nothing changed yet");

    let new = rotate(dirs.ring(), Algorithm::Rs256, None, now()).unwrap();
    assert_eq!(dirs.bundle_kids(), [old.clone(), new.kid.clone()]);
    assert!(ring.reload().unwrap());
    assert_eq!(ring.snapshot().published().len(), 2);
    assert_eq!(
        ring.snapshot().signer(now()).kid(),
        old,
        "published, not signing"
    );

    let (active, previous) = activate(dirs.ring(), Algorithm::Es256, &new.kid, now()).unwrap();
    assert_eq!(
        (active.kid.as_str(), previous.unwrap().kid),
        (new.kid.as_str(), old.clone())
    );
    assert!(ring.reload().unwrap());
    let signer = ring.snapshot();
    let signer = signer.signer(now());
    assert_eq!(
        (signer.kid(), signer.algorithm()),
        (new.kid.as_str(), Algorithm::Rs256)
    );

    let early = retire(dirs.ring(), Algorithm::Es256, &old, false, TIMING, now()).unwrap_err();
    assert!(early.to_string().contains("--force"), "{early}");
    assert_eq!(
        dirs.bundle_kids().len(),
        2,
        "a refused retirement changes nothing"
    );
    let later = now() + Duration::seconds(5 + 900 + 60);
    retire(dirs.ring(), Algorithm::Es256, &old, false, TIMING, later).unwrap();
    assert_eq!(dirs.bundle_kids(), std::slice::from_ref(&new.kid));
    assert!(ring.reload().unwrap());
    assert_eq!(ring.snapshot().published().len(), 1);
    let listed = list(dirs.ring(), Algorithm::Es256, TIMING, later).unwrap();
    let states: Vec<_> = listed.iter().map(|k| k.state.as_str()).collect();
    assert_eq!(states, ["retired", "active"]);
}

#[test]
fn the_signer_cannot_be_retired_even_with_force() {
    let dirs = Dirs::new();
    generate(dirs.ring(), Algorithm::Es256, false, now()).unwrap();
    let kid = &list(dirs.ring(), Algorithm::Es256, TIMING, now()).unwrap()[0].kid;
    let err = retire(dirs.ring(), Algorithm::Es256, kid, true, TIMING, now()).unwrap_err();
    assert!(err.to_string().contains("active signing key"), "{err}");
}

#[test]
fn a_scheduled_activation_happens_without_a_reload() {
    let dirs = Dirs::new();
    let ring = KeyRing::open(&dirs.keys, &dirs.public, Algorithm::Es256).unwrap();
    let start = now();
    let new = rotate(
        dirs.ring(),
        Algorithm::Es256,
        Some(Duration::hours(1)),
        start,
    )
    .unwrap();
    ring.reload().unwrap();
    let snapshot = ring.snapshot();
    assert_ne!(snapshot.signer(start).kid(), new.kid);
    assert_eq!(snapshot.signer(start + Duration::hours(1)).kid(), new.kid);
}

#[test]
fn a_pre_ring_key_becomes_the_first_key_of_the_ring() {
    let (legacy, key) = fixture_key(Algorithm::Es256);
    let public = legacy.path().join("public");
    let ring = KeyRing::open(legacy.path(), &public, Algorithm::Es256).unwrap();
    assert_eq!(ring.snapshot().signer(now()).kid(), key.kid());
    let manifest = fs::read_to_string(legacy.path().join(MANIFEST_FILE)).unwrap();
    assert!(
        manifest.contains(KEY_FILE) && manifest.contains(key.kid()),
        "{manifest}"
    );
}

#[test]
fn a_broken_manifest_keeps_the_previous_ring() {
    let dirs = Dirs::new();
    let ring = KeyRing::open(&dirs.keys, &dirs.public, Algorithm::Es256).unwrap();
    let kid = ring.snapshot().signer(now()).kid().to_owned();
    fs::write(
        dirs.keys.join(MANIFEST_FILE),
        "{\"version\": 1, \"keys\": [",
    )
    .unwrap();
    let err = ring.reload().unwrap_err();
    assert!(err.to_string().contains(MANIFEST_FILE), "{err}");
    assert_eq!(ring.snapshot().signer(now()).kid(), kid);
    assert_eq!(dirs.bundle_kids(), [kid]);
}

#[test]
fn generate_never_overwrites_and_force_backs_the_ring_up() {
    let dirs = Dirs::new();
    generate(dirs.ring(), Algorithm::Es256, false, now()).unwrap();
    rotate(dirs.ring(), Algorithm::Es256, None, now()).unwrap();
    let before = list(dirs.ring(), Algorithm::Es256, TIMING, now()).unwrap();
    let err = generate(dirs.ring(), Algorithm::Es256, false, now()).unwrap_err();
    assert!(matches!(err, KeyError::Exists(_)), "{err}");
    let (key, backup) = generate(dirs.ring(), Algorithm::Es256, true, now()).unwrap();
    let backup = backup.expect("the old ring was backed up");
    let mut saved: Vec<String> = fs::read_dir(&backup)
        .unwrap()
        .map(|e| e.unwrap().file_name().into_string().unwrap())
        .collect();
    saved.sort();
    assert_eq!(saved.len(), 5, "{saved:?}");
    assert!(saved.contains(&MANIFEST_FILE.to_owned()) && saved.contains(&KEY_FILE.to_owned()));
    let old_manifest = fs::read_to_string(backup.join(MANIFEST_FILE)).unwrap();
    assert!(before.iter().all(|k| old_manifest.contains(&k.kid)));
    assert_eq!(dirs.bundle_kids(), [key.kid().to_owned()]);
}
