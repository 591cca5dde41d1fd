-- The commit of the default branch whose tree was last read in full.  A run
-- that finds the branch still there skips the tree (and so every file): an
-- unchanged project costs the project, its branch and one pipelines page.
ALTER TABLE projects ADD COLUMN synced_commit text
    CHECK (synced_commit IS NULL OR synced_commit ~ '^[0-9a-f]{7,64}$');
