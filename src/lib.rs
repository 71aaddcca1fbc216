//! regauth: a token-auth service for Docker/OCI registries built around GitLab-style deploy
//! tokens. The registry sends clients to `/jwt/auth`; regauth checks their deploy token and
//! answers with a signed JWT listing exactly what they may pull or push.
#![forbid(unsafe_code)]

pub mod app;
pub mod background;
pub mod cli;
pub mod config;
pub mod domain;
pub mod http;
pub mod jwt;
pub mod server;
pub mod storage;
