use super::*;
use crate::app::deploy_tokens::CreateDeployToken;
use crate::app::namespaces::HolderRef;
use crate::app::{App, ManualClock};
use crate::domain::namespace::{RegistryAccess, Visibility};
use time::macros::datetime;

const T0: OffsetDateTime = datetime!(2026-11-25 12:00 UTC);

/// An application on a fresh database with one project token; the token's id.
fn app_with_token(dir: &std::path::Path) -> (App, Arc<ManualClock>, i64) {
    let clock = Arc::new(ManualClock::new(T0));
    let store = Store::open(&crate::storage::Location::Sqlite(dir.join("t.db"))).unwrap();
    let app = App::with_clock(store, clock.clone());
    app.create_group("g", Visibility::Private).unwrap();
    app.create_project("g/p", Visibility::Private, RegistryAccess::Enabled)
        .unwrap();
    let created = app
        .create_deploy_token(&CreateDeployToken {
            holder: HolderRef::Project("g/p"),
            name: "ci",
            scopes: vec!["read_registry"],
            username: None,
            expires_at: None,
            repositories: None,
        })
        .unwrap();
    (app, clock, created.token.id)
}

fn last_used_at(app: &App, id: i64) -> Option<OffsetDateTime> {
    app.deploy_token(id).unwrap().last_used_at
}

#[test]
fn one_write_per_token_per_window() {
    let dir = tempfile::tempdir().unwrap();
    let (app, clock, id) = app_with_token(dir.path());
    let token = UsedToken::Deploy(id);
    assert_eq!(app.flush_last_used().unwrap(), 0, "nothing noted yet");
    app.note_use(token);
    app.note_use(token);
    assert_eq!(last_used_at(&app, id), None, "nothing is written on use");
    assert_eq!(app.flush_last_used().unwrap(), 1);
    assert_eq!(last_used_at(&app, id), Some(T0));
    // Within the window: not noted, not written.
    clock.set(T0 + Duration::from_secs(59));
    app.note_use(token);
    assert_eq!(app.flush_last_used().unwrap(), 0);
    assert_eq!(app.last_used().written(), 1);
    assert_eq!(last_used_at(&app, id), Some(T0));
    // A window later: written again.
    clock.set(T0 + Duration::from_secs(60));
    app.note_use(token);
    assert_eq!(app.flush_last_used().unwrap(), 1);
    assert_eq!(app.last_used().written(), 2);
    assert_eq!(last_used_at(&app, id), Some(T0 + Duration::from_secs(60)));
}

#[test]
fn a_recorded_instant_never_moves_back_and_unknown_ids_are_skipped() {
    let dir = tempfile::tempdir().unwrap();
    let (app, _, id) = app_with_token(dir.path());
    let later = T0 + Duration::from_secs(600);
    let uses = [
        (UsedToken::Deploy(id), later),
        (UsedToken::Deploy(9999), T0),
    ];
    let changed = app.store().write(|tx| tx.record_last_used(&uses)).unwrap();
    assert_eq!(changed, 1);
    // Another replica's older use arrives afterwards.
    let older = [(UsedToken::Deploy(id), T0)];
    let changed = app.store().write(|tx| tx.record_last_used(&older)).unwrap();
    assert_eq!(changed, 0);
    assert_eq!(last_used_at(&app, id), Some(later));
}

#[test]
fn a_zero_interval_records_nothing() {
    let dir = tempfile::tempdir().unwrap();
    let (app, _, id) = app_with_token(dir.path());
    let app = app.with_last_used_interval(Duration::ZERO);
    app.note_use(UsedToken::Deploy(id));
    assert_eq!(app.flush_last_used().unwrap(), 0);
    app.start_last_used();
    app.last_used().stop();
    assert_eq!(last_used_at(&app, id), None);
}

#[test]
fn stopping_the_flusher_writes_what_is_pending() {
    let dir = tempfile::tempdir().unwrap();
    let (app, _, id) = app_with_token(dir.path());
    // An interval far longer than the test: only the stop can write.
    let app = app.with_last_used_interval(Duration::from_secs(3600));
    app.start_last_used();
    app.note_use(UsedToken::Deploy(id));
    app.last_used().stop();
    assert_eq!(last_used_at(&app, id), Some(T0));
    assert_eq!(app.last_used().written(), 1);
}
