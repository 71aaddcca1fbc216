//! People in the web UI: a password (argon2id) starts a server-side session, and the
//! session is the second way, beside a personal access token, to become the [`Caller`]
//! the capability checks of [`super::access`] judge. Tokens never sign in: only a user's
//! password does, and a blocked user's password does not.

use super::access::{AccessError, Caller};
use super::acting::{Acting, Reading, Writing};
use super::audit::Origin;
use super::audit::event::{Action, Event};
use super::{App, AppError};
use crate::domain::password::{self, PasswordHash};
use crate::domain::session::{Session, SessionSecret};
use crate::domain::user::User;
use crate::storage::{Reads, StorageError};
use time::OffsetDateTime;

/// Why a sign-in failed. Unknown user, wrong password, no password and blocked user are
/// one answer, so the page tells nobody which usernames exist.
#[derive(Debug, thiserror::Error)]
pub enum SignInError {
    /// The username and password do not sign anyone in.
    #[error("invalid username or password")]
    Refused,
    /// The database failed.
    #[error(transparent)]
    Storage(#[from] StorageError),
}

/// A started session: its secret (for the cookie, once) and who it is for.
pub struct SignedIn {
    /// The cookie value; only its digest is stored.
    pub secret: SessionSecret,
    /// The signed-in user.
    pub user: User,
}

impl App {
    /// Check `password` for `username` and start a new session. Every sign-in makes a new
    /// session id (a session id planted before sign-in is never promoted); the caller ends
    /// the session the browser had before, if any.
    pub fn sign_in(&self, username: &str, password: &str) -> Result<SignedIn, SignInError> {
        let (user, hash) = self.store().read(|tx| {
            let user = tx.user_by_username(username)?;
            let hash = match &user {
                Some(u) => tx.password_hash(u.id)?,
                None => None,
            };
            Ok::<_, StorageError>((user, hash))
        })?;
        // The hash is checked outside the transaction: it takes tens of milliseconds, and
        // an unknown user costs the same work (see `password::verify`).
        let matched = password::verify(hash.as_ref(), password);
        let user = user
            .filter(|u| matched && !u.blocked)
            .ok_or(SignInError::Refused)?;
        let secret = SessionSecret::generate();
        let now = self.now();
        let policy = self.session_policy();
        self.store().write(|tx| {
            tx.delete_dead_sessions(now - policy.lifetime, now - policy.idle)?;
            tx.insert_session(&secret.digest(), user.id, now)?;
            Ok::<_, StorageError>(())
        })?;
        Ok(SignedIn { secret, user })
    }

    /// End the session behind `secret` (nothing happens for an unknown one).
    pub fn sign_out(&self, secret: &SessionSecret) -> Result<(), StorageError> {
        self.store().write(|tx| {
            if let Some(session) = tx.session_by_digest(&secret.digest())? {
                tx.delete_session(session.id)?;
            }
            Ok(())
        })
    }

    /// Set `username`'s password (replacing any earlier one) and end their sessions.
    pub fn set_password(&self, username: &str, password: &str) -> Result<User, AppError> {
        let hash = PasswordHash::create(password).map_err(|e| AppError::invalid("password", e))?;
        self.store().write(|tx| {
            let user = tx
                .user_by_username(username)?
                .ok_or_else(|| AppError::NotFound(format!("user {username} not found")))?;
            tx.set_password_hash(user.id, &hash)?;
            tx.delete_sessions_of(user.id)?;
            let event = Event::user(Action::UserPasswordSet, &user);
            self.record(tx, &Origin::cli(), &event, self.now())?;
            Ok(user)
        })
    }

    /// Run `work` as the user signed in with session `secret`, in one read transaction.
    /// A live session's last use is recorded afterwards (at most once a minute).
    pub fn reading_session<T, E>(
        &self,
        secret: Option<&SessionSecret>,
        work: impl FnOnce(&mut Reading<'_>) -> Result<T, E>,
    ) -> Result<T, E>
    where
        E: From<AccessError> + From<StorageError>,
    {
        let now = self.now();
        let (value, session) = self.store().read(|tx| {
            let (caller, session) = session_caller(self, tx, secret, now)?;
            Ok::<_, E>((work(&mut Acting::new(self, tx, caller))?, session))
        })?;
        if session.needs_touch(now) {
            self.store().write(|tx| tx.touch_session(session.id, now))?;
        }
        Ok(value)
    }

    /// Run `work` as the user signed in with session `secret`, in one write transaction
    /// (which also records the session's use).
    pub fn writing_session<T, E>(
        &self,
        secret: Option<&SessionSecret>,
        work: impl FnOnce(&mut Writing<'_>) -> Result<T, E>,
    ) -> Result<T, E>
    where
        E: From<AccessError> + From<StorageError>,
    {
        let now = self.now();
        self.store().write(|tx| {
            let (caller, session) = session_caller(self, tx, secret, now)?;
            if session.needs_touch(now) {
                tx.touch_session(session.id, now)?;
            }
            work(&mut Acting::new(self, tx, caller))
        })
    }
}

/// The caller behind a live session of a user who is not blocked; anything else (no cookie,
/// unknown, idle too long, too old, blocked) is unauthenticated.
fn session_caller<S: Reads + ?Sized>(
    app: &App,
    tx: &mut S,
    secret: Option<&SessionSecret>,
    now: OffsetDateTime,
) -> Result<(Caller, Session), AccessError> {
    let secret = secret.ok_or(AccessError::Unauthenticated)?;
    let policy = app.session_policy();
    let session = tx
        .session_by_digest(&secret.digest())?
        .filter(|s| s.is_live(&policy, now))
        .ok_or(AccessError::Unauthenticated)?;
    let user = tx
        .user_by_id(session.user_id)?
        .filter(|u| !u.blocked)
        .ok_or(AccessError::Unauthenticated)?;
    let memberships = tx.memberships(user.id)?;
    let caller = Caller {
        user,
        memberships,
        token_id: None,
    };
    Ok((caller, session))
}
