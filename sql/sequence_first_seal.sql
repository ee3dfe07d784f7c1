-- A backend's first seal catches the audit log's id sequence up with the log
-- only when it lags (after a plain restore): a sequence set ahead, whose next
-- value was never given (setval(..., false)), keeps that next value, and one
-- set behind the log is moved past its greatest id.  (\c: a new backend, whose
-- first seal it is.)
SELECT share_acl.create_user('first@sequence-first-seal.test') IS NOT NULL AS made;
SELECT setval('share_acl.audit_log_id_seq', (SELECT max(id) FROM share_acl.audit_log) + 1000, false)
    AS next_id \gset
\c
SELECT share_acl.create_user('second@sequence-first-seal.test') IS NOT NULL AS made;
SELECT max(id) = :next_id AS took_the_next_value FROM share_acl.audit_log;
SELECT setval('share_acl.audit_log_id_seq', 1, true) AS set_back;
\c
SELECT share_acl.create_user('third@sequence-first-seal.test') IS NOT NULL AS made;
SELECT count(*) = count(DISTINCT id) AS ids_unique,
       max(id) > :next_id AS past_the_greatest FROM share_acl.audit_log;
SELECT ok FROM share_acl.audit_verify();
-- The session that set the sequence back (a plain restore's own: it sealed
-- the rows it restored, then restored the sequence's value) catches it up at
-- its next seal: the sequence gave an id not above the last one it took.
SELECT setval('share_acl.audit_log_id_seq', 1, true) AS set_back;
SELECT share_acl.create_user('fourth@sequence-first-seal.test') IS NOT NULL AS made;
SELECT count(*) = count(DISTINCT id) AS ids_unique FROM share_acl.audit_log;
SELECT ok FROM share_acl.audit_verify();
-- And a session that sealed before another one set the sequence back (past
-- ids a third session had taken, not this one's own): its next seal gives no
-- id that a chain it seals into has already (its first id is not above the
-- chain head's last one), catching the sequence up.
CREATE EXTENSION dblink;
SELECT format('dbname=%s host=%s port=%s', current_database(),
              split_part(current_setting('unix_socket_directories'), ',', 1),
              current_setting('port')) AS conninfo \gset
SELECT dblink_connect('early', :'conninfo');
SELECT dblink_exec('early', $q$DO $d$ BEGIN PERFORM share_acl.create_user('early1@sequence-first-seal.test'); END $d$$q$);
SELECT dblink_connect('many', :'conninfo');
SELECT dblink_exec('many', $q$DO $d$ BEGIN PERFORM share_acl.create_user('many' || g || '@sequence-first-seal.test') FROM generate_series(1, 5) g; END $d$$q$);
SELECT setval('share_acl.audit_log_id_seq',
              (SELECT min(id) FROM share_acl.audit_log WHERE new ->> 'email' LIKE 'many%'), true) > 0 AS set_back;
SELECT dblink_exec('early', $q$DO $d$ BEGIN PERFORM share_acl.create_user('early2@sequence-first-seal.test'); END $d$$q$);
SELECT dblink_disconnect('early'), dblink_disconnect('many');
SELECT count(*) = count(DISTINCT id) AS ids_unique FROM share_acl.audit_log;
SELECT ok FROM share_acl.audit_verify();
DROP EXTENSION dblink;
