//! Bulk loading (what the benchmark seeder fills a million deploy tokens with), on both
//! backends: the rows are found by login like tokens made one by one, default usernames name
//! their ids, and ids go on from there without reuse.

mod backend;

use backend::{BOTH, TestDatabase};
use regauth::app::App;
use regauth::app::deploy_tokens::CreateDeployToken;
use regauth::app::namespaces::HolderRef;
use regauth::domain::namespace::{RegistryAccess, Visibility};
use regauth::domain::token::{DEPLOY_TOKEN_PREFIX, Holder, PlainToken, TokenScopes};
use regauth::storage::{NewDeployToken, Store};
use time::OffsetDateTime;

#[test]
fn bulk_tokens_log_in_like_tokens_made_one_by_one() {
    for backend in BOTH {
        let dir = tempfile::tempdir().unwrap();
        let db = TestDatabase::on(backend, dir.path(), "bulk.db");
        let store = Store::open(&db.location()).unwrap();
        let app = App::new(store.clone());
        app.create_group("acme", Visibility::Private).unwrap();
        let project = app
            .create_project("acme/app", Visibility::Private, RegistryAccess::Enabled)
            .unwrap();
        let holder = Holder::Project {
            id: project.id,
            path: project.path.clone(),
        };
        let scopes = TokenScopes::parse(["read_registry"]).unwrap();
        let secrets: Vec<PlainToken> = (0..500)
            .map(|_| PlainToken::generate(DEPLOY_TOKEN_PREFIX))
            .collect();
        let digests: Vec<_> = secrets.iter().map(PlainToken::digest).collect();
        let rows: Vec<NewDeployToken<'_>> = digests
            .iter()
            .enumerate()
            .map(|(i, digest)| NewDeployToken {
                holder: &holder,
                name: "bulk",
                username: (i == 7).then_some("custom-bulk"),
                digest,
                scopes: &scopes,
                expires_at: None,
                repositories: None,
            })
            .collect();
        let now = OffsetDateTime::now_utc();
        let (first, last) = store
            .bulk(|tx| tx.insert_deploy_tokens(&rows, now))
            .unwrap();
        assert_eq!(last - first + 1, 500, "{backend:?}");

        let found = |digest, username: &str| {
            store
                .read(|tx| tx.deploy_token_by_login(digest, username))
                .unwrap()
        };
        let token = found(&digests[3], &format!("gitlab+deploy-token-{}", first + 3)).unwrap();
        assert_eq!(
            (token.id, token.name.as_str()),
            (first + 3, "bulk"),
            "{backend:?}"
        );
        assert_eq!(token.holder, holder);
        assert!(found(&digests[7], "custom-bulk").is_some(), "{backend:?}");
        assert!(found(&digests[3], "custom-bulk").is_none(), "{backend:?}");

        // The next token made one by one takes the next id.
        let next = app
            .create_deploy_token(&CreateDeployToken {
                holder: HolderRef::Project("acme/app"),
                name: "after",
                scopes: vec!["read_registry"],
                username: None,
                expires_at: None,
                repositories: None,
            })
            .unwrap();
        assert_eq!(next.token.id, last + 1, "{backend:?}");
    }
}
