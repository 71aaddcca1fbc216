//! Coverage as a table: holder and restriction, for images, projects and proxied images.

use super::*;
use crate::domain::fixtures::{deploy_token, project_facts};
use crate::domain::namespace::Visibility;
use crate::domain::repository_pattern::RepositoryPatterns;

fn token(holder: Holder, patterns: Option<&[&str]>) -> DeployToken {
    let mut t = deploy_token(1, "t", "u", holder, &["read_registry"]);
    t.repositories = patterns.map(|p| RepositoryPatterns::parse(p.iter().copied()).unwrap());
    t
}

fn project_holder() -> Holder {
    Holder::Project {
        id: 1,
        path: "acme/app".into(),
    }
}

fn group_holder() -> Holder {
    Holder::Group {
        id: 9,
        path: "acme".into(),
    }
}

const RESTRICTED: &[&str] = &["acme/app/web", "acme/app/cache/*"];

type Patterns = Option<&'static [&'static str]>;
/// Holder, patterns, project, repository, expected.
type ImageCase<'a> = (Holder, Patterns, &'a ProjectFacts, &'a str, Coverage);
/// Holder, patterns, proxy group, image path, expected.
type ProxyCase = (
    Holder,
    Patterns,
    Option<&'static str>,
    Option<&'static str>,
    Coverage,
);

#[test]
fn images_need_the_holder_and_a_matching_pattern() {
    use Coverage::*;
    let app = project_facts(1, "acme/app", Visibility::Private);
    let other = project_facts(2, "acme/other", Visibility::Private);
    let outside = project_facts(3, "elsewhere/app", Visibility::Private);
    let cases: &[ImageCase<'_>] = &[
        (project_holder(), None, &app, "acme/app", Covered),
        (project_holder(), None, &app, "acme/app/db", Covered),
        (project_holder(), None, &other, "acme/other", OutsideHolder),
        (
            project_holder(),
            Some(RESTRICTED),
            &app,
            "acme/app/web",
            Covered,
        ),
        (
            project_holder(),
            Some(RESTRICTED),
            &app,
            "acme/app/cache/redis",
            Covered,
        ),
        (
            project_holder(),
            Some(RESTRICTED),
            &app,
            "acme/app/cache",
            OutsideRestriction,
        ),
        (
            project_holder(),
            Some(RESTRICTED),
            &app,
            "acme/app/db",
            OutsideRestriction,
        ),
        (
            project_holder(),
            Some(RESTRICTED),
            &app,
            "acme/app",
            OutsideRestriction,
        ),
        (
            project_holder(),
            Some(RESTRICTED),
            &other,
            "acme/other",
            OutsideHolder,
        ),
        (group_holder(), None, &other, "acme/other/x", Covered),
        (
            group_holder(),
            Some(RESTRICTED),
            &app,
            "acme/app/web",
            Covered,
        ),
        (
            group_holder(),
            Some(RESTRICTED),
            &other,
            "acme/other",
            OutsideRestriction,
        ),
        (
            group_holder(),
            None,
            &outside,
            "elsewhere/app",
            OutsideHolder,
        ),
        // A pattern outside the holder (written into the database by hand) never widens.
        (
            group_holder(),
            Some(&["elsewhere/app"]),
            &outside,
            "elsewhere/app",
            OutsideHolder,
        ),
    ];
    for (holder, patterns, project, repository, expected) in cases {
        let t = token(holder.clone(), *patterns);
        let target = Target::Image {
            project,
            repository,
        };
        assert_eq!(
            coverage(&t, target),
            *expected,
            "{holder:?} {patterns:?} {repository}"
        );
        assert_eq!(covers(&t, target), *expected == Covered);
    }
}

#[test]
fn projects_as_a_whole_are_never_reached_by_a_restricted_token() {
    let app = project_facts(1, "acme/app", Visibility::Private);
    let open = token(project_holder(), None);
    let narrow = token(project_holder(), Some(&["acme/app/*"]));
    assert_eq!(coverage(&open, Target::Project(&app)), Coverage::Covered);
    assert_eq!(
        coverage(&narrow, Target::Project(&app)),
        Coverage::OutsideRestriction
    );
    let other = project_facts(2, "acme/other", Visibility::Private);
    assert_eq!(
        coverage(&narrow, Target::Project(&other)),
        Coverage::OutsideHolder
    );
}

#[test]
fn proxied_images_by_group_and_path() {
    use Coverage::*;
    let img = "acme/dependency_proxy/containers/alpine";
    let patterns: &[&str] = &["acme/dependency_proxy/containers/alpine"];
    let cases: &[ProxyCase] = &[
        (group_holder(), None, Some("acme"), Some(img), Covered),
        (group_holder(), None, Some("acme/sub"), None, Covered),
        (group_holder(), None, None, None, Covered),
        (group_holder(), None, Some("other"), None, OutsideHolder),
        (group_holder(), None, Some("acmex"), None, OutsideHolder),
        (
            project_holder(),
            None,
            Some("acme"),
            Some(img),
            OutsideHolder,
        ),
        (
            group_holder(),
            Some(patterns),
            Some("acme"),
            Some(img),
            Covered,
        ),
        (
            group_holder(),
            Some(patterns),
            Some("acme"),
            Some("acme/dependency_proxy/containers/nginx"),
            OutsideRestriction,
        ),
        (
            group_holder(),
            Some(patterns),
            None,
            None,
            OutsideRestriction,
        ),
    ];
    for (holder, patterns, group, image, expected) in cases {
        let t = token(holder.clone(), *patterns);
        let target = Target::ProxyImage {
            group: *group,
            image: *image,
        };
        assert_eq!(
            coverage(&t, target),
            *expected,
            "{holder:?} {group:?} {image:?}"
        );
    }
}
