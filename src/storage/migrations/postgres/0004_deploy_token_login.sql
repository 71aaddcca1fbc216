-- Deploy-token login looks a token up by secret digest and username together, and this is
-- the only index that starts with the digest: the planner has no digest-only path that
-- would visit the row of a known secret given with a wrong username. Both refusals end
-- inside this index, so they cost the same (tests/postgres_plans.rs reads the plans).
-- A digest is the SHA-256 of a secret of 192 random bits that regauth itself generates;
-- two tokens never share one, so the digest-only constraint adds nothing but that path.
CREATE UNIQUE INDEX deploy_tokens_login ON deploy_tokens(digest, username);
ALTER TABLE deploy_tokens DROP CONSTRAINT deploy_tokens_digest_key;

-- Usernames of both kinds are compared in ASCII lowercase when one is created (login_key).
CREATE INDEX deploy_tokens_login_key ON deploy_tokens(lower(username));
CREATE INDEX users_login_key ON users(lower(username));
