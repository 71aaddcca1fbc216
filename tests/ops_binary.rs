//! `regauth serve` as an operator runs it: `/readyz` (200, and 503 naming what is wrong when
//! the signing key or the database file goes missing), and `REGAUTH_LOG_FORMAT=json` access
//! lines for token, forward-auth, management API and CLI requests, refusals included, parsed
//! as JSON, with no secret anywhere. Runs the real binary; no other tool is needed.

mod support;

use base64::Engine;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use serde_json::Value;
use support::backend::Backend;
use support::stack::{Regauth, Signing, http_client};

const SERVICE: &str = "container_registry";

/// The server's JSON log lines whose `message` is `message`.
fn lines(regauth: &Regauth, message: &str) -> Vec<Value> {
    json_lines(&regauth.log(), message)
}

/// The JSON lines of `text` whose `message` is `message` (a failed CLI command also prints
/// its `error: …` line, which is for people).
fn json_lines(text: &str, message: &str) -> Vec<Value> {
    text.lines()
        .filter(|line| !line.starts_with("error: "))
        .map(|line| {
            serde_json::from_str::<Value>(line)
                .unwrap_or_else(|e| panic!("not a JSON line ({e}): {line}"))
        })
        .filter(|v| v["message"] == message)
        .collect()
}

fn pull(regauth: &Regauth, repo: &str, user: &str, secret: &str) -> (u16, Value) {
    let url = format!(
        "{}/jwt/auth?service={SERVICE}&scope=repository:{repo}:pull",
        regauth.url()
    );
    let res = http_client()
        .get(url)
        .basic_auth(user, Some(secret))
        .send()
        .unwrap();
    (res.status().as_u16(), res.json().unwrap())
}

fn readyz(regauth: &Regauth) -> (u16, Value) {
    let res = http_client()
        .get(format!("{}/readyz", regauth.url()))
        .send()
        .unwrap();
    (res.status().as_u16(), res.json().unwrap())
}

#[test]
fn readyz_names_a_missing_signing_key_and_a_missing_database() {
    let dir = tempfile::tempdir().unwrap();
    let regauth = Regauth::start(dir.path(), Signing::default(), &[]);
    let (status, body) = readyz(&regauth);
    assert_eq!(status, 200, "{body}");
    assert_eq!(
        body,
        serde_json::json!({"status": "ready", "checks": {"database": "ok", "signing_key": "ok"}})
    );

    let key = regauth.keys_dir.join("signing-key.pem");
    let saved = std::fs::read(&key).unwrap();
    std::fs::remove_file(&key).unwrap();
    let (status, body) = readyz(&regauth);
    assert_eq!(status, 503, "{body}");
    assert_eq!(body["status"], "unavailable");
    assert_eq!(body["checks"]["database"], "ok");
    let why = body["checks"]["signing_key"].as_str().unwrap();
    assert!(why.ends_with("signing-key.pem is missing"), "{why}");
    std::fs::write(&key, saved).unwrap();
    assert_eq!(readyz(&regauth).0, 200);

    match regauth.db.backend {
        Backend::Sqlite => a_missing_database_file_is_named(&regauth, dir.path()),
        Backend::Postgres => an_unreachable_database_server_is_named(&regauth),
    }
}

fn a_missing_database_file_is_named(regauth: &Regauth, dir: &std::path::Path) {
    let db = dir.join("data/regauth.db");
    std::fs::remove_file(&db).unwrap();
    let (status, body) = readyz(regauth);
    assert_eq!(status, 503, "{body}");
    assert_eq!(body["checks"]["signing_key"], "ok");
    let why = body["checks"]["database"].as_str().unwrap();
    assert!(why.contains("regauth.db is missing"), "{why}");

    // A file that is not a database is no better.
    std::fs::write(&db, "this is not a database\n".repeat(512)).unwrap();
    let (status, body) = readyz(regauth);
    assert_eq!(status, 503, "{body}");
    assert!(
        body["checks"]["database"]
            .as_str()
            .unwrap()
            .contains("not a database"),
        "{body}"
    );
}

/// The server cuts regauth's connections and lets no new one in, then lets it back: every
/// pooled connection is dead by then, and the next check must still find the database.
fn an_unreachable_database_server_is_named(regauth: &Regauth) {
    regauth.db.refuse_connections(true);
    let (status, body) = readyz(regauth);
    assert_eq!(status, 503, "{body}");
    assert_eq!(body["checks"]["signing_key"], "ok");
    let why = body["checks"]["database"].as_str().unwrap();
    assert!(why.contains("not permitted to log in"), "{why}");
    regauth.db.refuse_connections(false);
    let (status, body) = readyz(regauth);
    assert_eq!(status, 200, "{body}");
}

#[test]
fn json_access_lines_for_refused_and_issued_pulls() {
    let dir = tempfile::tempdir().unwrap();
    let json = [("REGAUTH_LOG_FORMAT", "json")];
    let regauth = Regauth::start(dir.path(), Signing::default(), &json);
    regauth.group("acme", "private");
    regauth.project("acme/app", "private");
    regauth.project("acme/web", "private");
    let puller = regauth.token(["--project", "acme/app"], "read_registry", &[]);
    let git = regauth.token(["--project", "acme/app"], "read_repository", &[]);

    let (status, _) = pull(&regauth, "acme/app", &git.username, &git.token);
    assert_eq!(status, 403);
    let (status, body) = pull(&regauth, "acme/web", &puller.username, &puller.token);
    assert_eq!(
        status, 200,
        "a token granting nothing: the registry refuses"
    );
    assert_eq!(status, 200, "{body}");
    let (status, _) = pull(&regauth, "acme/app", &puller.username, "gldt-not-a-token");
    assert_eq!(status, 401);
    let (status, body) = pull(&regauth, "acme/app", &puller.username, &puller.token);
    assert_eq!(status, 200);

    let refused = lines(&regauth, "token refused");
    assert_eq!(refused.len(), 3, "{refused:#?}");
    let denied = &refused[0];
    assert_eq!(denied["target"], "regauth::access");
    assert_eq!(denied["client"], "127.0.0.1");
    assert_eq!(denied["method"], "GET");
    assert_eq!(denied["service"], SERVICE);
    assert_eq!(denied["credential"], "deploy_token");
    assert_eq!(denied["username"], git.username.as_str());
    assert_eq!(denied["token_id"], git.id);
    assert_eq!(denied["requested"], "repository:acme/app:pull");
    assert_eq!(denied["granted"], "");
    assert_eq!(denied["outcome"], "denied");
    assert_eq!(denied["status"], 403);
    assert!(
        denied["reason"].as_str().unwrap().contains("read_registry"),
        "{denied}"
    );
    assert!(denied.get("jti").is_none(), "no token, no jti: {denied}");

    let nothing = &refused[1];
    assert_eq!(
        (nothing["status"].as_u64(), nothing["outcome"].as_str()),
        (Some(200), Some("denied"))
    );
    assert_eq!(
        nothing["reason"],
        "none of the requested scopes was granted"
    );
    assert_eq!(nothing["token_id"], puller.id);
    assert!(nothing["jti"].is_string(), "a token was signed: {nothing}");

    let unknown = &refused[2];
    assert_eq!(unknown["outcome"], "unauthorized");
    assert_eq!(unknown["status"], 401);
    assert_eq!(unknown["reason"], "invalid username or token");
    assert!(unknown.get("token_id").is_none(), "{unknown}");

    let issued = lines(&regauth, "token issued");
    assert_eq!(issued.len(), 1, "{issued:#?}");
    assert_eq!(issued[0]["granted"], "repository:acme/app:pull");
    assert_eq!(issued[0]["outcome"], "issued");
    assert_eq!(issued[0]["jti"], jti(body["token"].as_str().unwrap()));

    let log = regauth.log();
    for secret in [&puller.token, &git.token] {
        assert!(!log.contains(secret.as_str()), "a secret reached the log");
    }
    assert!(
        !log.contains("gldt-not-a-token"),
        "a wrong secret reached the log"
    );
}

/// The `jti` claim of a JWT (its signature is the token tests' business).
fn jti(jwt: &str) -> String {
    let payload = jwt.split('.').nth(1).unwrap();
    let claims: Value = serde_json::from_slice(&URL_SAFE_NO_PAD.decode(payload).unwrap()).unwrap();
    claims["jti"].as_str().unwrap().to_owned()
}

#[test]
fn json_lines_for_forward_auth_api_writes_and_cli_writes() {
    let dir = tempfile::tempdir().unwrap();
    let json = [("REGAUTH_LOG_FORMAT", "json")];
    let regauth = Regauth::start(dir.path(), Signing::default(), &json);
    let created = regauth.cli(&["group", "create", "acme"]);
    let cli = json_lines(&created.stderr, "cli write");
    assert_eq!(cli.len(), 1, "{}", created.stderr);
    assert_eq!(cli[0]["command"], "group create");
    assert_eq!(cli[0]["arguments"], "path=acme");
    assert_eq!(cli[0]["outcome"], "ok");
    let again = regauth.cli(&["group", "create", "acme"]);
    let failed = &json_lines(&again.stderr, "cli write")[0];
    assert_eq!(failed["outcome"], "error", "{failed}");
    let listed = regauth.cli(&["token", "list", "--group", "acme"]);
    assert!(
        json_lines(&listed.stderr, "cli write").is_empty(),
        "reads are not logged"
    );

    regauth.project("acme/app", "private");
    let git = regauth.token(["--project", "acme/app"], "read_repository", &[]);
    let forward = |auth: (&str, &str)| {
        http_client()
            .get(format!("{}/auth/forward", regauth.url()))
            .header("X-Original-Method", "GET")
            .header(
                "X-Original-URI",
                "/acme/app.git/info/refs?service=git-upload-pack&private_token=hidden",
            )
            .basic_auth(auth.0, Some(auth.1))
            .send()
            .unwrap()
            .status()
    };
    assert_eq!(forward((&git.username, &git.token)), 200);
    assert_eq!(forward((&git.username, "gldt-wrong")), 401);
    let checks = lines(&regauth, "forward auth");
    assert_eq!(checks.len(), 2, "{checks:#?}");
    assert_eq!(checks[0]["path"], "/acme/app.git/info/refs");
    assert_eq!(checks[0]["outcome"], "allowed");
    assert_eq!(checks[0]["granted"], "clone or fetch");
    assert_eq!(checks[0]["project"], "acme/app");
    assert_eq!(checks[0]["token_id"], git.id);
    assert_eq!(checks[0]["client"], "127.0.0.1");
    assert_eq!(checks[1]["outcome"], "unauthorized");
    assert_eq!(checks[1]["status"], 401);

    let admin = regauth.admin(&["user", "create", "root", "--admin", "--json"]);
    let pat: Value = serde_json::from_str(admin.stdout.trim()).unwrap();
    let pat = pat["token"]["token"].as_str().unwrap();
    let res = http_client()
        .post(format!("{}/api/v4/groups", regauth.url()))
        .header("PRIVATE-TOKEN", pat)
        .json(&serde_json::json!({"name": "Ops", "path": "ops"}))
        .send()
        .unwrap();
    assert_eq!(res.status(), 201);
    let writes = lines(&regauth, "api write");
    assert_eq!(writes.len(), 1, "{writes:#?}");
    assert_eq!(writes[0]["method"], "POST");
    assert_eq!(writes[0]["path"], "/api/v4/groups");
    assert_eq!(writes[0]["username"], "root");
    assert_eq!(writes[0]["status"], 201);

    let log = regauth.log();
    for secret in [git.token.as_str(), pat, "hidden"] {
        assert!(!log.contains(secret), "a secret reached the log");
    }
}
