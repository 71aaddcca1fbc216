-- Deploy-token login looks a token up by secret digest and username together. With both in
-- one index, a known secret given with the wrong username is refused inside the index, exactly
-- like an unknown secret, so the two refusals cost the same (no timing difference).
CREATE UNIQUE INDEX deploy_tokens_login ON deploy_tokens(digest, username);
