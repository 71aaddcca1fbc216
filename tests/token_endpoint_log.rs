//! The token endpoint's log as `regauth serve` writes it. Deploy tokens may share a custom
//! username (GitLab allows it: login matches username and secret together), so every line
//! names the token id too, refresh-token grants included, and two tokens with one username
//! stay apart. Runs the real binary; no other tool is needed.

mod support;

use base64::Engine;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use serde_json::Value;
use support::stack::{DeployToken, Regauth, Signing, http_client};

const SERVICE: &str = "container_registry";

/// `GET /jwt/auth` for both projects' repositories with `username:secret`: status and body.
fn ask(regauth: &Regauth, username: &str, secret: &str) -> (u16, Value) {
    let url = format!(
        "{}/jwt/auth?service={SERVICE}&scope=repository:acme/app:pull&scope=repository:acme/web:pull",
        regauth.url()
    );
    let res = http_client()
        .get(url)
        .basic_auth(username, Some(secret))
        .send()
        .unwrap();
    (res.status().as_u16(), res.json().unwrap())
}

/// `POST /jwt/auth` with a form.
fn post(regauth: &Regauth, form: &[(&str, &str)]) -> Value {
    let res = http_client()
        .post(format!("{}/jwt/auth", regauth.url()))
        .form(form)
        .send()
        .unwrap();
    assert_eq!(res.status(), 200);
    res.json().unwrap()
}

/// The `access` names of a JWT (its signature is the token tests' business).
fn access(body: &Value) -> Vec<String> {
    let jwt = body["token"].as_str().unwrap_or_else(|| panic!("{body}"));
    let payload = jwt.split('.').nth(1).unwrap();
    let claims: Value = serde_json::from_slice(&URL_SAFE_NO_PAD.decode(payload).unwrap()).unwrap();
    let entries = claims["access"].as_array().unwrap();
    entries
        .iter()
        .map(|a| a["name"].as_str().unwrap().to_owned())
        .collect()
}

/// The log lines of the token endpoint, in order.
fn token_lines(regauth: &Regauth) -> Vec<String> {
    regauth
        .log()
        .lines()
        .filter(|l| l.contains("token issued") || l.contains("token refused"))
        .map(str::to_owned)
        .collect()
}

fn id_field(token: &DeployToken) -> String {
    format!(" token_id={} ", token.id)
}

#[test]
fn two_tokens_with_one_username_stay_apart_in_the_log() {
    let dir = tempfile::tempdir().unwrap();
    let regauth = Regauth::start(dir.path(), Signing::default(), &[]);
    regauth.group("acme", "private");
    regauth.project("acme/app", "private");
    regauth.project("acme/web", "private");
    let same_name = ["--username", "deployer"];
    let app = regauth.token(["--project", "acme/app"], "read_registry", &same_name);
    let web = regauth.token(["--project", "acme/web"], "read_registry", &same_name);
    let git = regauth.token(["--project", "acme/web"], "read_repository", &same_name);
    assert_eq!(
        (app.username.as_str(), web.username.as_str()),
        ("deployer", "deployer")
    );

    let (status, body) = ask(&regauth, "deployer", &app.token);
    assert_eq!((status, access(&body)), (200, vec!["acme/app".to_owned()]));
    let (status, body) = ask(&regauth, "deployer", &web.token);
    assert_eq!((status, access(&body)), (200, vec!["acme/web".to_owned()]));
    assert_eq!(ask(&regauth, "deployer", &git.token).0, 403);
    let login = [
        ("grant_type", "password"),
        ("username", "deployer"),
        ("password", web.token.as_str()),
        ("service", SERVICE),
        ("access_type", "offline"),
    ];
    let refresh = post(&regauth, &login)["refresh_token"]
        .as_str()
        .unwrap()
        .to_owned();
    let body = post(
        &regauth,
        &[
            ("grant_type", "refresh_token"),
            ("refresh_token", &refresh),
            ("service", SERVICE),
            ("scope", "repository:acme/web:pull"),
        ],
    );
    assert_eq!(access(&body), ["acme/web"]);
    assert_eq!(ask(&regauth, "deployer", "gldt-nosuchtoken").0, 401);

    let lines = token_lines(&regauth);
    assert_eq!(lines.len(), 6, "{lines:#?}");
    let expect = |line: &str, parts: &[&str]| {
        for part in parts {
            assert!(line.contains(part), "{part:?} missing in {line}");
        }
    };
    let deploy = "token_type=\"deploy_token\"";
    let issued = ["token issued", "username=\"deployer\"", deploy];
    expect(
        &lines[0],
        &[&issued[..], &[&id_field(&app), "acme/app:pull"]].concat(),
    );
    expect(
        &lines[1],
        &[&issued[..], &[&id_field(&web), "acme/web:pull"]].concat(),
    );
    expect(
        &lines[2],
        &["token refused", deploy, &id_field(&git), "status=403"],
    );
    expect(&lines[3], &[&issued[..], &[&id_field(&web)]].concat());
    // The refresh grant names the token the refresh token stands for, and its username.
    expect(
        &lines[4],
        &[&issued[..], &[&id_field(&web), "acme/web:pull"]].concat(),
    );
    // An unknown secret matches no token: the line has the username given and no id.
    expect(
        &lines[5],
        &["token refused", "username=\"deployer\"", "status=401"],
    );
    assert!(!lines[5].contains("token_id"), "{}", lines[5]);
    let log = regauth.log();
    for secret in [&app.token, &web.token, &git.token, &refresh] {
        assert!(!log.contains(secret.as_str()), "a secret reached the log");
    }
}
