-- Enum labels that the C engine does not know (added by ALTER TYPE … ADD
-- VALUE, e.g. by a later version's upgrade script applied halfway) fail
-- closed: an unknown role grants nothing, an unknown principal kind acts as
-- nobody, an unknown general access is private, an unknown resource kind
-- matches no kind filter and is no project.
ALTER TYPE share_acl.workspace_role ADD VALUE 'superowner';
ALTER TYPE share_acl.principal_kind ADD VALUE 'robot';
ALTER TYPE share_acl.resource_kind ADD VALUE 'folder';
ALTER TYPE share_acl.general_access ADD VALUE 'everyone';

INSERT INTO share_acl.workspace (id, name) VALUES ('e0000000-0000-0000-0000-000000000001', 'unknown values');
INSERT INTO share_acl.principal (id, kind, email) VALUES
    ('e0000000-0000-0000-0000-0000000000a1', 'user', 'owner@unknown.test'),
    ('e0000000-0000-0000-0000-0000000000a2', 'user', 'odd@unknown.test'),
    ('e0000000-0000-0000-0000-0000000000a3', 'user', 'member@unknown.test');
INSERT INTO share_acl.member (workspace_id, principal_id, role) VALUES
    ('e0000000-0000-0000-0000-000000000001', 'e0000000-0000-0000-0000-0000000000a1', 'owner'),
    ('e0000000-0000-0000-0000-000000000001', 'e0000000-0000-0000-0000-0000000000a3', 'member');
-- rows with the unknown labels go in with the integrity triggers off, as a
-- restore of a newer version's data would put them
SET session_replication_role = replica;
INSERT INTO share_acl.principal (id, kind, email) VALUES
    ('e0000000-0000-0000-0000-0000000000a4', 'robot', 'bot@unknown.test');
INSERT INTO share_acl.member (workspace_id, principal_id, role) VALUES
    ('e0000000-0000-0000-0000-000000000001', 'e0000000-0000-0000-0000-0000000000a2', 'superowner');
INSERT INTO share_acl.resource (id, workspace_id, kind, general_access, owner_id) VALUES
    ('e0000000-0000-0000-0000-0000000000b1', 'e0000000-0000-0000-0000-000000000001', 'project', 'everyone', 'e0000000-0000-0000-0000-0000000000a1');
INSERT INTO share_acl.resource (id, workspace_id, kind, parent_id, owner_id) VALUES
    ('e0000000-0000-0000-0000-0000000000b2', 'e0000000-0000-0000-0000-000000000001', 'folder', 'e0000000-0000-0000-0000-0000000000b1', 'e0000000-0000-0000-0000-0000000000a1'),
    ('e0000000-0000-0000-0000-0000000000b3', 'e0000000-0000-0000-0000-000000000001', 'asset', 'e0000000-0000-0000-0000-0000000000b1', 'e0000000-0000-0000-0000-0000000000a1');
INSERT INTO share_acl.share (resource_id, grantee_id, perms) VALUES
    ('e0000000-0000-0000-0000-0000000000b1', 'e0000000-0000-0000-0000-0000000000a2', 'full'),
    ('e0000000-0000-0000-0000-0000000000b1', 'e0000000-0000-0000-0000-0000000000a4', 'full');
RESET session_replication_role;

-- an unknown role: nothing, not even through its share, and no workspace permission
SELECT share_acl.effective_permissions('e0000000-0000-0000-0000-0000000000a2', 'e0000000-0000-0000-0000-0000000000b1') AS unknown_role_on_project,
       share_acl.has_access('e0000000-0000-0000-0000-0000000000a2', 'e0000000-0000-0000-0000-000000000001', 'view') AS unknown_role_on_workspace;
-- an unknown principal kind: nothing, even with a full share
SELECT share_acl.effective_permissions('e0000000-0000-0000-0000-0000000000a4', 'e0000000-0000-0000-0000-0000000000b1') AS unknown_kind_on_project;
-- an unknown general access is private: a plain member gets nothing from it
SELECT share_acl.effective_permissions('e0000000-0000-0000-0000-0000000000a3', 'e0000000-0000-0000-0000-0000000000b1') AS member_on_unknown_access;
-- the owner still has everything (R1), on the resource of an unknown kind too
SELECT share_acl.has_access('e0000000-0000-0000-0000-0000000000a1', 'e0000000-0000-0000-0000-0000000000b2', 'full') AS owner_on_unknown_kind;
-- an unknown kind matches no kind filter
SELECT count(*) AS projects FROM share_acl.accessible_resources('e0000000-0000-0000-0000-0000000000a1', 'view', 'project');
SELECT count(*) AS assets FROM share_acl.accessible_resources('e0000000-0000-0000-0000-0000000000a1', 'view', 'asset');
SELECT count(*) AS any_kind FROM share_acl.accessible_resources('e0000000-0000-0000-0000-0000000000a1', 'view');
-- and filtering by a kind label the C code does not know lists nothing
SELECT count(*) AS unknown_kind FROM share_acl.accessible_resources('e0000000-0000-0000-0000-0000000000a1', 'view', 'folder');
-- who_has_access lists neither (they have nothing)
SELECT principal, role, perms FROM share_acl.who_has_access('e0000000-0000-0000-0000-0000000000b1') ORDER BY principal;
-- explain_access says why
SELECT rule, detail FROM share_acl.explain_access('e0000000-0000-0000-0000-0000000000a2', 'e0000000-0000-0000-0000-0000000000b1', 'view');

-- put the extension back as it was for the next suites
DROP EXTENSION share_acl CASCADE;
CREATE EXTENSION share_acl;
