-- pgTAP: every foreign key of share_acl has an index on its referencing
-- columns (the one exception, notification.workspace_id, is deleted one
-- workspace at a time), so a cascade looks the referencing rows up instead
-- of scanning their table once per deleted row: deleting a project deletes
-- its assets' notifications, deleting a principal clears granted_by of its
-- shares, without a sequential scan even where the planner may not choose
-- one (enable_seqscan off: only a missing index makes one).
BEGIN;
SET LOCAL search_path = share_acl, public;
SELECT plan((SELECT count(*)::int + 6 FROM pg_catalog.pg_constraint c
              WHERE c.contype = 'f' AND c.connamespace = 'share_acl'::regnamespace));

-- each foreign key: an index whose leading columns are its columns, in any
-- order, with no predicate and no expression among them
SELECT ok(c.conrelid = 'share_acl.notification'::regclass AND c.conkey = ARRAY[
              (SELECT a.attnum FROM pg_catalog.pg_attribute a
                WHERE a.attrelid = c.conrelid AND a.attname = 'workspace_id')]
          OR EXISTS (SELECT 1 FROM pg_catalog.pg_index i
                      WHERE i.indrelid = c.conrelid AND i.indpred IS NULL
                        AND i.indnkeyatts >= cardinality(c.conkey)
                        AND (i.indkey::int2[])[0:cardinality(c.conkey) - 1] @> c.conkey
                        AND c.conkey @> (i.indkey::int2[])[0:cardinality(c.conkey) - 1]),
          format('foreign key %s of %s has an index on its referencing columns', c.conname, c.conrelid::regclass))
  FROM pg_catalog.pg_constraint c
 WHERE c.contype = 'f' AND c.connamespace = 'share_acl'::regnamespace
 ORDER BY c.conrelid::regclass::text, c.conname;

\set w      33000000-0000-0000-0001-000000000001
\set o      33000000-0000-0000-0002-000000000001
\set u      33000000-0000-0000-0002-000000000002
\set g      33000000-0000-0000-0002-000000000003
\set P      33000000-0000-0000-0003-000000000001
\set Q      33000000-0000-0000-0003-000000000002

INSERT INTO share_acl.workspace (id, name) VALUES (:'w', 'fk indexes');
INSERT INTO share_acl.principal (id, kind, email) VALUES
    (:'o', 'user', 'o@t33.test'), (:'u', 'user', 'u@t33.test'), (:'g', 'user', 'g@t33.test');
INSERT INTO share_acl.member VALUES (:'w', :'o', 'owner'), (:'w', :'u', 'member'), (:'w', :'g', 'admin');
INSERT INTO share_acl.resource (id, workspace_id, kind) VALUES (:'P', :'w', 'project'), (:'Q', :'w', 'project');
INSERT INTO share_acl.resource (id, workspace_id, kind, parent_id)
SELECT ('33000000-0000-0000-0004-' || lpad(g::text, 12, '0'))::uuid, :'w', 'asset', :'P'
  FROM generate_series(1, 50) g;
-- notifications about each asset of P, and about Q
INSERT INTO share_acl.notification (workspace_id, recipient_id, kind, resource_id)
SELECT :'w', :'u', 'mention', r.id FROM share_acl.resource r WHERE r.parent_id = :'P' OR r.id = :'Q';
-- shares granted by g
INSERT INTO share_acl.share (resource_id, grantee_id, perms, granted_by)
SELECT r.id, :'u', 'viewer', :'g' FROM share_acl.resource r WHERE r.parent_id = :'P';

SET LOCAL enable_seqscan = off;
CREATE TEMP TABLE scans AS
SELECT relname, seq_scan FROM pg_catalog.pg_stat_xact_user_tables
 WHERE schemaname = 'share_acl' AND relname IN ('notification', 'share');

DELETE FROM share_acl.resource WHERE id = :'P';
SELECT is((SELECT count(*) FROM share_acl.notification WHERE recipient_id = :'u'), 1::bigint,
    'deleting a project deletes the notifications about its assets (those about Q stay)');
SELECT is((SELECT x.seq_scan - s.seq_scan FROM pg_catalog.pg_stat_xact_user_tables x JOIN scans s USING (relname)
            WHERE x.schemaname = 'share_acl' AND x.relname = 'notification'), 0::bigint,
    'deleting a project of 50 assets scans no notification table');

INSERT INTO share_acl.share (resource_id, grantee_id, perms, granted_by) VALUES (:'Q', :'u', 'viewer', :'g');
DELETE FROM scans;
INSERT INTO scans SELECT relname, seq_scan FROM pg_catalog.pg_stat_xact_user_tables
 WHERE schemaname = 'share_acl' AND relname IN ('notification', 'share');
DELETE FROM share_acl.principal WHERE id = :'g';
SELECT is((SELECT granted_by FROM share_acl.share WHERE resource_id = :'Q'), NULL::uuid,
    'deleting a principal clears granted_by of the shares it made');
SELECT is((SELECT count(*) FROM share_acl.share WHERE resource_id = :'Q'), 1::bigint,
    'the share itself stays');
SELECT is((SELECT x.seq_scan - s.seq_scan FROM pg_catalog.pg_stat_xact_user_tables x JOIN scans s USING (relname)
            WHERE x.schemaname = 'share_acl' AND x.relname = 'share'), 0::bigint,
    'deleting a principal scans no share table');
SELECT is((SELECT x.seq_scan - s.seq_scan FROM pg_catalog.pg_stat_xact_user_tables x JOIN scans s USING (relname)
            WHERE x.schemaname = 'share_acl' AND x.relname = 'notification'), 0::bigint,
    'nor the notification table');

SELECT * FROM finish();
ROLLBACK;
