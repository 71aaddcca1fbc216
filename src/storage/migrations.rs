//! The schema's history: one numbered list of steps, each written once per backend. A
//! backend records how many steps its database has seen and runs the rest; a database that
//! has seen more steps than this list holds was written by a newer regauth and is refused.

use super::StorageError;

/// One schema change, in the dialect of each backend.
pub struct Step {
    /// What the step adds, for messages.
    pub name: &'static str,
    /// The SQLite statements.
    pub sqlite: &'static str,
    /// The PostgreSQL statements.
    pub postgres: &'static str,
}

/// Every step, oldest first; a database at version `n` has run the first `n`.
pub const STEPS: &[Step] = &[
    Step {
        name: "initial",
        sqlite: include_str!("migrations/sqlite/0001_initial.sql"),
        postgres: include_str!("migrations/postgres/0001_initial.sql"),
    },
    Step {
        name: "users",
        sqlite: include_str!("migrations/sqlite/0002_users.sql"),
        postgres: include_str!("migrations/postgres/0002_users.sql"),
    },
    Step {
        name: "ci_secrets",
        sqlite: include_str!("migrations/sqlite/0003_ci_secrets.sql"),
        postgres: include_str!("migrations/postgres/0003_ci_secrets.sql"),
    },
    Step {
        name: "deploy_token_login",
        sqlite: include_str!("migrations/sqlite/0004_deploy_token_login.sql"),
        postgres: include_str!("migrations/postgres/0004_deploy_token_login.sql"),
    },
    Step {
        name: "audit_webhooks",
        sqlite: include_str!("migrations/sqlite/0005_audit_webhooks.sql"),
        postgres: include_str!("migrations/postgres/0005_audit_webhooks.sql"),
    },
    Step {
        name: "deploy_token_repositories",
        sqlite: include_str!("migrations/sqlite/0006_deploy_token_repositories.sql"),
        postgres: include_str!("migrations/postgres/0006_deploy_token_repositories.sql"),
    },
    Step {
        name: "last_used",
        sqlite: include_str!("migrations/sqlite/0007_last_used.sql"),
        postgres: include_str!("migrations/postgres/0007_last_used.sql"),
    },
    Step {
        name: "web_ui",
        sqlite: include_str!("migrations/sqlite/0008_web_ui.sql"),
        postgres: include_str!("migrations/postgres/0008_web_ui.sql"),
    },
    Step {
        name: "ids_never_reused",
        sqlite: include_str!("migrations/sqlite/0009_ids_never_reused.sql"),
        postgres: include_str!("migrations/postgres/0009_ids_never_reused.sql"),
    },
];

/// The steps a database at version `found` has not run yet, each with the version it
/// brings the database to; an error if `found` is newer than [`STEPS`] (or negative).
pub fn pending(found: i64) -> Result<impl Iterator<Item = (usize, &'static Step)>, StorageError> {
    let done = usize::try_from(found).map_err(|_| StorageError::Corrupt("schema version"))?;
    if done > STEPS.len() {
        return Err(StorageError::SchemaTooNew {
            found,
            known: STEPS.len(),
        });
    }
    Ok(STEPS.iter().enumerate().skip(done).map(|(i, s)| (i + 1, s)))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn pending_steps_follow_the_recorded_version() {
        let all: Vec<usize> = pending(0).unwrap().map(|(v, _)| v).collect();
        assert_eq!(all, (1..=STEPS.len()).collect::<Vec<_>>());
        assert_eq!(pending(STEPS.len() as i64).unwrap().count(), 0);
        let newer = pending(99).err().unwrap();
        assert!(matches!(
            newer,
            StorageError::SchemaTooNew { found: 99, .. }
        ));
        assert!(pending(-1).is_err());
    }
}
