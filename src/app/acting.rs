//! A caller acting inside one transaction: [`App::reading`] and [`App::writing`] open it,
//! authenticate the caller in it, and hand the work an [`Acting`]. Looking projects and
//! groups up, checking the caller's role, and the writes those checks guard all run in that
//! one transaction, and the capabilities it hands out carry its [`Brand`].
//!
//! A check and the write it guards share the transaction:
//!
//! ```no_run
//! # use regauth::app::{App, access::AccessError, guarded::DeployTokenFields};
//! # fn create(app: &App, fields: &DeployTokenFields<'_>) -> Result<(), AccessError> {
//! app.writing(None, |acting| {
//!     let manager = acting.project_access("acme/api")?.token_manager()?;
//!     acting.create_deploy_token_as(&manager, fields)
//! })?;
//! # Ok(())
//! # }
//! ```
//!
//! and a capability cannot leave the transaction that checked it ("lifetime may not live
//! long enough"), to be used in another:
//!
//! ```compile_fail
//! # use regauth::app::{App, access::AccessError};
//! # fn escape(app: &App) -> Result<(), AccessError> {
//! let manager = app.writing(None, |acting| acting.project_access("acme/api")?.token_manager())?;
//! # Ok(())
//! # }
//! ```

use super::App;
use super::access::TokenReader;
use super::access::{AccessError, Brand, Caller, GroupAccess, GroupCreator, Need, ProjectAccess};
use super::audit::{Actor, Origin};
use super::namespaces::{group_by_key, project_by_key};
use super::users::{is_personal_token, user_credential};
use crate::domain::token::PlainToken;
use crate::storage::{Reads, StorageError, UsedToken, Writes};
use std::net::IpAddr;
use time::OffsetDateTime;

/// An authenticated caller and the transaction they act in (`S` is `dyn Reads` or
/// `dyn Writes`).
pub struct Acting<'t, S: ?Sized> {
    pub(super) app: &'t App,
    pub(super) tx: &'t mut S,
    caller: Caller,
    brand: Brand<'t>,
    client: Option<IpAddr>,
}

/// A caller in a read transaction.
pub type Reading<'t> = Acting<'t, dyn Reads + 't>;

/// A caller in a write transaction.
pub type Writing<'t> = Acting<'t, dyn Writes + 't>;

impl App {
    /// Authenticate the caller behind `secret` for reading and run `work` as them, in one
    /// read transaction.
    pub fn reading<T, E>(
        &self,
        secret: Option<&PlainToken>,
        work: impl FnOnce(&mut Reading<'_>) -> Result<T, E>,
    ) -> Result<T, E>
    where
        E: From<AccessError> + From<StorageError>,
    {
        let now = self.now();
        self.store().read(|tx| {
            let caller = caller_in(tx, secret, Need::Read, now)?;
            self.note_caller(&caller);
            work(&mut Acting::new(self, tx, caller))
        })
    }

    /// Authenticate the caller behind `secret` for writing and run `work` as them, in one
    /// write transaction: committed if `work` succeeds, rolled back if it fails.
    pub fn writing<T, E>(
        &self,
        secret: Option<&PlainToken>,
        work: impl FnOnce(&mut Writing<'_>) -> Result<T, E>,
    ) -> Result<T, E>
    where
        E: From<AccessError> + From<StorageError>,
    {
        let now = self.now();
        self.store().write(|tx| {
            let caller = caller_in(tx, secret, Need::Write, now)?;
            self.note_caller(&caller);
            work(&mut Acting::new(self, tx, caller))
        })
    }
}

impl App {
    /// Note the use of the caller's personal access token (a web session has none).
    fn note_caller(&self, caller: &Caller) {
        if let Some(id) = caller.token_id {
            self.note_use(UsedToken::Personal(id));
        }
    }
}

/// The caller behind a personal access token, if it is active and allows `need`. Anything
/// else that is not a personal access token (deploy tokens, refresh tokens, garbage) is
/// unauthenticated, exactly like an unknown or revoked token.
fn caller_in<S: Reads + ?Sized>(
    tx: &mut S,
    secret: Option<&PlainToken>,
    need: Need,
    now: OffsetDateTime,
) -> Result<Caller, AccessError> {
    let secret = secret
        .filter(|s| is_personal_token(s))
        .ok_or(AccessError::Unauthenticated)?;
    let credential = user_credential(tx, secret, None)?
        .filter(|c| c.token.is_active(now))
        .ok_or(AccessError::Unauthenticated)?;
    let scopes = &credential.token.scopes;
    match need {
        Need::Read if !scopes.reads_api() => {
            return Err(AccessError::InsufficientScope("api read_api"));
        }
        Need::Write if !scopes.writes_api() => {
            return Err(AccessError::InsufficientScope("api"));
        }
        _ => {}
    }
    Ok(Caller {
        user: credential.user,
        memberships: credential.memberships,
        token_id: Some(credential.token.id),
    })
}

impl<'t, S: Reads + ?Sized> Acting<'t, S> {
    /// `caller`, authenticated in `tx`, acting in it.
    pub(super) fn new(app: &'t App, tx: &'t mut S, caller: Caller) -> Acting<'t, S> {
        Acting {
            app,
            tx,
            caller,
            brand: Brand::default(),
            client: None,
        }
    }

    /// Say where the request came from (the HTTP surfaces do), for the audit trail.
    pub fn from_client(&mut self, client: IpAddr) {
        self.client = Some(client);
    }

    /// Who is acting and from where, as the audit trail records it.
    pub(super) fn origin(&self) -> Origin {
        let user = self.caller.user();
        Origin {
            actor: Actor::User {
                id: user.id,
                username: user.username.clone(),
                token_id: self.caller.token_id,
            },
            client: self.client,
        }
    }

    /// Who is acting.
    pub fn caller(&self) -> &Caller {
        &self.caller
    }

    /// The current instant according to the application's clock.
    pub fn now(&self) -> OffsetDateTime {
        self.app.now()
    }

    /// The brand of this transaction, for the capabilities it hands out.
    pub(super) fn brand(&self) -> Brand<'t> {
        self.brand
    }

    /// Every deploy token of the instance: administrators only.
    pub fn all_tokens_reader(&self) -> Result<TokenReader<'t>, AccessError> {
        if !self.caller.user.is_admin {
            return Err(AccessError::Forbidden);
        }
        Ok(TokenReader {
            holder: None,
            brand: self.brand,
        })
    }

    /// Creating a top-level group: any user (GitLab's default); they become its owner.
    pub fn top_level_group_creator(&self) -> GroupCreator<'t> {
        GroupCreator {
            parent: None,
            owner: self.caller.user.id,
            brand: self.brand,
        }
    }

    /// A project by numeric id or full path, if the caller may see it: a role on it (or
    /// above it), or a project that is not private.
    pub fn project_access(&mut self, key: &str) -> Result<ProjectAccess<'t>, AccessError> {
        let not_found = || AccessError::NotFound("Project");
        let project = project_by_key(self.tx, key)?.ok_or_else(not_found)?;
        if !self.caller.sees_project(&project) {
            return Err(not_found());
        }
        let role = self.caller.role_on_project(&project);
        let group = self
            .tx
            .group_by_id(project.group_id)?
            .ok_or(StorageError::Corrupt("projects.group_id"))?;
        let namespaces = self.tx.group_chain(&group.path)?;
        Ok(ProjectAccess {
            project,
            namespaces,
            role,
            brand: self.brand,
        })
    }

    /// A group by numeric id or full path, if the caller may see it: a role on it (or above
    /// it), a role somewhere below it, or a group that is not private.
    pub fn group_access(&mut self, key: &str) -> Result<GroupAccess<'t>, AccessError> {
        let group = group_by_key(self.tx, key)?.ok_or(AccessError::NotFound("Group"))?;
        if !self.caller.sees_group(&group) {
            return Err(AccessError::NotFound("Group"));
        }
        let role = self.caller.role_on_group(&group.path);
        Ok(GroupAccess {
            chain: self.tx.group_chain(&group.path)?,
            role,
            owner: self.caller.user.id,
            brand: self.brand,
        })
    }
}
