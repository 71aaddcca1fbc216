//! CI variables: a project's jobs get the credentials of the active deploy token named
//! exactly `gitlab-deploy-token` (the project's own, else its parent group's: group tokens
//! reach immediate child projects only, as in GitLab) and the registry's address.

use super::token::DeployToken;
use serde::Serialize;
use std::fmt;
use time::OffsetDateTime;

/// The one token name whose secret is handed to CI jobs (and therefore kept, sealed).
pub const GITLAB_DEPLOY_TOKEN_NAME: &str = "gitlab-deploy-token";

/// One variable, in the shape GitLab hands to runners.
#[derive(Clone, PartialEq, Eq, Serialize)]
pub struct CiVariable {
    /// Name (`CI_DEPLOY_USER`, …).
    pub key: &'static str,
    /// Value.
    pub value: String,
    /// Whether the value may be shown (false for secrets).
    pub public: bool,
    /// Whether job logs must mask the value.
    pub masked: bool,
}

impl fmt::Debug for CiVariable {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let value = if self.public {
            self.value.as_str()
        } else {
            "<redacted>"
        };
        write!(f, "{}={value}", self.key)
    }
}

/// The token CI jobs get: the newest active `gitlab-deploy-token` among the project's own
/// tokens, else among its parent group's.
pub fn pick_token<'t>(
    own: &'t [DeployToken],
    parent_group: &'t [DeployToken],
    now: OffsetDateTime,
) -> Option<&'t DeployToken> {
    let newest = |tokens: &'t [DeployToken]| {
        tokens
            .iter()
            .filter(|t| t.name == GITLAB_DEPLOY_TOKEN_NAME && t.is_active(now))
            .max_by_key(|t| (t.created_at, t.id))
    };
    newest(own).or_else(|| newest(parent_group))
}

/// What a project's jobs are given.
pub struct Inputs<'a> {
    /// The deploy token's username and secret, when one applies.
    pub deploy: Option<(&'a str, &'a str)>,
    /// The configured registry host, if any.
    pub registry: Option<&'a str>,
    /// The project's full path.
    pub project_path: &'a str,
    /// Whether the project's container registry is enabled at all.
    pub registry_enabled: bool,
}

/// The variables, in a fixed order: deploy credentials, then registry.
pub fn variables(inputs: &Inputs<'_>) -> Vec<CiVariable> {
    let var = |key, value: &str, public| CiVariable {
        key,
        value: value.to_owned(),
        public,
        masked: !public,
    };
    let mut out = Vec::new();
    if let Some((user, secret)) = inputs.deploy {
        out.push(var("CI_DEPLOY_USER", user, true));
        out.push(var("CI_DEPLOY_PASSWORD", secret, false));
    }
    if let Some(host) = inputs.registry {
        out.push(var("CI_REGISTRY", host, true));
        if inputs.registry_enabled {
            let image = format!("{host}/{}", inputs.project_path);
            out.push(var("CI_REGISTRY_IMAGE", &image, true));
        }
    }
    out
}

/// `KEY=value` lines. Every value is shell-safe already (usernames, `gldt-` secrets,
/// validated hosts and paths), so none needs quoting.
pub fn dotenv(variables: &[CiVariable]) -> String {
    variables
        .iter()
        .map(|v| format!("{}={}\n", v.key, v.value))
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::domain::fixtures::{NOW, deploy_token};
    use crate::domain::token::Holder;

    fn token(id: i64, name: &str, holder: Holder) -> DeployToken {
        let username = format!("gitlab+deploy-token-{id}");
        deploy_token(id, name, &username, holder, &["read_registry"])
    }

    #[test]
    fn own_token_first_then_parent_group_newest_active_exact_name() {
        let p = || Holder::Project {
            id: 1,
            path: "g/p".into(),
        };
        let g = || Holder::Group {
            id: 2,
            path: "g".into(),
        };
        let mut revoked = token(5, GITLAB_DEPLOY_TOKEN_NAME, p());
        revoked.revoked = true;
        let mut expired = token(6, GITLAB_DEPLOY_TOKEN_NAME, p());
        expired.expires_at = Some(NOW);
        let own = vec![
            token(1, "Gitlab-Deploy-Token", p()),
            token(2, "gitlab-deploy-token ", p()),
            revoked,
            expired,
        ];
        let group = vec![
            token(3, GITLAB_DEPLOY_TOKEN_NAME, g()),
            token(4, GITLAB_DEPLOY_TOKEN_NAME, g()),
        ];
        assert_eq!(pick_token(&own, &group, NOW).map(|t| t.id), Some(4));
        let mut own = own;
        own.push(token(7, GITLAB_DEPLOY_TOKEN_NAME, p()));
        assert_eq!(pick_token(&own, &group, NOW).map(|t| t.id), Some(7));
        assert_eq!(pick_token(&[], &[], NOW), None);
    }

    #[test]
    fn variables_and_dotenv() {
        let all = variables(&Inputs {
            deploy: Some(("gitlab+deploy-token-4", "gldt-secret")),
            registry: Some("registry.example.com:5050"),
            project_path: "g/p",
            registry_enabled: true,
        });
        assert_eq!(
            dotenv(&all),
            "CI_DEPLOY_USER=gitlab+deploy-token-4\nCI_DEPLOY_PASSWORD=gldt-secret\n\
             CI_REGISTRY=registry.example.com:5050\nCI_REGISTRY_IMAGE=registry.example.com:5050/g/p\n"
        );
        assert!(all[1].masked && !all[1].public);
        assert!(!format!("{all:?}").contains("gldt-secret"));
        let none = variables(&Inputs {
            deploy: None,
            registry: Some("r.example"),
            project_path: "g/p",
            registry_enabled: false,
        });
        assert_eq!(dotenv(&none), "CI_REGISTRY=r.example\n");
        let nothing = Inputs {
            deploy: None,
            registry: None,
            project_path: "g/p",
            registry_enabled: true,
        };
        assert!(variables(&nothing).is_empty());
    }
}
