# syntax=docker/dockerfile:1
# regauth: build with the Rust toolchain, run from a small Debian image as a non-root user.

FROM rust:1.95-slim-bookworm AS build
WORKDIR /src
COPY . .
RUN --mount=type=cache,target=/usr/local/cargo/registry \
    --mount=type=cache,target=/src/target \
    cargo build --release --locked --bin regauth \
    && install -m 0755 target/release/regauth /usr/local/bin/regauth

FROM debian:bookworm-slim
RUN groupadd --system --gid 10001 regauth \
    && useradd --system --uid 10001 --gid regauth --home-dir /var/lib/regauth \
        --shell /usr/sbin/nologin regauth \
    && mkdir -p /var/lib/regauth/data /var/lib/regauth/keys /var/lib/regauth/public \
    && chmod 0700 /var/lib/regauth/keys \
    && chown -R regauth:regauth /var/lib/regauth
COPY --from=build /usr/local/bin/regauth /usr/local/bin/regauth

# Listen on every interface inside the container; publish the port on the host's loopback
# (or behind a proxy) to choose who can reach it.
ENV REGAUTH_LISTEN=0.0.0.0:5001 \
    REGAUTH_DATABASE=/var/lib/regauth/data/regauth.db \
    REGAUTH_KEYS_DIR=/var/lib/regauth/keys \
    REGAUTH_PUBLIC_KEYS_DIR=/var/lib/regauth/public

USER regauth
WORKDIR /var/lib/regauth
# data/: the SQLite database; keys/: the private keys (signing keys, ci-secrets.key), for
# regauth alone; public/: certs.pem and jwks.json, the only files a registry needs: share
# public/ (never keys/) with it read-only.
VOLUME ["/var/lib/regauth/data", "/var/lib/regauth/keys", "/var/lib/regauth/public"]
EXPOSE 5001
HEALTHCHECK --interval=10s --timeout=3s --start-period=10s --retries=3 \
    CMD ["regauth", "healthcheck"]
ENTRYPOINT ["regauth"]
CMD ["serve"]
