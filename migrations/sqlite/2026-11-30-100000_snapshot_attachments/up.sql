-- A submitted snapshot records the attachments it was submitted with (id, filename, size,
-- sha256 as a JSON array): they are part of what was endorsed and submitted.
ALTER TABLE proposal_versions ADD COLUMN attachments TEXT NOT NULL DEFAULT '[]';
