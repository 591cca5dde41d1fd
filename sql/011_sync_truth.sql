-- What ocim-sync could not take from a repository, one row per file (or
-- instance folder) in error, until that file parses, goes back to its last
-- good content, or leaves the repository.  blob is the id of the content
-- that failed: while the tree shows the same id the file is not fetched
-- again.  A folder whose name is not an instance name has no blob.
CREATE TABLE sync_file_errors (
    project_id  bigint NOT NULL REFERENCES projects (id) ON DELETE CASCADE,
    path        text NOT NULL,
    instance    text,                   -- the instance folder, NULL for cluster.yml
    blob        text,
    error       text NOT NULL,
    seen_at     timestamptz NOT NULL DEFAULT now(),
    PRIMARY KEY (project_id, path)
);

-- A read that would mark more than sync.max_delete_fraction of a project's
-- instances deleted waits for a confirmation: this flag (the API's
-- allow-deletes, or ocim-sync --allow-deletes), used by the next tree read.
-- deletes_waiting: how many the last refused read would have deleted (NULL:
-- none refused).
ALTER TABLE projects ADD COLUMN allow_deletes boolean NOT NULL DEFAULT false;
ALTER TABLE projects ADD COLUMN deletes_waiting integer;
