#!/usr/bin/env python3
"""Drive the whole lifecycle of regauth's /api/v4 with the real python-gitlab, unmodified.

Run by tests/e2e_python_gitlab_lifecycle.rs as an administrator (REGAUTH_URL and
GITLAB_PRIVATE_TOKEN from the environment): version and metadata, groups and projects
listed, searched, paginated, changed and deleted, a user created, blocked, unblocked and
deleted, members added, changed, listed (direct and inherited) and removed, personal access
tokens created for a user, listed, rotated and revoked, and the refusals python-gitlab
reports. Progress goes to stderr, one JSON report to stdout.
"""

import json
import os
import sys

import gitlab
from gitlab.const import AccessLevel


def log(*args):
    print("gitlab_lifecycle:", *args, file=sys.stderr, flush=True)


def connect(token):
    gl = gitlab.Gitlab(os.environ["REGAUTH_URL"], private_token=token, retry_transient_errors=False)
    gl.auth()
    return gl


def refused(what, call):
    """Run call(), which must fail with a GitlabError; return what python-gitlab says."""
    try:
        call()
    except gitlab.exceptions.GitlabError as e:
        log(f"{what}: {type(e).__name__}: {e}")
        return {"class": type(e).__name__, "code": e.response_code, "text": str(e)}
    raise AssertionError(f"{what} was expected to be refused")


def namespaces(gl):
    top = gl.groups.create({"name": "Life", "path": "life"})
    team = gl.groups.create({"name": "Team", "path": "team", "parent_id": top.id})
    for path in ("api", "web"):
        gl.projects.create({"path": path, "namespace_id": team.id})
    gl.projects.create({"name": "Docs", "namespace_id": top.id, "visibility": "internal"})
    found = [g.full_path for g in gl.groups.list(search="tea", get_all=True)]
    assert found == ["life/team"], found
    paged = [p.path_with_namespace for p in gl.projects.list(per_page=1, get_all=True)]
    assert paged == ["life/docs", "life/team/web", "life/team/api"], paged
    assert [g.full_path for g in top.subgroups.list(get_all=True)] == ["life/team"]
    deep = [p.path for p in top.projects.list(include_subgroups=True, get_all=True)]
    assert sorted(deep) == ["api", "docs", "web"], deep
    owned = [p.path_with_namespace for p in gl.projects.list(owned=True, search="api", get_all=True)]
    assert owned == ["life/team/api"], owned
    team.name = "Team One"
    team.save()
    assert gl.groups.get("life/team").full_name == "Life / Team One"
    project = gl.projects.get("life/team/api")
    project.name = "API"
    project.container_registry_access_level = "private"
    project.save()
    again = gl.projects.get(project.id)
    assert (again.name, again.container_registry_access_level) == ("API", "private"), again.attributes
    log("groups and projects listed, searched, paginated and changed")
    return top, team, again


def people(gl, project, team):
    erin = gl.users.create(
        {"username": "erin", "name": "Erin", "email": "erin@example.com", "password": "correct horse battery"}
    )
    assert erin.state == "active" and not erin.is_admin, erin.attributes
    assert [u.id for u in gl.users.list(username="erin")] == [erin.id]
    member = project.members.create({"user_id": erin.id, "access_level": AccessLevel.DEVELOPER})
    assert member.access_level == 30, member.attributes
    member.access_level = AccessLevel.MAINTAINER
    member.save()
    assert project.members.get(erin.id).access_level == 40
    team.members.create({"user_id": erin.id, "access_level": AccessLevel.REPORTER})
    inherited = {m.username: m.access_level for m in project.members_all.list(get_all=True)}
    direct = [m.username for m in project.members.list(get_all=True)]
    log("members: direct", direct, "all", inherited)
    token = erin.personal_access_tokens.create({"name": "erin-ci", "scopes": ["api"]})
    listed = [t.name for t in gl.personal_access_tokens.list(user_id=erin.id, get_all=True)]
    assert listed == ["erin-ci"], listed
    return erin, token, {"direct": direct, "inherited": inherited}


def as_erin(secret):
    gl = connect(secret)
    own = gl.personal_access_tokens.list(get_all=True)
    current = gl.personal_access_tokens.get("self")
    assert [t.id for t in own] == [current.id], [t.id for t in own]
    others = refused("erin lists an administrator's tokens", lambda: gl.personal_access_tokens.list(user_id=1))
    old_id = current.id
    current.rotate(self_rotate=True)
    rotated = current.token
    assert current.id != old_id and rotated.startswith("glpat-"), current.attributes
    stale = refused("the rotated-away token", lambda: connect(secret))
    gl = connect(rotated)
    delete_group = refused("a Maintainer of a project deletes its group", lambda: gl.groups.delete("life"))
    gl.personal_access_tokens.delete("self")
    revoked = refused("the revoked token", lambda: connect(rotated))
    log("erin rotated and revoked her token")
    return {"others": others, "stale": stale, "delete_group": delete_group, "revoked": revoked}


def main():
    gl = connect(os.environ["GITLAB_PRIVATE_TOKEN"])
    version = gl.version()
    metadata = gl.http_get("/metadata")
    log("version", version)
    top, team, project = namespaces(gl)
    erin, token, members = people(gl, project, team)
    refusals = as_erin(token.token)
    not_allowed = refused("PATCH /version", lambda: gl.http_request("patch", "/version"))
    erin.block()
    blocked = gl.users.get(erin.id).state
    erin.unblock()
    project.members.delete(erin.id)
    after = [m.username for m in project.members.list(get_all=True)]
    groups_before = [g.full_path for g in gl.groups.list(get_all=True)]
    gl.projects.delete(project.id)
    top.delete()
    erin.delete()
    gone = refused("the deleted user", lambda: gl.users.get(erin.id))
    table = [{"full_path": g.full_path, "name": g.name} for g in gl.groups.list(get_all=True)]
    json.dump(
        {
            "version": list(version),
            "metadata": metadata,
            "members": members,
            "members_after_removal": after,
            "blocked_state": blocked,
            "groups_before_delete": groups_before,
            "groups_after_delete": table,
            "refused": dict(refusals, not_allowed=not_allowed, deleted_user=gone),
        },
        sys.stdout,
    )


if __name__ == "__main__":
    main()
