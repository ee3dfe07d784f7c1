-- share_acl.principal set to an invalid value before the library is loaded
-- in a backend.  Not preloaded, the setting is a placeholder until then,
-- which takes any text; PostgreSQL checks the values only when the library
-- defines the setting, and then only warns and keeps the value from before
-- each.  A transaction whose own value was rejected then fails at every use
-- of the principal until it ends, instead of acting as the session's
-- principal (or none).  Preloaded, the SET itself fails
-- (expected/principal_set_before_load_1.out).  Each case starts a new
-- backend, in which nothing has loaded the library.

-- a transaction's value that is no uuid (an id cut short), over a session's
\c
SET share_acl.principal = '57000000-0000-0000-0001-000000000001';
BEGIN;
SET LOCAL share_acl.principal = '57000000';
SELECT share_acl.current_principal();
ROLLBACK;
-- the next transaction acts as the session's value, as always (and is warned)
SELECT share_acl.current_principal();

-- without a session's value: the same, rather than no principal
\c
BEGIN;
SET LOCAL share_acl.principal = 'not a uuid';
SELECT share_acl.has_access('57000000-0000-0000-0005-000000000001', 'view');
ROLLBACK;
SELECT share_acl.current_principal() IS NULL AS no_principal;

-- a valid value set before the library is loaded is applied, silently
\c
BEGIN;
SET LOCAL share_acl.principal = '57000000-0000-0000-0001-000000000001';
SELECT share_acl.current_principal();
COMMIT;

-- an invalid session value under a valid value of the transaction: the
-- transaction's is in effect, and nothing fails
\c
SET share_acl.principal = 'not a uuid either';
BEGIN;
SET LOCAL share_acl.principal = '57000000-0000-0000-0001-000000000002';
SELECT share_acl.current_principal();
COMMIT;

-- the error caught in a subtransaction, or the rejected value's savepoint
-- rolled back and a valid one set: every later use fails all the same
-- (preloaded, the SET itself failed, and the rollback ended that)
\c
SET share_acl.principal = '57000000-0000-0000-0001-000000000001';
BEGIN;
SAVEPOINT s;
SET LOCAL share_acl.principal = '57000000';
DO $$
BEGIN
    PERFORM share_acl.current_principal();
EXCEPTION WHEN invalid_text_representation THEN
    RAISE NOTICE 'caught %', SQLSTATE;
END $$;
SELECT share_acl.current_principal();
ROLLBACK TO SAVEPOINT s;
SELECT share_acl.set_principal('57000000-0000-0000-0001-000000000003');
SELECT share_acl.current_principal();
COMMIT;

-- a function whose SET clause sets a valid principal, called after the
-- transaction set an invalid one: it fails too (after it, the transaction
-- would act as the session's principal)
\c
SET share_acl.principal = '57000000-0000-0000-0001-000000000001';
CREATE FUNCTION pg_temp.as_p2() RETURNS uuid LANGUAGE sql
    SET share_acl.principal = '57000000-0000-0000-0001-000000000002'
    AS $$ SELECT share_acl.current_principal() $$;
BEGIN;
SET LOCAL share_acl.principal = '57000000';
SELECT pg_temp.as_p2();
ROLLBACK;
