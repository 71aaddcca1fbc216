-- When each token was last used (Unix seconds), written in batches at most once per token
-- per recording window; NULL until a use is recorded.
ALTER TABLE deploy_tokens ADD COLUMN last_used_at INTEGER;
ALTER TABLE personal_access_tokens ADD COLUMN last_used_at INTEGER;
