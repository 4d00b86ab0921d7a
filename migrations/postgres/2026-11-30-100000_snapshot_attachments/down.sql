ALTER TABLE proposal_versions DROP COLUMN attachments;
