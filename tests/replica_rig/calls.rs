//! Token-endpoint calls straight to one replica (or the balancer), for the checks that each
//! replica acts at once on what another wrote.

use base64::Engine;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use serde_json::Value;

use crate::support::stack::http_client;

/// `GET /jwt/auth` at `base` for `scope` with Basic `user:secret`: the status, and the
/// decoded JWT header and claims (or the error body twice).
pub fn token_at(base: &str, user: &str, secret: &str, scope: &str) -> (u16, Value, Value) {
    let response = http_client()
        .get(format!("{base}/jwt/auth"))
        .query(&[("service", "container_registry"), ("scope", scope)])
        .basic_auth(user, Some(secret))
        .send()
        .expect("GET /jwt/auth");
    let status = response.status().as_u16();
    let body: Value = response.json().unwrap_or(Value::Null);
    match body["token"].as_str() {
        Some(jwt) => {
            let mut parts = jwt.split('.').take(2).map(|part| {
                let bytes = URL_SAFE_NO_PAD.decode(part).expect("base64url JWT part");
                serde_json::from_slice::<Value>(&bytes).expect("JSON JWT part")
            });
            (status, parts.next().unwrap(), parts.next().unwrap())
        }
        None => (status, body.clone(), body),
    }
}

/// The actions granted on `acme/app/web` by a token from `base` (401 and its message if refused).
pub fn actions_at(base: &str, user: &str, secret: &str) -> Result<Vec<String>, (u16, String)> {
    let (status, _, claims) = token_at(base, user, secret, "repository:acme/app/web:pull,push");
    if status != 200 {
        let message = claims["errors"][0]["message"].as_str().unwrap_or_default();
        return Err((status, message.to_owned()));
    }
    let access = claims["access"].as_array().cloned().unwrap_or_default();
    Ok(access
        .iter()
        .flat_map(|a| a["actions"].as_array().cloned().unwrap_or_default())
        .map(|a| a.as_str().unwrap_or_default().to_owned())
        .collect())
}

/// The password grant with `access_type=offline` at `base`: a refresh token.
pub fn refresh_token(base: &str, user: &str, secret: &str) -> String {
    let form = [
        ("grant_type", "password"),
        ("username", user),
        ("password", secret),
        ("service", "container_registry"),
        ("client_id", "docker"),
        ("access_type", "offline"),
    ];
    let response = http_client()
        .post(format!("{base}/jwt/auth"))
        .form(&form)
        .send()
        .unwrap();
    assert_eq!(response.status(), 200);
    let body: Value = response.json().unwrap();
    body["refresh_token"]
        .as_str()
        .expect("refresh_token")
        .to_owned()
}

/// The refresh grant at `base` for a pull scope: its status.
pub fn refresh_grant(base: &str, refresh: &str) -> u16 {
    let form = [
        ("grant_type", "refresh_token"),
        ("refresh_token", refresh),
        ("service", "container_registry"),
        ("client_id", "docker"),
        ("scope", "repository:acme/app/web:pull"),
    ];
    let response = http_client()
        .post(format!("{base}/jwt/auth"))
        .form(&form)
        .send()
        .unwrap();
    response.status().as_u16()
}
