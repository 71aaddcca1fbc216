//! On PostgreSQL, an unknown deploy-token secret and a known secret given with another
//! token's username cost the same: the planner's own account (EXPLAIN ANALYZE, BUFFERS) of
//! the login query shows both ending inside the unique index on `(digest, username)`, with
//! no row visited and the same pages read, in custom and generic plans alike. Always runs on
//! the private PostgreSQL server (tests/pg), whatever REGAUTH_TEST_DATABASE says.

mod backend;

use backend::{Backend, TestDatabase};
use regauth::app::App;
use regauth::app::deploy_tokens::CreateDeployToken;
use regauth::app::namespaces::HolderRef;
use regauth::domain::namespace::{RegistryAccess, Visibility};
use regauth::storage::Store;
use regauth::storage::postgres::LOGIN_QUERY;
use serde_json::Value;

/// Tokens in the table besides the two under test: enough for an index of several levels.
const OTHERS: u32 = 20_000;

#[test]
fn both_login_refusals_end_in_the_login_index_at_the_same_cost() {
    let dir = tempfile::tempdir().unwrap();
    let db = TestDatabase::on(Backend::Postgres, dir.path(), "unused.db");
    let app = App::new(Store::open(&db.location()).unwrap());
    app.create_group("g", Visibility::Private).unwrap();
    app.create_project("g/p", Visibility::Private, RegistryAccess::Enabled)
        .unwrap();
    let create = || {
        app.create_deploy_token(&CreateDeployToken {
            holder: HolderRef::Project("g/p"),
            name: "ci",
            scopes: vec!["read_registry"],
            username: None,
            expires_at: None,
            repositories: None,
        })
        .unwrap()
    };
    let (a, b) = (create(), create());
    db.execute(&format!(
        "INSERT INTO deploy_tokens (project_id, name, username, digest, scopes, created_at)
         SELECT 1, 'bulk', 'bulk-' || i, sha256(i::text::bytea), 'read_registry', 0
         FROM generate_series(1, {OTHERS}) AS i;
         ANALYZE deploy_tokens;"
    ));
    let digest = |secret: &str| {
        hex(&regauth::domain::token::PlainToken::from_client(secret)
            .digest()
            .0)
    };
    let known = digest(a.secret.expose());
    let unknown = digest("gldt-no-such-secret-anywhere");
    let (right, wrong) = (&a.token.username, &b.token.username);

    let mut client = postgres::Client::connect(&db.value, postgres::NoTls).unwrap();
    client
        .batch_execute(&format!("PREPARE login(bytea, text) AS {LOGIN_QUERY}"))
        .unwrap();
    for mode in ["force_custom_plan", "force_generic_plan"] {
        client
            .batch_execute(&format!("SET plan_cache_mode = {mode}"))
            .unwrap();
        let mut scan = |digest: &str, username: &str| {
            let sql = format!(
                "EXPLAIN (ANALYZE, BUFFERS, FORMAT JSON) EXECUTE login('\\x{digest}', '{username}')"
            );
            token_scan(&explain(&mut client, &sql))
        };
        let found = scan(&known, right);
        let wrong_username = scan(&known, wrong);
        let unknown_secret = scan(&unknown, right);
        for (case, node) in [
            ("login", &found),
            ("wrong username", &wrong_username),
            ("unknown secret", &unknown_secret),
        ] {
            assert_eq!(node["Node Type"], "Index Scan", "{mode} {case}: {node:#}");
            assert_eq!(node["Index Name"], "deploy_tokens_login", "{mode} {case}");
            let cond = node["Index Cond"].as_str().unwrap();
            assert!(
                cond.contains("digest") && cond.contains("username"),
                "{mode} {case}: both columns are index conditions: {cond}"
            );
            assert!(node.get("Filter").is_none(), "{mode} {case}: {node:#}");
        }
        assert_eq!(found["Actual Rows"], 1, "{mode}");
        assert_eq!(wrong_username["Actual Rows"], 0, "{mode}");
        assert_eq!(unknown_secret["Actual Rows"], 0, "{mode}");
        assert_eq!(
            pages(&wrong_username),
            pages(&unknown_secret),
            "{mode}: both refusals read the same pages"
        );
        assert!(
            pages(&found) > pages(&unknown_secret),
            "{mode}: only a login visits the row"
        );
    }
}

fn explain(client: &mut postgres::Client, sql: &str) -> Value {
    let messages = client.simple_query(sql).unwrap();
    let text = messages
        .iter()
        .find_map(|m| match m {
            postgres::SimpleQueryMessage::Row(row) => row.get(0).map(str::to_owned),
            _ => None,
        })
        .expect("a plan");
    serde_json::from_str(&text).unwrap()
}

/// The plan node that reads `deploy_tokens`.
fn token_scan(explained: &Value) -> Value {
    fn find(node: &Value) -> Option<&Value> {
        if node["Relation Name"] == "deploy_tokens" {
            return Some(node);
        }
        node["Plans"].as_array()?.iter().find_map(find)
    }
    find(&explained[0]["Plan"])
        .expect("a scan of deploy_tokens")
        .clone()
}

/// Pages the node touched, from the cache or not.
fn pages(node: &Value) -> u64 {
    node["Shared Hit Blocks"].as_u64().unwrap() + node["Shared Read Blocks"].as_u64().unwrap()
}

fn hex(bytes: &[u8]) -> String {
    bytes.iter().map(|b| format!("{b:02x}")).collect()
}
