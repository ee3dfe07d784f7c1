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
