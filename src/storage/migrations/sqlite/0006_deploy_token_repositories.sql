-- Per-image restrictions: the repository patterns a deploy token is limited to, joined by
-- commas (no repository name holds one); NULL means every image its holder covers.
ALTER TABLE deploy_tokens ADD COLUMN repositories TEXT;
