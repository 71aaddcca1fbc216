#!/usr/bin/env python3
"""Drive regauth's /api/v4 with the real python-gitlab client, unmodified.

Run by tests/e2e_python_gitlab.rs, one step at a time:

    gitlab_client.py admin      # as an administrator: groups, a project, deploy tokens
    gitlab_client.py developer  # as a Developer of the project: refused with 403

The server URL and the personal access token come from the environment (REGAUTH_URL,
GITLAB_PRIVATE_TOKEN; the developer step also reads DEPLOY_USERNAME/DEPLOY_TOKEN), so no
secret appears on a command line. Each step checks what it can itself, prints progress to
stderr and one JSON object to stdout for the Rust test: the tokens it created and what
python-gitlab said when the server refused.
"""

import json
import os
import sys

import gitlab


def log(*args):
    print("gitlab_client:", *args, file=sys.stderr, flush=True)


def client(token):
    gl = gitlab.Gitlab(os.environ["REGAUTH_URL"], private_token=token, retry_transient_errors=False)
    gl.auth()
    log("authenticated as", gl.user.username, "(admin)" if gl.user.is_admin else "")
    return gl


def refused(what, call):
    """Run call(), which must fail with a GitlabError; return what python-gitlab says."""
    try:
        call()
    except gitlab.exceptions.GitlabError as e:
        log(f"{what}: {type(e).__name__}: {e}")
        return {"class": type(e).__name__, "code": e.response_code, "text": str(e)}
    raise AssertionError(f"{what} was expected to be refused")


def secret(token):
    return {"id": token.id, "username": token.username, "token": token.token}


def admin():
    gl = client(os.environ["GITLAB_PRIVATE_TOKEN"])
    top = gl.groups.create({"name": "E2E", "path": "e2e"})
    team = gl.groups.create({"name": "Team", "path": "team", "parent_id": top.id})
    assert team.full_path == "e2e/team" and team.parent_id == top.id, team.attributes
    project = gl.projects.create({"name": "App", "path": "app", "namespace_id": team.id})
    log("created", top.full_path, team.full_path, project.path_with_namespace)

    # Looked up again by URL-encoded full path, as python-gitlab encodes it.
    project = gl.projects.get("e2e/team/app")
    assert project.path_with_namespace == "e2e/team/app", project.attributes
    assert project.namespace["full_path"] == "e2e/team", project.namespace
    team = gl.groups.get("e2e/team")
    assert team.full_path == "e2e/team" and team.parent_id == top.id, team.attributes

    push = project.deploytokens.create({"name": "push", "scopes": ["read_registry", "write_registry"]})
    pull = project.deploytokens.create(
        {"name": "pull", "scopes": ["read_registry"], "expires_at": "2099-01-01", "username": "puller"}
    )
    doomed = project.deploytokens.create({"name": "doomed", "scopes": ["read_registry"]})
    group_token = team.deploytokens.create({"name": "group", "scopes": ["read_registry"]})
    group_doomed = top.deploytokens.create({"name": "group-doomed", "scopes": ["read_registry"]})
    assert pull.username == "puller" and pull.expires_at.startswith("2099-01-01"), pull.attributes
    assert push.username == f"gitlab+deploy-token-{push.id}", push.attributes
    log("created deploy tokens", push.id, pull.id, doomed.id, group_token.id, group_doomed.id)

    listed = project.deploytokens.list(get_all=True)
    assert sorted(t.name for t in listed) == ["doomed", "pull", "push"], [t.name for t in listed]
    assert all(not hasattr(t, "token") for t in listed), "list must not show secrets"
    assert project.deploytokens.get(pull.id).username == "puller"
    assert [t.name for t in team.deploytokens.list(get_all=True)] == ["group"]
    everything = gl.deploytokens.list(get_all=True)
    assert len(everything) == 5, [t.name for t in everything]

    project.deploytokens.delete(doomed.id)
    group_doomed = top.deploytokens.get(group_doomed.id)
    group_doomed.delete()
    active = [t.name for t in project.deploytokens.list(active=True, get_all=True)]
    assert sorted(active) == ["pull", "push"], active
    revoked = project.deploytokens.get(doomed.id)
    assert revoked.revoked is True, revoked.attributes
    assert top.deploytokens.list(active=True, get_all=True) == []
    log("deleted", doomed.id, "and", group_doomed.id, "- both listed as revoked")

    bad_scope = refused(
        "unknown scope",
        lambda: project.deploytokens.create({"name": "bad", "scopes": ["read_everything"]}),
    )
    missing = refused("unknown project", lambda: gl.projects.get("e2e/team/nothing"))
    json.dump(
        {
            "project_id": project.id,
            "group_id": team.id,
            "push": secret(push),
            "pull": secret(pull),
            "doomed": secret(doomed),
            "group_token": secret(group_token),
            "refused": {"bad_scope": bad_scope, "missing_project": missing},
        },
        sys.stdout,
    )


def developer():
    gl = client(os.environ["GITLAB_PRIVATE_TOKEN"])
    project = gl.projects.get("e2e/team/app")
    team = gl.groups.get("e2e/team")
    log("a Developer sees", project.path_with_namespace, "and", team.full_path)
    result = {
        "create": refused(
            "Developer creates a project deploy token",
            lambda: project.deploytokens.create({"name": "mine", "scopes": ["read_registry"]}),
        ),
        "list": refused("Developer lists project deploy tokens", lambda: project.deploytokens.list()),
        "delete": refused("Developer deletes a project deploy token", lambda: project.deploytokens.delete(1)),
        "group_list": refused("Developer lists group deploy tokens", lambda: team.deploytokens.list()),
        "instance_list": refused("Developer lists every deploy token", lambda: gl.deploytokens.list()),
    }
    deploy_token = os.environ["DEPLOY_TOKEN"]
    result["deploy_token_as_private_token"] = refused(
        "deploy token as PRIVATE-TOKEN",
        lambda: gitlab.Gitlab(os.environ["REGAUTH_URL"], private_token=deploy_token).auth(),
    )
    result["deploy_token_as_bearer"] = refused(
        "deploy token as Bearer",
        lambda: gitlab.Gitlab(os.environ["REGAUTH_URL"], oauth_token=deploy_token).auth(),
    )
    result["deploy_token_as_basic"] = refused(
        "deploy token as Basic credentials",
        lambda: gitlab.Gitlab(
            os.environ["REGAUTH_URL"], http_username=os.environ["DEPLOY_USERNAME"], http_password=deploy_token
        ).projects.get("e2e/team/app"),
    )
    json.dump(result, sys.stdout)


if __name__ == "__main__":
    steps = {"admin": admin, "developer": developer}
    if len(sys.argv) != 2 or sys.argv[1] not in steps:
        sys.exit(f"usage: {sys.argv[0]} {'|'.join(steps)}")
    steps[sys.argv[1]]()
