//! Path grammar, reserved suffixes, and the namespace words.

use super::*;

#[test]
fn path_grammar() {
    for good in [
        "acme",
        "acme/backend/api",
        "a1/b.c/d_e/f__g/h---i",
        "0",
        "x-y",
    ] {
        assert!(NamespacePath::parse(good).is_ok(), "{good}");
    }
    for bad in [
        "",
        "Acme",
        "acme/",
        "/acme",
        "acme//x",
        "a..b",
        "a___b",
        "-a",
        "a-",
        "a b",
        "a._b",
        "ä",
        "a\nb",
        "a\u{7f}",
        "a/b\tc",
        &"a".repeat(256),
    ] {
        assert!(NamespacePath::parse(bad).is_err(), "{bad}");
    }
}

#[test]
fn no_component_ends_in_git_or_atom() {
    for bad in [
        "p.git",
        "g/p.git",
        "g/p.git/x",
        "g.atom/p",
        "g/p.atom",
        "a/b.c.git",
    ] {
        assert_eq!(
            NamespacePath::parse(bad),
            Err(NamespaceError::ReservedSuffix(bad.into())),
            "{bad}"
        );
    }
    for good in [
        "git", "g/git", "g/p-git", "g/p_git", "g/p.gitx", "g/atom", "g/p.git2",
    ] {
        assert!(NamespacePath::parse(good).is_ok(), "{good}");
    }
    let message = NamespacePath::parse("g/p.git").unwrap_err().to_string();
    assert!(message.contains(".git or .atom"), "{message}");
}

#[test]
fn parent_and_last_component() {
    let p = NamespacePath::parse("acme/backend/api").unwrap();
    assert_eq!(p.parent().unwrap().as_str(), "acme/backend");
    assert_eq!(p.last_component(), "api");
    assert_eq!(NamespacePath::parse("acme").unwrap().parent(), None);
}

#[test]
fn repository_prefix_respects_components() {
    assert!(repository_in("g/p", "g/p"));
    assert!(repository_in("g/p/web", "g/p"));
    assert!(repository_in("g/p/a/b", "g/p"));
    assert!(!repository_in("g/pp", "g/p"));
    assert!(!repository_in("g", "g/p"));
}

#[test]
fn words_round_trip() {
    for v in ["private", "internal", "public"] {
        assert_eq!(v.parse::<Visibility>().unwrap().to_string(), v);
    }
    for r in ["enabled", "private", "disabled"] {
        assert_eq!(r.parse::<RegistryAccess>().unwrap().to_string(), r);
    }
    assert!("Public".parse::<Visibility>().is_err());
    assert!("on".parse::<RegistryAccess>().is_err());
}
