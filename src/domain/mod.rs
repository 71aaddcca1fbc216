//! Pure rules: no HTTP, SQL or JWT types in here, and `now` is always a parameter.

pub mod authz;
pub mod ci_variables;
pub mod client;
pub mod coverage;
pub mod credential;
pub mod external_url;
#[cfg(test)]
pub(crate) mod fixtures;
pub mod forward;
pub mod namespace;
pub mod password;
pub mod proxy;
pub mod repository_name;
pub mod repository_pattern;
pub mod role;
pub mod scope;
pub mod scope_set;
pub mod session;
pub mod throttle;
pub mod token;
pub mod user;
pub mod webhook;
