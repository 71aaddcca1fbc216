#!/usr/bin/env python3
"""Fail if a service other than regauth can read regauth's private keys in a compose file.

Reads the output of `docker-compose -f FILE config` (the file with every default and
interpolation applied) on stdin. regauth's services are those built from this repository or
running a `regauth` image; their keys directory is REGAUTH_KEYS_DIR (else the Dockerfile's
value). Whatever is mounted there (a named volume or a host directory) holds signing keys and
ci-secrets.key, so no other service may mount it, nor a host directory above it, nor
any host directory that holds a private key. Every registry service must mount regauth's
public directory (REGAUTH_PUBLIC_KEYS_DIR) instead, which holds only the certificate bundle.

Exit status 1 with one line per problem, 0 when the file is safe.
"""

import os
import re
import sys

import yaml

PRIVATE_FILES = ("signing-key.pem", "ci-secrets.key")
HERE = os.path.dirname(os.path.abspath(__file__))


def dockerfile_default(name):
    """The value the repository's Dockerfile gives environment variable `name`."""
    with open(os.path.join(HERE, "..", "Dockerfile"), encoding="utf-8") as dockerfile:
        match = re.search(rf"\b{name}=(\S+)", dockerfile.read())
    if not match:
        sys.exit(f"check-compose-keys: the Dockerfile no longer sets {name}")
    return match.group(1)


def mounts(service):
    """(kind, source, target) of each volume entry, short or long syntax."""
    for entry in service.get("volumes") or []:
        if isinstance(entry, dict):
            source, target = entry.get("source", ""), entry.get("target", "")
            kind = entry.get("type", "volume")
        else:
            parts = entry.split(":")
            source, target = (parts[0], parts[1]) if len(parts) > 1 else ("", parts[0])
            kind = "bind" if source.startswith(("/", ".", "~")) else "volume"
        yield kind, source, target


def environment(service):
    env = service.get("environment") or {}
    if isinstance(env, list):
        env = dict(item.split("=", 1) for item in env if "=" in item)
    return env


def is_regauth(service):
    image = str(service.get("image", ""))
    return "build" in service or re.match(r"(.*/)?regauth(:|$)", image) is not None


def contains(outer, inner):
    """Whether host path `inner` is `outer` or lies below it."""
    outer, inner = os.path.normpath(outer), os.path.normpath(inner)
    return inner == outer or inner.startswith(outer + os.sep)


def holds_private_key(path):
    return os.path.isdir(path) and any(
        os.path.exists(os.path.join(path, name)) for name in PRIVATE_FILES
    )


def regauth_sources(services, variable):
    """The sources mounted at each regauth service's directory named by `variable`."""
    sources = set()
    for service in services.values():
        if is_regauth(service):
            target = environment(service).get(variable) or dockerfile_default(variable)
            for kind, source, mounted_at in mounts(service):
                if os.path.normpath(mounted_at) == os.path.normpath(target):
                    sources.add((kind, source))
    return sources


def problems(config):
    services = config.get("services") or {}
    private = regauth_sources(services, "REGAUTH_KEYS_DIR")
    public = regauth_sources(services, "REGAUTH_PUBLIC_KEYS_DIR")
    found = []
    if not private:
        found.append("regauth mounts nothing at its keys directory (REGAUTH_KEYS_DIR)")
    for name, service in sorted(services.items()):
        if is_regauth(service):
            continue
        own = set()
        for kind, source, target in mounts(service):
            own.add((kind, source))
            leaks = (kind == "volume" and (kind, source) in private) or (
                kind == "bind"
                and (
                    any(k == "bind" and contains(source, s) for k, s in private)
                    or holds_private_key(source)
                )
            )
            if leaks:
                found.append(
                    f"service {name!r} mounts {source!r} at {target!r}, which holds regauth's "
                    f"private keys ({', '.join(PRIVATE_FILES)}); give it only regauth's public "
                    "directory (REGAUTH_PUBLIC_KEYS_DIR)"
                )
        if str(service.get("image", "")).startswith("registry:") and not own & public:
            found.append(
                f"service {name!r} is a registry but does not mount regauth's public directory "
                "(REGAUTH_PUBLIC_KEYS_DIR), where its rootcertbundle lives"
            )
    return found


def main():
    found = problems(yaml.safe_load(sys.stdin))
    for problem in found:
        print(f"check-compose-keys: {problem}", file=sys.stderr)
    return 1 if found else 0


if __name__ == "__main__":
    sys.exit(main())
