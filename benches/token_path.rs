//! Micro benchmarks of the token path's parts (`cargo bench`): JWS encoding per algorithm,
//! scope parsing, the `grant` decision, the login lookup (a wrong username and an unknown
//! secret must cost the same), the whole use case without HTTP, with and without recording
//! the token's last use, and that recording's parts. The load benchmark is `scripts/bench`.

use criterion::{BatchSize, Criterion, criterion_group, criterion_main};
use regauth::app::App;
use regauth::app::deploy_tokens::CreateDeployToken;
use regauth::app::last_used::LastUsed;
use regauth::app::namespaces::HolderRef;
use regauth::app::registry_auth::{Credentials, TokenRequest};
use regauth::config::Config;
use regauth::domain::authz::{Credential, grant};
use regauth::domain::namespace::{ProjectFacts, RegistryAccess, Visibility};
use regauth::domain::scope::parse_all;
use regauth::domain::token::{DEPLOY_TOKEN_PREFIX, DeployToken, PlainToken};
use regauth::jwt::keys::{CERT_FILE, KEY_FILE};
use regauth::jwt::{Algorithm, SigningKey, jws};
use regauth::server::Application;
use regauth::storage::{StorageError, UsedToken};
use std::hint::black_box;
use std::path::Path;
use std::time::Duration;

const SERVICE: &str = "container_registry";
/// Tokens in the lookup database: enough for a realistic index depth, quick to create.
const TOKENS: usize = 2_000;
const PROJECT: &str = "org1/team2/sub0/project3";
const PULL_SCOPE: &str = "repository:org1/team2/sub0/project3:pull";
const MOUNT_SCOPES: [&str; 2] = [
    "repository:org1/team2/sub0/project3/web:pull,push",
    "repository:org1/team2/sub1/project4:pull",
];

/// The fixture key of `algorithm` (tests/fixtures), loaded as the server loads keys.
fn fixture_key(algorithm: Algorithm, dir: &Path) -> SigningKey {
    copy_fixture_key(algorithm, dir);
    SigningKey::load_or_generate(dir, algorithm).unwrap().0
}

/// Put the fixture key of `algorithm` into the keys directory `dir`.
fn copy_fixture_key(algorithm: Algorithm, dir: &Path) {
    std::fs::create_dir_all(dir).unwrap();
    let name = algorithm.jwa_name().to_ascii_lowercase();
    let fixtures = Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/fixtures");
    std::fs::copy(fixtures.join(format!("{name}-key.pem")), dir.join(KEY_FILE)).unwrap();
    std::fs::copy(
        fixtures.join(format!("{name}-cert.pem")),
        dir.join(CERT_FILE),
    )
    .unwrap();
}

fn claims() -> serde_json::Value {
    serde_json::json!({
        "iss": "regauth", "sub": "gitlab+deploy-token-4242", "aud": SERVICE,
        "exp": 1_800_000_900, "nbf": 1_799_999_995, "iat": 1_800_000_000,
        "jti": "q2jVx1d8wU0n3iK9kQx6Zg",
        "access": [{"type": "repository", "name": "org1/team2/sub0/project3", "actions": ["pull"]}],
        "auth_type": "deploy_token",
    })
}

fn jws_encode(c: &mut Criterion) {
    let claims = claims();
    for algorithm in [Algorithm::Es256, Algorithm::Rs256] {
        let dir = tempfile::tempdir().unwrap();
        let key = fixture_key(algorithm, dir.path());
        for x5c in [false, true] {
            let name = format!("jws::encode {algorithm} x5c={x5c}");
            c.bench_function(&name, |b| {
                b.iter(|| jws::encode(&key, black_box(&claims), x5c))
            });
        }
    }
}

fn scopes(c: &mut Criterion) {
    c.bench_function("scope::parse_all one scope", |b| {
        b.iter(|| parse_all([black_box(PULL_SCOPE)]).unwrap())
    });
    c.bench_function("scope::parse_all cross-repo mount", |b| {
        b.iter(|| parse_all(black_box(MOUNT_SCOPES)).unwrap())
    });
}

fn authz(c: &mut Criterion) {
    let dir = tempfile::tempdir().unwrap();
    let (server, logins) = seeded(dir.path(), 10);
    let app = server.app();
    let token = app.deploy_token(logins[0].1).unwrap();
    let project = ProjectFacts {
        id: project_id(&token),
        path: "org1/team2/sub0/project3".into(),
        visibility: Visibility::Private,
        registry: RegistryAccess::Enabled,
    };
    let now = app.now();
    for (name, raw) in [("pull", &[PULL_SCOPE][..]), ("mount", &MOUNT_SCOPES[..])] {
        let requested = parse_all(raw.iter().copied()).unwrap();
        c.bench_function(&format!("authz::grant {name}"), |b| {
            b.iter(|| {
                grant(
                    black_box(&requested),
                    Credential::DeployToken(&token),
                    |repo| repo.starts_with(&project.path).then_some(&project),
                    now,
                )
                .unwrap()
            })
        });
    }
}

fn project_id(token: &DeployToken) -> i64 {
    match token.holder {
        regauth::domain::token::Holder::Project { id, .. } => id,
        regauth::domain::token::Holder::Group { id, .. } => id,
    }
}

/// Login lookups: the right username, a wrong one, and an unknown secret. The two refusals
/// must cost the same (no timing tells a known secret from an unknown one).
fn login_lookup(c: &mut Criterion) {
    let dir = tempfile::tempdir().unwrap();
    let (server, logins) = seeded(dir.path(), TOKENS);
    let store = server.app().store();
    let ((username, secret), _) = &logins[TOKENS / 2];
    let ((other_username, _), _) = &logins[TOKENS / 2 + 1];
    let known = PlainToken::from_client(secret);
    let unknown = PlainToken::generate(DEPLOY_TOKEN_PREFIX);
    let cases = [
        ("right username", &known, username),
        ("wrong username", &known, other_username),
        ("unknown secret", &unknown, username),
    ];
    for (name, secret, username) in cases {
        // The lookup alone, inside one read transaction (its cost is the snapshot bench's).
        c.bench_function(&format!("digest + login lookup, {name}"), |b| {
            store
                .read(|tx| {
                    b.iter(|| tx.deploy_token_by_login(&black_box(secret).digest(), username));
                    Ok::<_, StorageError>(())
                })
                .unwrap()
        });
    }
}

/// The token path's reads as the server runs them: one read snapshot holding the login
/// lookup and the owning-project lookup, cycling through many tokens.
fn snapshot_reads(c: &mut Criterion) {
    let dir = tempfile::tempdir().unwrap();
    let (server, logins) = seeded(dir.path(), TOKENS);
    let store = server.app().store();
    let secrets: Vec<_> = logins
        .iter()
        .step_by(10)
        .map(|((user, secret), _)| (user.clone(), PlainToken::from_client(secret)))
        .collect();
    let mut next = 0;
    c.bench_function("read snapshot: login + owning project", |b| {
        b.iter(|| {
            let (username, secret) = &secrets[next % secrets.len()];
            next += 1;
            store
                .read(|tx| {
                    let token = tx.deploy_token_by_login(&secret.digest(), username)?;
                    let project = tx.project_for_repository(PROJECT)?;
                    Ok::<_, StorageError>((token, project))
                })
                .unwrap()
        })
    });
}

/// The whole use case (no HTTP): authenticate, look up, authorize, sign.
fn issue(c: &mut Criterion) {
    let dir = tempfile::tempdir().unwrap();
    let (server, logins) = seeded(dir.path(), 200);
    let service = server.token_service();
    let ((username, secret), _) = &logins[100];
    let request = |secret: &str| TokenRequest {
        service: Some(SERVICE.into()),
        scopes: vec![PULL_SCOPE.into()],
        credentials: Credentials::Password {
            username: username.clone(),
            secret: PlainToken::from_client(secret),
        },
        offline: false,
        client: None,
    };
    let right = request(secret);
    let wrong = request(PlainToken::generate(DEPLOY_TOKEN_PREFIX).expose());
    c.bench_function("TokenService::issue pull ES256 x5c", |b| {
        b.iter(|| service.issue(black_box(&right)).unwrap())
    });
    c.bench_function("TokenService::issue wrong password", |b| {
        b.iter(|| assert!(service.issue(black_box(&wrong)).is_err()))
    });
    // The same pull with recording off: the difference is what recording costs a request.
    let off = tempfile::tempdir().unwrap();
    let (server, logins) = seeded_with(off.path(), 200, 0);
    let ((username, secret), _) = &logins[100];
    let request = TokenRequest {
        credentials: Credentials::Password {
            username: username.clone(),
            secret: PlainToken::from_client(secret),
        },
        ..request(secret)
    };
    c.bench_function(
        "TokenService::issue pull ES256 x5c, last use not recorded",
        |b| b.iter(|| server.token_service().issue(black_box(&request)).unwrap()),
    );
}

/// Recording a token's last use: noting a use (within the window, the usual case, and a
/// new one), and one batched write of 200 tokens' uses.
fn last_used(c: &mut Criterion) {
    let dir = tempfile::tempdir().unwrap();
    let (server, logins) = seeded(dir.path(), 200);
    let app = server.app();
    let ids: Vec<UsedToken> = logins
        .iter()
        .map(|(_, id)| UsedToken::Deploy(*id))
        .collect();
    let recorder = LastUsed::new(Duration::from_secs(60));
    let now = app.now();
    recorder.note(ids[0], now);
    c.bench_function("last_used note, within the window", |b| {
        b.iter(|| recorder.note(black_box(ids[0]), now))
    });
    let mut later = now;
    c.bench_function("last_used note, a new window", |b| {
        b.iter(|| {
            later += Duration::from_secs(61);
            recorder.note(black_box(ids[0]), later)
        })
    });
    c.bench_function("last_used flush, 200 tokens in one transaction", |b| {
        b.iter_batched(
            || {
                later += Duration::from_secs(61);
                ids.iter().for_each(|id| recorder.note(*id, later));
                later
            },
            |at| recorder.flush(app.store(), at).unwrap(),
            BatchSize::PerIteration,
        )
    });
}

/// `((username, secret), token id)` of a seeded token.
type Login = ((String, String), i64);

/// A server (built as `serve` builds it, signing with the ES256 fixture key, never started)
/// over a database with one project and `count` pull tokens on it; returns the logins and
/// ids too.
fn seeded(dir: &Path, count: usize) -> (Application, Vec<Login>) {
    seeded_with(dir, count, 60)
}

/// [`seeded`] with tokens' last use recorded every `last_used` seconds (0: never).
fn seeded_with(dir: &Path, count: usize, last_used: u64) -> (Application, Vec<Login>) {
    let keys = dir.join("keys");
    copy_fixture_key(Algorithm::Es256, &keys);
    let config = Config {
        listen: "127.0.0.1:0".parse().unwrap(),
        database: regauth::storage::Location::Sqlite(dir.join("bench.db")),
        keys_dir: keys,
        signing_algorithm: Algorithm::Es256,
        registry_service: SERVICE.into(),
        last_used_interval: last_used,
        ..Config::default()
    };
    let server = regauth::server::build(&config).unwrap();
    let logins = seed(server.app(), count);
    (server, logins)
}

/// One project and `count` pull tokens on it; the logins and ids.
fn seed(app: &App, count: usize) -> Vec<Login> {
    for group in ["org1", "org1/team2", "org1/team2/sub0"] {
        app.create_group(group, Visibility::Private).unwrap();
    }
    let project = PROJECT;
    app.create_project(project, Visibility::Private, RegistryAccess::Enabled)
        .unwrap();
    (0..count)
        .map(|i| {
            let created = app
                .create_deploy_token(&CreateDeployToken {
                    holder: HolderRef::Project(project),
                    name: &format!("ci-{i}"),
                    scopes: vec!["read_registry"],
                    username: None,
                    expires_at: None,
                    repositories: None,
                })
                .unwrap();
            let secret = created.secret.expose().to_owned();
            ((created.token.username, secret), created.token.id)
        })
        .collect()
}

criterion_group!(
    benches,
    jws_encode,
    scopes,
    authz,
    login_lookup,
    snapshot_reads,
    issue,
    last_used
);
criterion_main!(benches);
