-- Sealed secrets of tokens named gitlab-deploy-token (AES-256-GCM; the key lives in the keys
-- directory, never here), so CI variables can hand them out again. Every other token keeps
-- only its digest.
CREATE TABLE deploy_token_secrets (
    deploy_token_id  BIGINT PRIMARY KEY REFERENCES deploy_tokens(id),
    nonce            BYTEA NOT NULL,
    ciphertext       BYTEA NOT NULL
);
