-- An assignment removed because a conflict of interest came to light keeps its row (and any
-- draft review): removal marks it, so nothing a reviewer wrote is erased and the audit trail
-- can still point at it.
ALTER TABLE assignments ADD COLUMN removed_at TIMESTAMP;
