-- A trusted administrator that is not a superuser (a role granted
-- share_acl_admin) may write the model tables directly, as a bulk load
-- does: the row checks that ask internal helpers run as the extension's
-- owner, not as that role (a fresh session: PL/pgSQL checks EXECUTE when an
-- expression is first set up in a transaction).
CREATE ROLE share_acl_direct_admin;
GRANT share_acl_admin TO share_acl_direct_admin;
\o /dev/null
SELECT share_acl.create_user('owner@direct.test') AS owner \gset
SELECT share_acl.create_user('rev@direct.test') AS rev \gset
SELECT share_acl.create_workspace('direct', :'owner') AS ws \gset
SELECT share_acl.create_workspace('direct other', :'owner') AS ws2 \gset
SELECT share_acl.add_member(:'ws', :'rev', 'member');
SELECT share_acl.create_team(:'ws2', 'elsewhere') AS team2 \gset
SELECT share_acl.create_resource(:'ws', 'project') AS project \gset
SELECT share_acl.create_resource(:'ws', 'asset', :'project') AS asset \gset
\o
\c
SET ROLE share_acl_direct_admin;
INSERT INTO share_acl.review (id, resource_id, requested_by, perms)
VALUES ('d1ec0000-0000-0000-0000-000000000001', :'asset', :'owner', 'commenter');
INSERT INTO share_acl.review_reviewer (review_id, reviewer_id, perms)
VALUES ('d1ec0000-0000-0000-0000-000000000001', :'rev', 'commenter');
UPDATE share_acl.review_reviewer SET decision = 'approved', decided_at = now()
 WHERE review_id = 'd1ec0000-0000-0000-0000-000000000001';
UPDATE share_acl.review SET resource_id = :'project'
 WHERE id = 'd1ec0000-0000-0000-0000-000000000001';
SELECT resource_id = :'project' AS moved_along, decision FROM share_acl.review_reviewer
 WHERE review_id = 'd1ec0000-0000-0000-0000-000000000001';
-- the check itself still holds
INSERT INTO share_acl.review_reviewer (review_id, reviewer_id, perms)
VALUES ('d1ec0000-0000-0000-0000-000000000001', :'team2', 'commenter');
RESET ROLE;
DELETE FROM share_acl.workspace WHERE id IN (:'ws', :'ws2');
DELETE FROM share_acl.principal WHERE email LIKE '%@direct.test';
DROP ROLE share_acl_direct_admin;
