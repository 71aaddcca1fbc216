-- Sealed secrets of tokens named gitlab-deploy-token (AES-256-GCM; the key lives in the keys
-- directory, never here), so CI variables can hand them out again. Every other token keeps
-- only its digest. Written to be safe to run more than once.
CREATE TABLE IF NOT EXISTS deploy_token_secrets (
    deploy_token_id  INTEGER PRIMARY KEY REFERENCES deploy_tokens(id),
    nonce            BLOB NOT NULL,
    ciphertext       BLOB NOT NULL
);
