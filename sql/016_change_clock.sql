-- The change clock: one number that moves whenever a committed transaction
-- changed what the polled fleet answers show.  A responder answering a
-- polled GET reads it first and makes the ETag of it (with the caller), so
-- a revalidation (If-None-Match) is answered 304 from this one row without
-- building the body.
--
-- Bumped by deferred constraint triggers, which run at commit, after every
-- other statement of the transaction: the row lock on the clock is the
-- last lock a writer takes and is held only for the commit itself, so two
-- writers never wait for each other in opposite orders.  Each transaction
-- bumps it once, whatever the number of rows it changed.
CREATE TABLE change_clock (
    only_row    boolean PRIMARY KEY DEFAULT true CHECK (only_row),
    version     bigint NOT NULL
);
INSERT INTO change_clock VALUES (true, 1);

CREATE FUNCTION change_clock_bump() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    IF current_setting('ocim.clock_bumped', true) IS DISTINCT FROM txid_current()::text THEN
        UPDATE change_clock SET version = version + 1;
        PERFORM set_config('ocim.clock_bumped', txid_current()::text, true);
    END IF;
    RETURN NULL;
END
$$;

-- Every table whose rows the polled answers show (users: names and roles;
-- project_members: which projects a user sees).
DO $$
DECLARE
    t text;
BEGIN
    FOREACH t IN ARRAY ARRAY['projects', 'clusters', 'pipelines', 'instances', 'actions',
                             'sync_runs', 'sync_file_errors', 'users', 'project_members'] LOOP
        EXECUTE format('CREATE CONSTRAINT TRIGGER change_clock AFTER INSERT OR UPDATE OR DELETE ON %I '
                       'DEFERRABLE INITIALLY DEFERRED FOR EACH ROW EXECUTE FUNCTION change_clock_bump()', t);
    END LOOP;
END
$$;
