//! Expiry and revocation webhooks against a real HTTP receiver, on the manual clock: each
//! notice is sent once at its time, signed with the webhook's secret, retried with backoff
//! until the receiver takes it, and sent once even with two workers on one database.

mod backend;
mod receiver;

use backend::TestDatabase;
use receiver::{Receiver, signed};
use regauth::app::deploy_tokens::CreateDeployToken;
use regauth::app::namespaces::HolderRef;
use regauth::app::users::CreatePersonalToken;
use regauth::app::webhooks::{Notifier, Transport};
use regauth::app::{App, ManualClock};
use regauth::domain::namespace::{RegistryAccess, Visibility};
use regauth::domain::webhook::{Webhook, WebhookEvent, WebhookSecret};
use regauth::http::webhook_client::HttpTransport;
use regauth::storage::Store;
use std::sync::Arc;
use time::macros::datetime;
use time::{Duration, OffsetDateTime};

const SECRET: &str = "receiver-shared-secret";
const START: OffsetDateTime = datetime!(2026-11-25 12:00 UTC);
/// Every token of these tests expires then.
const EXPIRY: OffsetDateTime = datetime!(2026-12-10 12:00 UTC);

fn webhook(url: &str) -> Webhook {
    Webhook {
        url: url.to_owned(),
        secret: WebhookSecret::parse(SECRET).unwrap(),
        events: WebhookEvent::ALL.to_vec(),
    }
}

/// An application on the database `db`, sending to `url`.
fn app_on(db: &TestDatabase, clock: &Arc<ManualClock>, url: &str) -> App {
    let store = Store::open(&db.location()).unwrap();
    App::with_clock(store, clock.clone()).with_webhooks(vec![webhook(url)])
}

fn notifier(app: &App, name: &str) -> Notifier {
    let transport: Arc<dyn Transport> = Arc::new(HttpTransport::new().unwrap());
    Notifier::new(app.clone(), name, transport)
}

/// A project with a deploy token, and a user with a personal access token, both expiring
/// at [`EXPIRY`]; returns (deploy token id, deploy secret, personal token id, its secret).
fn seed(app: &App) -> (i64, String, i64, String) {
    app.create_group("acme", Visibility::Private).unwrap();
    app.create_project("acme/api", Visibility::Private, RegistryAccess::Enabled)
        .unwrap();
    let deploy = app
        .create_deploy_token(&CreateDeployToken {
            holder: HolderRef::Project("acme/api"),
            name: "ci",
            scopes: vec!["read_registry"],
            username: None,
            expires_at: Some("2026-12-10T12:00:00Z"),
            repositories: None,
        })
        .unwrap();
    app.create_user("alice", false).unwrap();
    let personal = app
        .create_personal_token(
            "alice",
            &CreatePersonalToken {
                name: "laptop",
                scopes: vec!["read_api"],
                expires_at: Some("2026-12-10T12:00:00Z"),
            },
        )
        .unwrap();
    (
        deploy.token.id,
        deploy.secret.expose().to_owned(),
        personal.token.id,
        personal.secret.expose().to_owned(),
    )
}

/// The events received, in order.
fn events(receiver: &Receiver) -> Vec<String> {
    receiver
        .received()
        .iter()
        .map(|r| r.json()["event"].as_str().unwrap().to_owned())
        .collect()
}

#[test]
fn expiry_notices_come_seven_days_and_one_day_before_and_at_expiry() {
    let dir = tempfile::tempdir().unwrap();
    let receiver = Receiver::start();
    let clock = Arc::new(ManualClock::new(START));
    let app = app_on(
        &TestDatabase::new(dir.path(), "regauth.db"),
        &clock,
        &receiver.url,
    );
    let (deploy_id, deploy_secret, personal_id, personal_secret) = seed(&app);
    let worker = notifier(&app, "worker-a");

    clock.set(EXPIRY - Duration::days(8));
    worker.run_once().unwrap();
    assert!(events(&receiver).is_empty(), "8 days before: nothing");

    clock.set(EXPIRY - Duration::days(7));
    worker.run_once().unwrap();
    worker.run_once().unwrap();
    let expiring = ["deploy_token.expiring", "personal_access_token.expiring"];
    assert_eq!(events(&receiver), expiring, "7 days before: one each");

    clock.set(EXPIRY - Duration::days(1));
    worker.run_once().unwrap();
    clock.set(EXPIRY - Duration::hours(2));
    worker.run_once().unwrap();
    assert_eq!(
        events(&receiver)[2..],
        expiring,
        "1 day before: one more each"
    );

    clock.set(EXPIRY + Duration::seconds(1));
    worker.run_once().unwrap();
    clock.set(EXPIRY + Duration::days(3));
    worker.run_once().unwrap();
    let expired = ["deploy_token.expired", "personal_access_token.expired"];
    assert_eq!(
        events(&receiver)[4..],
        expired,
        "after expiry: expired, once"
    );
    assert_eq!(receiver.received().len(), 6);

    let received = receiver.received();
    let deploy = received[0].json();
    assert_eq!(deploy["token"]["type"], "deploy_token");
    assert_eq!(deploy["token"]["id"], deploy_id);
    assert_eq!(deploy["token"]["name"], "ci");
    assert_eq!(
        deploy["token"]["username"],
        format!("gitlab+deploy-token-{deploy_id}")
    );
    assert_eq!(deploy["token"]["holder"]["type"], "project");
    assert_eq!(deploy["token"]["holder"]["path"], "acme/api");
    assert_eq!(deploy["token"]["expires_at"], "2026-12-10T12:00:00Z");
    let personal = received[1].json();
    assert_eq!(personal["token"]["id"], personal_id);
    assert_eq!(personal["token"]["name"], "laptop");
    assert_eq!(personal["token"]["username"], "alice");
    assert_eq!(personal["token"]["holder"]["type"], "user");
    let mut ids = Vec::new();
    for r in &received {
        assert_eq!(r.method, "POST");
        assert_eq!(r.header("content-type"), "application/json");
        assert_eq!(r.header("x-regauth-event"), r.json()["event"]);
        assert!(
            signed(r.header("x-regauth-signature"), &r.body, SECRET),
            "signature of {}",
            r.body
        );
        assert!(!signed(r.header("x-regauth-signature"), &r.body, "other"));
        assert!(!r.body.contains(&deploy_secret) && !r.body.contains(&personal_secret));
        assert!(!r.body.contains(SECRET));
        ids.push(r.header("x-regauth-delivery").to_owned());
    }
    ids.dedup();
    assert_eq!(ids.len(), 6, "one delivery id per notice");
}

#[test]
fn a_revoked_deploy_token_is_announced_once() {
    let dir = tempfile::tempdir().unwrap();
    let receiver = Receiver::start();
    let clock = Arc::new(ManualClock::new(START));
    let app = app_on(
        &TestDatabase::new(dir.path(), "regauth.db"),
        &clock,
        &receiver.url,
    );
    let (deploy_id, _, _, _) = seed(&app);
    let worker = notifier(&app, "worker-a");
    app.revoke_deploy_token(deploy_id).unwrap();
    // revoking again is refused and announces nothing
    let again = app.revoke_deploy_token(deploy_id).unwrap_err();
    assert_eq!(
        again.to_string(),
        format!("deploy token {deploy_id} was already revoked")
    );
    worker.run_once().unwrap();
    // A revoked token gets no expiry notices either.
    clock.set(EXPIRY - Duration::days(7));
    worker.run_once().unwrap();
    let received = receiver.received();
    let names = events(&receiver);
    assert_eq!(
        names,
        ["deploy_token.revoked", "personal_access_token.expiring"]
    );
    assert_eq!(received[0].json()["token"]["id"], deploy_id);
    assert!(signed(
        received[0].header("x-regauth-signature"),
        &received[0].body,
        SECRET
    ));
}

#[test]
fn a_failing_receiver_gets_the_notice_again_with_backoff_until_it_takes_it() {
    let dir = tempfile::tempdir().unwrap();
    let receiver = Receiver::answering(&[500, 503]);
    let clock = Arc::new(ManualClock::new(START));
    let app = app_on(
        &TestDatabase::new(dir.path(), "regauth.db"),
        &clock,
        &receiver.url,
    );
    let (deploy_id, _, personal_id, _) = seed(&app);
    app.revoke_personal_token(personal_id).unwrap();
    let worker = notifier(&app, "worker-a");
    let at = EXPIRY - Duration::days(7);
    clock.set(at);
    let first = worker.run_once().unwrap();
    assert_eq!((first.delivered, first.failed), (0, 1));
    worker.run_once().unwrap();
    assert_eq!(
        receiver.received().len(),
        1,
        "not again before the backoff ends"
    );
    clock.set(at + Duration::seconds(30));
    worker.run_once().unwrap();
    assert_eq!(receiver.received().len(), 2, "second attempt after 30 s");
    clock.set(at + Duration::seconds(60));
    worker.run_once().unwrap();
    assert_eq!(receiver.received().len(), 2, "the next one waits 60 s more");
    clock.set(at + Duration::seconds(90));
    let third = worker.run_once().unwrap();
    assert_eq!((third.delivered, third.failed), (1, 0));
    clock.set(at + Duration::hours(5));
    worker.run_once().unwrap();
    let received = receiver.received();
    let answered: Vec<u16> = received.iter().map(|r| r.answered).collect();
    assert_eq!(
        answered,
        [500, 503, 200],
        "delivered once, after two failures"
    );
    assert!(received.iter().all(|r| r.body == received[0].body));
    assert_eq!(received[0].json()["token"]["id"], deploy_id);
    let rows = app.store().read(|tx| tx.webhook_deliveries()).unwrap();
    assert_eq!(rows.len(), 1);
    assert_eq!(rows[0].attempts, 3);
    assert!(rows[0].delivered_at.is_some());
}

#[test]
fn two_workers_on_one_database_send_each_notice_once() {
    let dir = tempfile::tempdir().unwrap();
    let db = TestDatabase::new(dir.path(), "regauth.db");
    let receiver = Receiver::start();
    let clock = Arc::new(ManualClock::new(START));
    let one = app_on(&db, &clock, &receiver.url);
    // A second replica: its own pool on the same database file.
    let two = app_on(&db, &clock, &receiver.url);
    one.create_group("acme", Visibility::Private).unwrap();
    one.create_project("acme/api", Visibility::Private, RegistryAccess::Enabled)
        .unwrap();
    for i in 0..30 {
        one.create_deploy_token(&CreateDeployToken {
            holder: HolderRef::Project("acme/api"),
            name: &format!("t{i}"),
            scopes: vec!["read_registry"],
            username: None,
            expires_at: Some("2026-12-10T12:00:00Z"),
            repositories: None,
        })
        .unwrap();
    }
    clock.set(EXPIRY - Duration::days(3));
    let workers = [notifier(&one, "replica-1"), notifier(&two, "replica-2")];
    std::thread::scope(|s| {
        for worker in &workers {
            s.spawn(move || {
                for _ in 0..5 {
                    worker.run_once().unwrap();
                }
            });
        }
    });
    let mut tokens: Vec<i64> = receiver
        .received()
        .iter()
        .map(|r| r.json()["token"]["id"].as_i64().unwrap())
        .collect();
    assert_eq!(tokens.len(), 30, "30 notices, no repeats");
    tokens.sort_unstable();
    tokens.dedup();
    assert_eq!(tokens.len(), 30, "each token once");
}
