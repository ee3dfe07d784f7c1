-- An open of a link with max_views (or a password) is decided by a worker
-- under the link row's lock, which it may wait for (up to its lock_timeout of
-- 1 s) while another transaction holds the row.  A link that expires during
-- that wait is expired: the decision is made at the time the lock is taken,
-- not when the worker's statement started.
SET log_min_error_statement = panic;
SELECT share_acl.create_user('owner@link-expiry-wait.test') AS owner \gset
SELECT share_acl.create_workspace('link expiry wait', :'owner') AS ws \gset
BEGIN;
SELECT share_acl.set_principal(:'owner');
SELECT share_acl.create_resource(:'ws', 'project') AS project \gset
SELECT share_acl.create_link(:'project', max_views => 5, label => 'expires while waited for') AS token \gset
COMMIT;
\i sql/lib/wait_until.sql
-- another session (an administrator) sets the link to expire in 0.4 s and
-- keeps the row locked for 0.8 s
\! psql -qX -d contrib_regression -c 'BEGIN' -c "UPDATE share_acl.link SET expires_at = clock_timestamp() + interval '0.4 s' WHERE label = 'expires while waited for'" -c 'SELECT pg_sleep(0.8)' -c COMMIT >/dev/null 2>&1 &
SELECT pg_temp.wait_until($$EXISTS (SELECT 1 FROM pg_stat_activity
    WHERE datname = current_database() AND pid <> pg_backend_pid()
      AND wait_event = 'PgSleep' AND query LIKE '%pg_sleep(0.8)%')$$) AS holder_sleeps;
-- the open waits for the row, which by then is past expires_at
SELECT ok, status FROM share_acl.open_link(:'token');
SELECT view_count, expires_at < clock_timestamp() AS past_expiry
  FROM share_acl.link WHERE label = 'expires while waited for';
SELECT action, new ->> 'status' AS status FROM share_acl.audit_log
 WHERE workspace_id = :'ws' AND object_type = 'link' AND action LIKE 'open%' ORDER BY id;
SELECT ok FROM share_acl.audit_verify(:'ws');
