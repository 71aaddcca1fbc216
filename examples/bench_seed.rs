//! Benchmark seeder (run by `scripts/bench`): fills a fresh database through the same `App`
//! use cases as the CLI and HTTP API, then writes the ready-made requests the load scenarios
//! send, one per line, so the load generator never computes anything per request.
//!
//! Usage: `bench_seed DATABASE KEYS_DIR REQUESTS_FILE` (KEYS_DIR: where the server keeps its
//! keys; creating a `gitlab-deploy-token` seals its CI variables with the key kept there).
//!
//! Shape: 10 top-level groups, each with 5 subgroups of 2 sub-subgroups (160 groups);
//! 1,200 projects (every tenth public); 8 deploy tokens per project and 3 per group
//! (10,080 tokens, some revoked). Output lines are tab-separated:
//! `scenario  method  target  authorization-or-"-"  body-or-"-"`. The file holds secrets of
//! this throw-away database only; it is written with mode 0600.

use base64::Engine;
use base64::engine::general_purpose::STANDARD;
use regauth::app::App;
use regauth::app::deploy_tokens::{CreateDeployToken, CreatedDeployToken};
use regauth::app::namespaces::HolderRef;
use regauth::app::registry_auth::{Credentials, TokenRequest, TokenService};
use regauth::config::Config;
use regauth::domain::namespace::{RegistryAccess, Visibility};
use regauth::domain::token::{DEPLOY_TOKEN_PREFIX, PlainToken};
use regauth::jwt::Algorithm;
use regauth::storage::Location;
use std::error::Error;
use std::fmt::Write as _;
use std::io::Write as _;
use std::os::unix::fs::OpenOptionsExt;
use std::path::PathBuf;

type Result<T> = std::result::Result<T, Box<dyn Error>>;

const SERVICE: &str = "container_registry";
/// Requests written per scenario; wrk threads cycle through them.
const PER_SCENARIO: usize = 200;
/// Scopes of the eight tokens every project gets, in order.
const PROJECT_TOKEN_SCOPES: [&[&str]; 8] = [
    &["read_registry"],
    &["read_registry", "write_registry"],
    &["read_repository"],
    &["read_registry"],
    &["read_package_registry", "write_package_registry"],
    &["read_registry", "read_repository"],
    &["read_registry", "write_registry"],
    &["read_registry"],
];

/// A usable deploy token: username, secret, and a repository it may pull from.
struct Login {
    username: String,
    secret: String,
    repository: String,
}

/// What the seeding produced for the request file.
#[derive(Default)]
struct Seeded {
    pull: Vec<Login>,
    push: Vec<Login>,
    public_repositories: Vec<String>,
    projects: usize,
    tokens: usize,
}

fn main() -> Result<()> {
    let args: Vec<String> = std::env::args().skip(1).collect();
    let [database, keys_dir, requests] = args.as_slice() else {
        return Err(
            "usage: bench_seed DATABASE(file or postgres:// URL) KEYS_DIR REQUESTS_FILE".into(),
        );
    };
    let started = std::time::Instant::now();
    // Built as `serve` builds it (never started): the ES256 key it creates in KEYS_DIR is
    // the one the ES256 server then loads.
    let config = Config {
        listen: "127.0.0.1:0".parse()?,
        database: Location::parse(database)?,
        keys_dir: PathBuf::from(keys_dir),
        signing_algorithm: Algorithm::Es256,
        registry_service: SERVICE.into(),
        ..Config::default()
    };
    let server = regauth::server::build(&config)?;
    let seeded = seed(server.app())?;
    let lines = request_lines(server.token_service(), &seeded)?;
    let mut file = std::fs::OpenOptions::new()
        .write(true)
        .create(true)
        .truncate(true)
        .mode(0o600)
        .open(requests)?;
    file.write_all(lines.as_bytes())?;
    println!(
        "bench_seed: 160 groups, {} projects, {} deploy tokens in {:.1} s",
        seeded.projects,
        seeded.tokens,
        started.elapsed().as_secs_f64()
    );
    Ok(())
}

/// Groups `org{i}` > `org{i}/team{j}` > `org{i}/team{j}/sub{k}`, projects in teams and subs.
fn seed(app: &App) -> Result<Seeded> {
    let mut seeded = Seeded::default();
    for org in 0..10 {
        let org_path = format!("org{org}");
        app.create_group(&org_path, Visibility::Private)?;
        group_tokens(app, &org_path, &mut seeded)?;
        for team in 0..5 {
            let team_path = format!("{org_path}/team{team}");
            app.create_group(&team_path, Visibility::Private)?;
            group_tokens(app, &team_path, &mut seeded)?;
            projects(app, &team_path, 4, &mut seeded)?;
            for sub in 0..2 {
                let sub_path = format!("{team_path}/sub{sub}");
                app.create_group(&sub_path, Visibility::Private)?;
                group_tokens(app, &sub_path, &mut seeded)?;
                projects(app, &sub_path, 10, &mut seeded)?;
            }
        }
    }
    Ok(seeded)
}

/// `count` projects in `group`, each with its eight tokens.
fn projects(app: &App, group: &str, count: usize, seeded: &mut Seeded) -> Result<()> {
    for n in 0..count {
        let path = format!("{group}/project{n}");
        let public = seeded.projects.is_multiple_of(10);
        seeded.projects += 1;
        let visibility = if public {
            Visibility::Public
        } else {
            Visibility::Private
        };
        app.create_project(&path, visibility, RegistryAccess::Enabled)?;
        if public {
            seeded.public_repositories.push(format!("{path}/web"));
        }
        for (i, scopes) in PROJECT_TOKEN_SCOPES.iter().enumerate() {
            let created = create_token(app, HolderRef::Project(&path), i, scopes)?;
            if i == 3 && n % 2 == 0 {
                app.revoke_deploy_token(created.token.id)?;
            }
            let login = login(&created, &path);
            match i {
                0 => seeded.pull.push(login),
                1 => seeded.push.push(login),
                _ => {}
            }
            seeded.tokens += 1;
        }
    }
    Ok(())
}

/// Three tokens on `group`; the pulling one is used on a project deep below it.
fn group_tokens(app: &App, group: &str, seeded: &mut Seeded) -> Result<()> {
    let scopes: [&[&str]; 3] = [
        &["read_registry"],
        &["read_registry", "write_registry"],
        &["read_repository"],
    ];
    for (i, scopes) in scopes.iter().enumerate() {
        let created = create_token(app, HolderRef::Group(group), i, scopes)?;
        if i == 0 {
            seeded.pull.push(login(&created, &project_below(group)));
        }
        seeded.tokens += 1;
    }
    Ok(())
}

/// A project deep inside `group`'s subtree (created later in [`seed`]; used only after it).
fn project_below(group: &str) -> String {
    match group.matches('/').count() {
        0 => format!("{group}/team4/sub1/project9"),
        1 => format!("{group}/sub1/project9"),
        _ => format!("{group}/project9"),
    }
}

fn create_token(
    app: &App,
    holder: HolderRef<'_>,
    index: usize,
    scopes: &[&str],
) -> Result<CreatedDeployToken> {
    let name = if index == 0 {
        "gitlab-deploy-token".to_owned()
    } else {
        format!("ci-{index}")
    };
    Ok(app.create_deploy_token(&CreateDeployToken {
        holder,
        name: &name,
        scopes: scopes.to_vec(),
        username: None,
        expires_at: (index % 2 == 1).then_some("2099-01-01"),
        repositories: None,
    })?)
}

fn login(created: &CreatedDeployToken, repository: &str) -> Login {
    Login {
        username: created.token.username.clone(),
        secret: created.secret.expose().to_owned(),
        repository: repository.to_owned(),
    }
}

/// The requests of every scenario, one tab-separated line each.
fn request_lines(service: &TokenService, seeded: &Seeded) -> Result<String> {
    let mut out = String::from("healthz\tGET\t/healthz\t-\t-\n");
    let pull = spread(&seeded.pull);
    for (i, login) in pull.iter().enumerate() {
        let other = pull[(i + 1) % pull.len()];
        let unknown = PlainToken::generate(DEPLOY_TOKEN_PREFIX);
        let target = token_query(login, "pull");
        let (user, secret) = (&login.username, &login.secret);
        get(&mut out, "pull", &target, user, secret);
        get(&mut out, "wrong_password", &target, user, unknown.expose());
        get(&mut out, "wrong_username", &target, &other.username, secret);
        let body = refresh_body(service, login)?;
        line(&mut out, "refresh", "/jwt/auth", "-", &body);
    }
    for login in spread(&seeded.push) {
        let target = token_query(login, "pull,push");
        get(&mut out, "push", &target, &login.username, &login.secret);
    }
    for repository in seeded.public_repositories.iter().take(PER_SCENARIO) {
        let scope = format!("repository:{repository}:pull");
        let pairs = [("service", SERVICE), ("scope", scope.as_str())];
        let target = format!("/jwt/auth?{}", query(&pairs));
        line(&mut out, "anonymous", &target, "-", "-");
    }
    Ok(out)
}

/// The refresh-grant form `docker` posts once it holds a refresh token for `login`.
fn refresh_body(service: &TokenService, login: &Login) -> Result<String> {
    let refresh = refresh_token(service, login)?;
    let scope = format!("repository:{}:pull", login.repository);
    Ok(query(&[
        ("grant_type", "refresh_token"),
        ("service", SERVICE),
        ("client_id", "docker"),
        ("refresh_token", &refresh),
        ("scope", &scope),
    ]))
}

/// [`PER_SCENARIO`] entries taken evenly across `all`.
fn spread<T>(all: &[T]) -> Vec<&T> {
    let step = (all.len() / PER_SCENARIO).max(1);
    all.iter().step_by(step).take(PER_SCENARIO).collect()
}

/// `GET /jwt/auth` as `docker pull` sends it.
fn token_query(login: &Login, actions: &str) -> String {
    let scope = format!("repository:{}:{actions}", login.repository);
    let pairs = [
        ("account", login.username.as_str()),
        ("scope", &scope),
        ("service", SERVICE),
    ];
    format!("/jwt/auth?{}", query(&pairs))
}

fn query(pairs: &[(&str, &str)]) -> String {
    serde_urlencoded::to_string(pairs).expect("string pairs always encode")
}

fn basic(username: &str, secret: &str) -> String {
    format!("Basic {}", STANDARD.encode(format!("{username}:{secret}")))
}

/// A GET with HTTP Basic credentials.
fn get(out: &mut String, scenario: &str, target: &str, username: &str, secret: &str) {
    line(out, scenario, target, &basic(username, secret), "-");
}

fn line(out: &mut String, scenario: &str, target: &str, authorization: &str, body: &str) {
    let method = if body == "-" { "GET" } else { "POST" };
    let _ = writeln!(
        out,
        "{scenario}\t{method}\t{target}\t{authorization}\t{body}"
    );
}

/// A refresh token obtained the way `docker login` does (password grant, offline).
fn refresh_token(service: &TokenService, login: &Login) -> Result<String> {
    let grant = service.issue(&TokenRequest {
        service: Some(SERVICE.into()),
        scopes: Vec::new(),
        credentials: Credentials::Password {
            username: login.username.clone(),
            secret: PlainToken::from_client(&login.secret),
        },
        offline: true,
        client: None,
    })?;
    grant
        .refresh_token
        .ok_or_else(|| "no refresh token issued".into())
}
