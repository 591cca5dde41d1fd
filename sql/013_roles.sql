-- Roles: who may do what.  A user has one role:
--   viewer    reads what they may see
--   operator  also runs instance actions (create, update, deploy, archive, ...)
--   admin     also manages users, invites, repositories (projects), clusters
-- The reprovision action is a grant of its own (can_reprovision), which an
-- admin gives per user; it needs the operator role at least.
--
-- The migration keeps what each user could do before: admins become
-- 'admin' (and keep reprovision, which needed an admin), the others
-- 'operator'.  New users and invites default to 'viewer'.
ALTER TABLE users ADD COLUMN role text NOT NULL DEFAULT 'operator'
    CHECK (role IN ('viewer', 'operator', 'admin'));
ALTER TABLE users ADD COLUMN can_reprovision boolean NOT NULL DEFAULT false;
UPDATE users SET role = CASE WHEN is_admin THEN 'admin' ELSE 'operator' END,
                 can_reprovision = is_admin;
ALTER TABLE users ALTER COLUMN role SET DEFAULT 'viewer';
-- is_admin stays readable (the login answer and older readers), derived
-- from the role so that the two can never disagree
ALTER TABLE users DROP COLUMN is_admin;
ALTER TABLE users ADD COLUMN is_admin boolean GENERATED ALWAYS AS (role = 'admin') STORED;

-- Repositories a user is limited to.  all_projects (the default) lifts the
-- limit: the user sees every project and project_members is not read.
-- When false, the user sees only the projects listed here (none when the
-- list is empty, also after its projects were deleted).  Admins always see
-- every project.
ALTER TABLE users ADD COLUMN all_projects boolean NOT NULL DEFAULT true;
CREATE TABLE project_members (
    user_id     bigint NOT NULL REFERENCES users (id) ON DELETE CASCADE,
    project_id  bigint NOT NULL REFERENCES projects (id) ON DELETE CASCADE,
    PRIMARY KEY (user_id, project_id)
);
CREATE INDEX project_members_project_idx ON project_members (project_id);

-- An invite carries the role its user gets; pending invites keep what
-- they gave before (admin or the former plain user, now operator).
ALTER TABLE invites ADD COLUMN role text NOT NULL DEFAULT 'operator'
    CHECK (role IN ('viewer', 'operator', 'admin'));
UPDATE invites SET role = CASE WHEN is_admin THEN 'admin' ELSE 'operator' END;
ALTER TABLE invites ALTER COLUMN role SET DEFAULT 'viewer';
ALTER TABLE invites DROP COLUMN is_admin;
ALTER TABLE invites ADD COLUMN is_admin boolean GENERATED ALWAYS AS (role = 'admin') STORED;

-- A read-only token answers reads only, whatever its owner's role; a token
-- never has more than its owner has now (the role is read at every request).
ALTER TABLE api_tokens ADD COLUMN read_only boolean NOT NULL DEFAULT false;
