//! The client steps the end-to-end tests repeat: push and pull with skopeo, inspect a
//! digest, set up the usual project, and ask regauth for a token directly.

use std::path::Path;

use base64::Engine;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use serde_json::Value;

use super::Run;
use super::oci::OciImage;
use super::stack::{DeployToken, Stack, http_client};

/// What clients print when the registry refuses an action the token does not grant.
pub const DENIED: &str = "denied: requested access to the resource is denied";
/// How containers/image reports a 401 from the token endpoint.
pub const INVALID_CREDENTIALS: &str = "invalid username/password";
/// regauth's 401 message for wrong, revoked and expired credentials.
pub const OUR_401_MESSAGE: &str = "invalid username or token";
/// The read-only scope list.
pub const READ: &str = "read_registry";
/// The read+write scope list.
pub const READ_WRITE: &str = "read_registry,write_registry";

/// Builds a fresh image in the stack's directory.
pub fn image(stack: &Stack, name: &str) -> OciImage {
    OciImage::build(&stack.path(&format!("images/{name}")), "1")
}

/// `skopeo copy` from a local layout to `repo_tag` with `creds`.
pub fn push(stack: &Stack, creds: &str, image: &OciImage, repo_tag: &str) -> Run {
    stack.clients.skopeo(&[
        "copy",
        "--dest-tls-verify=false",
        "--dest-creds",
        creds,
        &image.reference(),
        &stack.docker_ref(repo_tag),
    ])
}

/// `skopeo copy` from `repo_tag` into a new local layout, with creds, an auth file or
/// nothing (anonymous).
pub fn pull(stack: &Stack, auth: Auth<'_>, repo_tag: &str, into: &str) -> Run {
    let dest = format!("oci:{}:1", stack.clients.dir(into).display());
    let mut args = vec!["copy".to_owned(), "--src-tls-verify=false".to_owned()];
    args.extend(auth.skopeo_flags("--src-creds", stack));
    args.extend([stack.docker_ref(repo_tag), dest]);
    stack
        .clients
        .skopeo(&args.iter().map(String::as_str).collect::<Vec<_>>())
}

/// `skopeo inspect` (manifest digest only) with `auth`.
pub fn inspect(stack: &Stack, auth: Auth<'_>, repo_tag: &str) -> Run {
    let mut args = vec![
        "inspect".to_owned(),
        "--tls-verify=false".to_owned(),
        "--format".to_owned(),
        "{{.Digest}}".to_owned(),
    ];
    args.extend(auth.skopeo_flags("--creds", stack));
    args.push(stack.docker_ref(repo_tag));
    stack
        .clients
        .skopeo(&args.iter().map(String::as_str).collect::<Vec<_>>())
}

/// How a client authenticates.
#[derive(Clone, Copy)]
pub enum Auth<'a> {
    /// `--creds USER:TOKEN`.
    Token(&'a DeployToken),
    /// `--authfile FILE` only.
    File(&'a Path),
    /// No credentials, and an empty auth file.
    Anonymous,
}

impl Auth<'_> {
    /// The skopeo flags for this authentication (`creds_flag` is `--creds`,
    /// `--src-creds` or `--dest-creds`).
    pub fn skopeo_flags(self, creds_flag: &str, stack: &Stack) -> Vec<String> {
        match self {
            Auth::Token(token) => vec![creds_flag.to_owned(), token.creds()],
            Auth::File(path) => vec!["--authfile".to_owned(), path.display().to_string()],
            Auth::Anonymous => vec![
                "--authfile".to_owned(),
                stack.clients.authfile().display().to_string(),
            ],
        }
    }
}

/// Pushes `image` as `repo_tag` with `token` and checks the registry reports its digest.
pub fn push_ok(stack: &Stack, token: &DeployToken, image: &OciImage, repo_tag: &str) {
    push(stack, &token.creds(), image, repo_tag).expect_success("push");
    let digest = inspect(stack, Auth::Token(token), repo_tag).expect_success("inspect");
    assert_eq!(digest.stdout.trim(), image.manifest_digest, "pushed digest");
}

/// A private project `acme/app` with a read+write and a read-only project token.
pub fn acme_app(stack: &Stack) -> (DeployToken, DeployToken) {
    stack.regauth.group("acme", "private");
    stack.regauth.project("acme/app", "private");
    let read_write = stack
        .regauth
        .token(["--project", "acme/app"], READ_WRITE, &[]);
    let read_only = stack.regauth.token(["--project", "acme/app"], READ, &[]);
    (read_write, read_only)
}

/// Asks regauth directly (GET, Basic auth) for a registry token for `scope`; returns the
/// decoded JWT header and claims.
pub fn registry_token(stack: &Stack, token: &DeployToken, scope: &str) -> (Value, Value) {
    let response = http_client()
        .get(format!("{}/jwt/auth", stack.regauth.url()))
        .query(&[("service", "container_registry"), ("scope", scope)])
        .basic_auth(&token.username, Some(&token.token))
        .send()
        .expect("GET /jwt/auth");
    assert_eq!(response.status(), 200, "GET /jwt/auth scope={scope}");
    let body: Value = response.json().expect("token JSON");
    let jwt = body["token"].as_str().expect("token");
    let mut parts = jwt.split('.').map(|part| {
        let bytes = URL_SAFE_NO_PAD.decode(part).expect("base64url JWT part");
        serde_json::from_slice::<Value>(&bytes).expect("JSON JWT part")
    });
    let header = parts.next().expect("JWT header");
    let claims = parts.next().expect("JWT claims");
    (header, claims)
}
