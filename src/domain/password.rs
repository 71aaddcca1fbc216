//! Passwords of people signing in to the web UI: kept only as argon2id PHC strings (salted,
//! memory-hard), checked in constant time, and an unknown user costs the same work as a
//! wrong password so the answer's timing does not tell which it was.

use argon2::Argon2;
use argon2::password_hash::phc::PasswordHash as Phc;
use argon2::password_hash::{PasswordHasher, PasswordVerifier};
use std::fmt;
use std::sync::OnceLock;

/// Fewest characters a password may have (GitLab's default minimum).
pub const MIN_CHARS: usize = 8;
/// Most bytes a password may have: argon2 takes any length, but a megabyte "password" is
/// only a way to make the server work.
pub const MAX_BYTES: usize = 128;

/// Why a password was refused.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum PasswordError {
    /// Shorter than [`MIN_CHARS`] or longer than [`MAX_BYTES`].
    #[error("password must be at least 8 characters and at most 128 bytes")]
    Length,
    /// Holds a control character (a pasted newline, usually).
    #[error("password must not contain control characters")]
    ControlCharacter,
}

/// A stored password hash (PHC string, `$argon2id$v=19$…`). Not printable.
#[derive(Clone, PartialEq, Eq)]
pub struct PasswordHash(String);

impl fmt::Debug for PasswordHash {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("PasswordHash(<redacted>)")
    }
}

impl PasswordHash {
    /// Hash a new password with argon2id, its default cost and a random salt, after checking
    /// it against the password rules.
    pub fn create(password: &str) -> Result<PasswordHash, PasswordError> {
        validate(password)?;
        Ok(PasswordHash(hash(password)))
    }

    /// A hash read back from storage.
    pub fn from_stored(text: String) -> PasswordHash {
        PasswordHash(text)
    }

    /// The PHC string, for storage only.
    pub fn as_stored(&self) -> &str {
        &self.0
    }
}

/// The password rules: [`MIN_CHARS`] characters to [`MAX_BYTES`] bytes, no control
/// characters (spaces and any other character are fine).
pub fn validate(password: &str) -> Result<(), PasswordError> {
    if password.chars().count() < MIN_CHARS || password.len() > MAX_BYTES {
        return Err(PasswordError::Length);
    }
    if password.chars().any(char::is_control) {
        return Err(PasswordError::ControlCharacter);
    }
    Ok(())
}

fn hash(password: &str) -> String {
    Argon2::default()
        .hash_password(password.as_bytes())
        .expect("argon2 with its default parameters hashes any password")
        .to_string()
}

/// Whether `password` matches `stored`. With no stored hash (unknown user, or a user without
/// a password), a fixed hash is checked instead, so every refusal costs the same work.
pub fn verify(stored: Option<&PasswordHash>, password: &str) -> bool {
    static DUMMY: OnceLock<String> = OnceLock::new();
    let dummy = DUMMY.get_or_init(|| hash("regauth: no such user, no such password"));
    let (phc, real) = match stored {
        Some(h) => (h.0.as_str(), true),
        None => (dummy.as_str(), false),
    };
    // Over-long input is refused only after the same work, for the same reason.
    let password = if password.len() > MAX_BYTES {
        ""
    } else {
        password
    };
    let Ok(parsed) = Phc::new(phc) else {
        return false;
    };
    let matched = Argon2::default()
        .verify_password(password.as_bytes(), &parsed)
        .is_ok();
    matched && real && !password.is_empty()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_hash_verifies_its_password_only() {
        let h = PasswordHash::create("correct horse battery").unwrap();
        assert!(h.as_stored().starts_with("$argon2id$v=19$"));
        assert!(verify(Some(&h), "correct horse battery"));
        assert!(!verify(Some(&h), "correct horse batterY"));
        assert!(!verify(Some(&h), ""));
        assert!(!verify(None, "correct horse battery"));
        let again = PasswordHash::create("correct horse battery").unwrap();
        assert_ne!(h, again, "each hash has its own salt");
        assert_eq!(format!("{h:?}"), "PasswordHash(<redacted>)");
    }

    #[test]
    fn password_rules() {
        assert_eq!(validate("short"), Err(PasswordError::Length));
        assert_eq!(validate("seven77"), Err(PasswordError::Length));
        assert!(validate("eight888").is_ok());
        assert!(validate("ünïcødé pässwörd").is_ok());
        assert_eq!(validate(&"x".repeat(129)), Err(PasswordError::Length));
        assert_eq!(
            validate("line\nbreak here"),
            Err(PasswordError::ControlCharacter)
        );
        assert!(!verify(None, &"x".repeat(500)));
    }
}
