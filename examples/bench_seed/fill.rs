//! The large shape of the seeder (`--large`): filler groups, projects and deploy tokens up to
//! 100,000 projects and 1,000,000 deploy tokens, so that the token path is measured against
//! tables of that size. Projects go in write transactions of 5,000 through the storage traits,
//! tokens through bulk loading in batches of 10,000: seconds, where a million use-case calls
//! (or HTTP requests) would take many minutes. The filler tokens' secrets are thrown away:
//! only the first seeding's tokens are ever presented.

use regauth::app::App;
use regauth::domain::namespace::{RegistryAccess, Visibility};
use regauth::domain::token::{DEPLOY_TOKEN_PREFIX, Holder, PlainToken, TokenDigest, TokenScopes};
use regauth::storage::{NewDeployToken, NewProject};
use std::error::Error;

type Result<T> = std::result::Result<T, Box<dyn Error>>;

/// Projects in the large shape, all told.
pub const PROJECTS: usize = 100_000;
/// Deploy tokens in the large shape, all told.
pub const TOKENS: usize = 1_000_000;
const GROUPS: usize = 100;
const PROJECT_BATCH: usize = 5_000;
const TOKEN_BATCH: usize = 10_000;

/// Add filler until the database holds [`PROJECTS`] projects and [`TOKENS`] tokens, given
/// that it holds `projects` and `tokens` now.
pub fn fill(app: &App, projects: usize, tokens: usize) -> Result<()> {
    let groups = (0..GROUPS)
        .map(|g| app.create_group(&format!("bulk{g}"), Visibility::Private))
        .collect::<std::result::Result<Vec<_>, _>>()?;
    let now = app.now();
    let mut holders = Vec::with_capacity(PROJECTS - projects);
    for start in (0..PROJECTS - projects).step_by(PROJECT_BATCH) {
        let end = (start + PROJECT_BATCH).min(PROJECTS - projects);
        let made = app.store().write(|tx| {
            (start..end)
                .map(|n| {
                    let group = &groups[n % GROUPS];
                    let path = format!("{}/p{n}", group.path);
                    let project = NewProject {
                        group_id: group.id,
                        path: &path,
                        name: &path[group.path.len() + 1..],
                        visibility: Visibility::Private,
                        registry: RegistryAccess::Enabled,
                    };
                    tx.insert_project(&project, now)
                })
                .collect::<std::result::Result<Vec<_>, _>>()
        })?;
        holders.extend(made.into_iter().map(|p| Holder::Project {
            id: p.id,
            path: p.path,
        }));
    }
    let scopes = TokenScopes::parse(["read_registry"])?;
    for start in (0..TOKENS - tokens).step_by(TOKEN_BATCH) {
        let end = (start + TOKEN_BATCH).min(TOKENS - tokens);
        let digests: Vec<TokenDigest> = (start..end)
            .map(|_| PlainToken::generate(DEPLOY_TOKEN_PREFIX).digest())
            .collect();
        let rows: Vec<NewDeployToken<'_>> = digests
            .iter()
            .enumerate()
            .map(|(i, digest)| NewDeployToken {
                holder: &holders[(start + i) % holders.len()],
                name: "filler",
                username: None,
                digest,
                scopes: &scopes,
                expires_at: None,
                repositories: None,
            })
            .collect();
        app.store().bulk(|tx| tx.insert_deploy_tokens(&rows, now))?;
    }
    Ok(())
}
