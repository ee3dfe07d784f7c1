-- pgTAP: an application table's triggers never run with the extension
-- owner's rights.  delete_resource runs as the extension's owner, but the
-- AFTER triggers of its deletion — the cascade into application tables that
-- reference the resources (ON DELETE CASCADE, SET NULL, SET DEFAULT), row
-- and statement triggers, the latter even for no row — fire when the calling
-- statement ends, as the caller, so they cannot make their owner a
-- superuser; a foreign key on another share_acl table whose rows the API
-- deletes refuses the functions that delete them.
BEGIN;
SELECT plan(26);

CREATE ROLE t46_owner NOLOGIN;
CREATE ROLE t46_app NOLOGIN;
CREATE ROLE t46_admin NOLOGIN;
GRANT share_acl_user TO t46_owner, t46_app;
GRANT share_acl_admin TO t46_admin;
GRANT REFERENCES ON share_acl.resource TO t46_owner;
CREATE SCHEMA t46 AUTHORIZATION t46_owner;
SELECT format('GRANT CREATE ON DATABASE %I TO t46_owner', current_database()) \gexec

CREATE TEMP TABLE ids (name text PRIMARY KEY, id uuid NOT NULL);
GRANT SELECT, INSERT ON ids TO PUBLIC;
CREATE FUNCTION pg_temp.id(text) RETURNS uuid LANGUAGE sql STABLE
    AS $$ SELECT id FROM ids WHERE name = $1 $$;
INSERT INTO ids VALUES ('ana', share_acl.create_user('ana@t46.test'));
INSERT INTO ids VALUES ('ws', share_acl.create_workspace('t46', pg_temp.id('ana')));

-- the application's tables, their owner's triggers: each records who it ran
-- as (in a table it names without its schema: the caller's search_path
-- finds it) and tries to make its owner a superuser when it can
SET LOCAL ROLE t46_owner;
CREATE TABLE t46.ran_as (tbl text, who name);
CREATE TABLE t46.asset (id uuid PRIMARY KEY REFERENCES share_acl.resource (id) ON DELETE CASCADE, title text);
CREATE TABLE t46.tag (resource_id uuid REFERENCES share_acl.resource (id) ON DELETE SET NULL, tag text);
CREATE TABLE t46.pin (resource_id uuid DEFAULT NULL REFERENCES share_acl.resource (id) ON DELETE SET DEFAULT, n int);
CREATE TABLE t46.comment (id serial PRIMARY KEY, asset_id uuid REFERENCES t46.asset (id) ON DELETE CASCADE, body text);
CREATE FUNCTION t46.note() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    INSERT INTO ran_as VALUES (TG_TABLE_NAME, current_user);
    IF (SELECT rolsuper FROM pg_catalog.pg_roles WHERE rolname = current_user) THEN
        ALTER ROLE t46_owner SUPERUSER;
    END IF;
    RETURN NULL;
END $$;
CREATE TRIGGER note AFTER DELETE ON t46.asset FOR EACH ROW EXECUTE FUNCTION t46.note();
CREATE TRIGGER note AFTER UPDATE ON t46.tag FOR EACH ROW EXECUTE FUNCTION t46.note();
CREATE TRIGGER note AFTER UPDATE ON t46.pin FOR EACH ROW EXECUTE FUNCTION t46.note();
CREATE TRIGGER note AFTER DELETE ON t46.comment FOR EACH STATEMENT EXECUTE FUNCTION t46.note();
-- a statement trigger fires even when the cascade deletes no row of it
CREATE TABLE t46.empty (resource_id uuid REFERENCES share_acl.resource (id) ON DELETE CASCADE);
CREATE TRIGGER note AFTER DELETE ON t46.empty FOR EACH STATEMENT EXECUTE FUNCTION t46.note();
GRANT USAGE ON SCHEMA t46 TO t46_app, t46_admin;
GRANT SELECT, INSERT, UPDATE, DELETE ON ALL TABLES IN SCHEMA t46 TO t46_app, t46_admin;
GRANT USAGE ON ALL SEQUENCES IN SCHEMA t46 TO t46_app, t46_admin;
RESET ROLE;

-- the application, as ana: a project P with an asset X, and rows about them
SET LOCAL search_path = t46, public;
SET LOCAL ROLE t46_app;
SELECT share_acl.set_principal(pg_temp.id('ana'));
INSERT INTO ids VALUES ('P', share_acl.create_resource(pg_temp.id('ws'), 'project'));
INSERT INTO ids VALUES ('X', share_acl.create_resource(pg_temp.id('ws'), 'asset', pg_temp.id('P')));
INSERT INTO t46.asset VALUES (pg_temp.id('P'), 'project row'), (pg_temp.id('X'), 'asset row');
INSERT INTO t46.comment (asset_id, body) VALUES (pg_temp.id('X'), 'nice');
INSERT INTO t46.tag VALUES (pg_temp.id('X'), 'blue');
INSERT INTO t46.pin VALUES (pg_temp.id('X'), 1);
SELECT lives_ok($$SELECT share_acl.delete_resource(pg_temp.id('P'))$$,
    'delete_resource of a project whose rows application tables reference');
RESET ROLE;

SELECT is((SELECT count(*) FROM t46.asset), 0::bigint, 'ON DELETE CASCADE: the rows of the project and its asset are deleted');
SELECT is((SELECT count(*) FROM t46.comment), 0::bigint, 'and the rows that cascade from them in the application''s tables');
SELECT is((SELECT resource_id FROM t46.tag), NULL::uuid, 'ON DELETE SET NULL: the row is kept, its reference set to NULL');
SELECT is((SELECT n FROM t46.pin WHERE resource_id IS NULL), 1, 'ON DELETE SET DEFAULT: the row is kept, its reference set to its default');
SELECT is((SELECT count(*) FROM share_acl.resource WHERE id IN (pg_temp.id('P'), pg_temp.id('X'))), 0::bigint,
    'the resources are deleted');
SELECT is((SELECT array_agg(DISTINCT tbl ORDER BY tbl) FROM t46.ran_as), ARRAY['asset', 'comment', 'empty', 'pin', 'tag'],
    'every application trigger ran, the statement trigger of a table without a row too');
SELECT is((SELECT array_agg(DISTINCT who) FROM t46.ran_as), ARRAY['t46_app']::name[],
    'each as the role that called delete_resource, not as the extension''s owner');
SELECT is((SELECT rolsuper FROM pg_roles WHERE rolname = 't46_owner'), false,
    'the owner of the application''s tables did not become a superuser');

-- a trusted administrator without a principal: its own role, as when it
-- deletes rows itself
DELETE FROM t46.ran_as;
SET LOCAL ROLE t46_app;
SELECT share_acl.set_principal(pg_temp.id('ana'));
INSERT INTO ids VALUES ('Q', share_acl.create_resource(pg_temp.id('ws'), 'project'));
INSERT INTO t46.asset VALUES (pg_temp.id('Q'), 'another project row');
RESET ROLE;
SELECT set_config('share_acl.principal', '', true);
SET LOCAL ROLE t46_admin;
SELECT lives_ok($$SELECT share_acl.delete_resource(pg_temp.id('Q'))$$, 'delete_resource by an administrator without a principal');
RESET ROLE;
SELECT is((SELECT array_agg(DISTINCT who) FROM t46.ran_as), ARRAY['t46_admin']::name[],
    'an administrator''s delete_resource: the triggers ran as that administrator');
SELECT is((SELECT rolsuper FROM pg_roles WHERE rolname = 't46_owner'), false,
    'and did not make the table''s owner a superuser');
SELECT is((SELECT count(*) FROM t46.asset WHERE id = pg_temp.id('Q')), 0::bigint, 'the row went with the resource');

-- a foreign key on another share_acl table whose rows the API deletes
SET LOCAL ROLE t46_app;
SELECT share_acl.set_principal(pg_temp.id('ana'));
INSERT INTO ids VALUES ('S', share_acl.create_resource(pg_temp.id('ws'), 'project'));
RESET ROLE;
INSERT INTO ids VALUES ('bob', share_acl.create_user('bob@t46.test'));
SET LOCAL ROLE t46_app;
SELECT share_acl.set_principal(pg_temp.id('ana'));
SELECT share_acl.add_member(pg_temp.id('ws'), pg_temp.id('bob'), 'member');
INSERT INTO ids VALUES ('share', share_acl.share(pg_temp.id('S'), pg_temp.id('bob'), 'viewer'));
SELECT share_acl.mute(pg_temp.id('S'));
RESET ROLE;
GRANT REFERENCES ON share_acl.share TO t46_owner;
SET LOCAL ROLE t46_owner;
CREATE TABLE t46.invite (share_id uuid REFERENCES share_acl.share (id) ON DELETE CASCADE);
RESET ROLE;
SET LOCAL ROLE t46_app;
SELECT share_acl.set_principal(pg_temp.id('ana'));
SELECT throws_ok($$SELECT share_acl.unshare(pg_temp.id('share'))$$, '42830', NULL,
    'unshare refuses while an application table''s foreign key references share_acl.share (42830)');
SELECT throws_ok($$SELECT share_acl.delete_resource(pg_temp.id('S'))$$, '42830', NULL,
    'delete_resource, whose deletion cascades into share_acl.share, refuses too');
SELECT is((SELECT count(*) FROM share_acl.share WHERE id = pg_temp.id('share')), 1::bigint, 'the share stays');
SELECT throws_ok($$SELECT share_acl.unmute(pg_temp.id('S'))$$, '42830', NULL,
    'unmute refuses too (it deletes rows)');
SELECT lives_ok($$SELECT share_acl.has_access(pg_temp.id('S'), 'view')$$, 'checks are unaffected');
RESET ROLE;
SET LOCAL ROLE t46_owner;
DROP TABLE t46.invite;
RESET ROLE;
SET LOCAL ROLE t46_app;
SELECT share_acl.set_principal(pg_temp.id('ana'));
SELECT lives_ok($$SELECT share_acl.unshare(pg_temp.id('share'))$$,
    'once the foreign key is dropped (in the same transaction), unshare works');
SELECT lives_ok($$SELECT share_acl.delete_resource(pg_temp.id('S'))$$, 'and delete_resource');
RESET ROLE;

-- a foreign key by a column of a type with an implicit cast to uuid: its
-- checks would run that cast as the owner of share_acl.resource
SET LOCAL ROLE t46_owner;
CREATE TYPE t46.rid AS (v uuid);
CREATE FUNCTION t46.rid_uuid(t46.rid) RETURNS uuid LANGUAGE sql AS $$ SELECT $1.v $$;
CREATE CAST (t46.rid AS uuid) WITH FUNCTION t46.rid_uuid(t46.rid) AS IMPLICIT;
SELECT throws_ok($$CREATE TABLE t46.cast_key (r t46.rid REFERENCES share_acl.resource (id) ON DELETE CASCADE)$$,
    '42830', NULL, 'a foreign key on share_acl.resource by a column of another type than uuid is refused (42830)');
CREATE TABLE t46.later (r t46.rid);
SELECT throws_ok($$ALTER TABLE t46.later ADD FOREIGN KEY (r) REFERENCES share_acl.resource (id)$$,
    '42830', NULL, 'also when added by ALTER TABLE');
SELECT throws_ok($$CREATE SCHEMA t46b CREATE TABLE cast_key (r t46.rid REFERENCES share_acl.resource (id))$$,
    '42830', NULL, 'also in a table CREATE SCHEMA creates');
CREATE TYPE t46.comp AS (r uuid);
CREATE TABLE t46.typed OF t46.comp (r WITH OPTIONS REFERENCES share_acl.resource (id));
CREATE FUNCTION t46.uuid_rid(uuid) RETURNS t46.rid LANGUAGE sql AS $$ SELECT ROW($1)::t46.rid $$;
CREATE CAST (uuid AS t46.rid) WITH FUNCTION t46.uuid_rid(uuid) AS ASSIGNMENT;
SELECT throws_ok($$ALTER TYPE t46.comp ALTER ATTRIBUTE r TYPE t46.rid CASCADE$$,
    '42830', NULL, 'also when ALTER TYPE changes a typed table''s key column');
CREATE DOMAIN t46.rid2 AS uuid;
SELECT lives_ok($$CREATE TABLE t46.domain_key (r t46.rid2 REFERENCES share_acl.resource (id) ON DELETE CASCADE)$$,
    'a domain over uuid is accepted');
RESET ROLE;

-- a read-only transaction: 25006 naming the function, before anything else
SET LOCAL ROLE t46_app;
SELECT share_acl.set_principal(pg_temp.id('ana'));
SET LOCAL transaction_read_only = on;
SELECT throws_ok($$SELECT share_acl.delete_resource(pg_temp.id('ws'))$$, '25006',
    'cannot execute delete_resource() in a read-only transaction', 'delete_resource in a read-only transaction: 25006 naming it');
RESET ROLE;

SELECT * FROM finish();
ROLLBACK;
