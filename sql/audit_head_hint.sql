-- The head of a workspace's audit chain (its audit_chain row) is updated at
-- every commit that wrote audit rows there.  A seal reads it from where this
-- backend last read or wrote it, following its update chain
-- (src/row_hint.c, RowHintFetchLatest), not through audit_chain's primary
-- key, whose look-up walks every HOT version of the row from the first.
-- 300 audited commits in one workspace: the chain verifies, the primary key
-- is read a few times at most (once per commit before), and the head's page
-- is pruned as an index scan would prune it (audit_chain stays one page:
-- no update had to leave it).  Then the head is found again after its page
-- was rewritten (VACUUM FULL: the remembered place names another row or
-- none) and after another backend moved it meanwhile.
\set regression_db :DBNAME
CREATE DATABASE share_acl_head_hint;
\c share_acl_head_hint
CREATE EXTENSION share_acl;
\o /dev/null
SELECT share_acl.create_user('owner@head-hint.test') AS owner \gset
SELECT share_acl.create_workspace('head hint', :'owner') AS ws \gset
SELECT share_acl.create_workspace('other', :'owner') AS other \gset
SELECT share_acl.set_principal(:'owner');
SELECT share_acl.create_resource(:'ws', 'project') AS project \gset
SELECT share_acl.create_resource(:'other', 'project') AS other_project \gset
\o
\i sql/lib/audited_churn.sql
-- (one seal first: this backend remembers the head from then on)
CALL pg_temp.churn(:'project', 1);
SELECT pg_stat_force_next_flush();
SELECT pg_stat_get_numscans('share_acl.audit_chain_pkey'::regclass) AS scans_before \gset
CALL pg_temp.churn(:'project', 300);
SELECT pg_stat_force_next_flush();
SELECT pg_stat_get_numscans('share_acl.audit_chain_pkey'::regclass) - :scans_before <= 10
       AS few_primary_key_reads;
SELECT pg_relation_size('share_acl.audit_chain') / current_setting('block_size')::int AS chain_pages;
SELECT bool_and(ok) AS chains_verify FROM share_acl.audit_verify();
SELECT count(*) AS audit_rows FROM share_acl.audit_log WHERE workspace_id = :'ws'
   AND action = 'update' AND object_id = :'project';
-- the table rewritten: the remembered place holds another version or nothing
VACUUM FULL share_acl.audit_chain;
CALL pg_temp.churn(:'other_project', 3);
CALL pg_temp.churn(:'project', 3);
-- another backend moves the head (reading it by the primary key once: it
-- has no hint); this one then follows its update chain, without the key
SELECT pg_stat_force_next_flush();
SELECT pg_stat_get_numscans('share_acl.audit_chain_pkey'::regclass) AS scans_before \gset
\! psql -qX -d share_acl_head_hint -c "SELECT share_acl.set_principal(principal_id) FROM share_acl.member WHERE role = 'owner' AND workspace_id = (SELECT id FROM share_acl.workspace WHERE name = 'head hint')" -c "SELECT share_acl.set_general_access(id, 'public') FROM share_acl.resource WHERE kind = 'project' AND workspace_id = (SELECT id FROM share_acl.workspace WHERE name = 'head hint')" >/dev/null
CALL pg_temp.churn(:'project', 3);
SELECT pg_stat_force_next_flush();
SELECT pg_stat_get_numscans('share_acl.audit_chain_pkey'::regclass) - :scans_before <= 1
       AS followed_without_the_key;
SELECT bool_and(ok) AS chains_verify FROM share_acl.audit_verify();
SELECT count(*) AS audit_rows FROM share_acl.audit_log WHERE workspace_id = :'ws'
   AND action = 'update' AND object_id = :'project';
\c :regression_db
DROP DATABASE share_acl_head_hint;
