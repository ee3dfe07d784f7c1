-- Share links (SPEC section 5, and the link policies of section 6): create_link, open_link,
-- revoke_link, rotate_signing_key, retire_signing_key, the active_links view
-- and expiring_links.  The tables are in 060_links_model.sql; the link
-- context a successful open sets is answered by the engine (R7).
--
-- Tokens (layout in src/token.h): 60 characters of base64url (no padding)
-- over version (1 byte), key id (4), link id (16) and the first 24 bytes of
-- HMAC-SHA256 over those 21 bytes under the key's secret.  The server takes
-- only a key id from a token, never an algorithm or a key; a token is never
-- stored, it is recomputed from the link id and the key.  Verification is in
-- C: strict base64url, known version, known and unretired key id, MAC
-- compared in constant time; only then is the link row read.
--
-- Keys: share_acl.signing_key, readable by no role (REVOKE ALL FROM PUBLIC),
-- only by the SECURITY DEFINER functions here.  A first key is made with
-- pg_strong_random at CREATE EXTENSION; rotate_signing_key() adds a new one
-- that signs every later link; tokens signed with an older key keep working
-- until retire_signing_key(kid).  Keys are managed by trusted administrators
-- only (superusers and members of share_acl_admin).
--
-- Passwords: stored only as a SCRAM-SHA-256 secret (PBKDF2-HMAC-SHA256 with
-- a random 16-byte salt and 4096 iterations), checked in constant time.
-- 10 wrong passwords within 15 minutes lock a link (status 'locked') until
-- fewer than 10 of them are younger than 15 minutes; while locked, a password
-- is not even checked.
--
-- Tokens and passwords are never stored, raised or audited: no function
-- here builds a message from them, and the tables keep only link ids.  The
-- server log is the deployment's: settings such as log_statement = 'all'
-- write bind parameters in full, and any literal in a failing statement's
-- text.  open_link and create_link warn once per backend when settings in
-- effect would log what they were given (_warn_log_exposure, src/secret_log.c,
-- which lists the settings).
--
-- open_link() answers a refused link with a status, never an error (but for a
-- link with a password or max_views on a hot standby: 25006, below).
--
-- Attempts (src/link_attempts.c).  On the primary, an open of a link with a
-- password or with max_views is decided and recorded by
-- _link_record_attempt() in a short transaction of its own, run by a
-- background worker that open_link waits for: it locks the link row (FOR NO
-- KEY UPDATE, lock_timeout 1s), checks revoked / expired / max_views, the
-- lockout, records a wrong password (link_failed_attempt row and
-- failed_attempts) or, on a link with max_views, claims the view
-- (view_count, last_viewed_at), and commits before open_link answers.  So a
-- wrong password counts and a claimed view is used up whatever the caller
-- does afterwards (roll back, roll back to a savepoint, fail), each with its
-- audit row (written here, not by the caller), and
-- concurrent attempts on one link are counted one at a time: 10 wrong
-- passwords within 15 minutes give 'locked', max_views is never exceeded.
-- The password is checked by open_link itself, before (neither it nor the
-- token goes to the worker), and not at all when this transaction already
-- sees the link locked.  When the attempt cannot be recorded open_link
-- raises instead of answering: 53000 (no background worker slot within 1 s),
-- the worker's error (55P03 when the link row stays locked for 1 s, e.g. by
-- an uncommitted revoke_link or an administrator's UPDATE), 55000 (the worker
-- ended without an answer: nothing was decided).  A link row written by the caller's own
-- uncommitted transaction (created or changed in it) is invisible to the
-- worker: its attempts are recorded in that transaction, which a rollback
-- undoes together with the link's change.
--
-- Views of other links are counted into view_count / last_viewed_at when the
-- opening transaction commits (src/link_attempts.c; a ROLLBACK TO SAVEPOINT
-- drops the views it covers), by a pre-commit callback that runs after the
-- deferred triggers: the link row is locked only while a viewer's
-- transaction commits, and no caller can keep it locked longer (no SET
-- CONSTRAINTS can move that update into the transaction).  Nothing here
-- takes an advisory lock, and a viewer's open transaction holds up neither
-- revoke_link nor other viewers.  A transaction that opened such a link
-- cannot be prepared (PREPARE TRANSACTION, 0A000).  open_link is meant for
-- READ COMMITTED: under REPEATABLE READ a concurrent change of the same link
-- row makes the commit of a counted view fail with 40001.
--
-- Hot standby (pg_is_in_recovery()): open_link validates exactly as on the
-- primary and sets the link context, but writes nothing: no link_view row,
-- no view_count / last_viewed_at bump, no first-view notification, no audit
-- row.  A link with a password opened without one answers password_required
-- (nothing to count); otherwise a link with a password or max_views is
-- refused there (25006, before any password is looked at): its attempts
-- must be counted (the lockout,
-- the views left), which only the primary can do.  Applications that need
-- these records send open_link to the primary.

-- ---------------------------------------------------------------------------
-- Tables and columns of this file
-- ---------------------------------------------------------------------------

-- Wrong passwords, one row each, for the lockout window (rows older than the
-- window are pruned when the link gets its next wrong password).
CREATE TABLE share_acl.link_failed_attempt (
    link_id uuid NOT NULL REFERENCES share_acl.link (id) ON DELETE CASCADE,
    at timestamptz NOT NULL DEFAULT now()
);
CREATE INDEX link_failed_attempt_link_idx ON share_acl.link_failed_attempt (link_id, at);
-- (dumped with the data: a restored database keeps each link's lockout window)
SELECT pg_catalog.pg_extension_config_dump('share_acl.link_failed_attempt', '');
COMMENT ON TABLE share_acl.link_failed_attempt IS
    'one row per wrong link password, for the lockout (10 within 15 minutes); never holds the password';

-- View counting (in C, src/link_attempts.c): view_count + n, last_viewed_at,
-- and on the very first view a notification to the link's creator
-- (078_notifications.sql).  Called for the views of a link without max_views
-- when the opening transaction commits (by the pre-commit callback of
-- src/link_attempts.c, with the application's role: hence SECURITY DEFINER),
-- and for a claimed view of a link with max_views by _link_record_attempt.
-- Rows loaded into link_view (a restore, a bulk load) count nothing:
-- view_count counts opens.  viewer_email is the first viewer's (for the
-- first-view notice).
CREATE FUNCTION share_acl._link_count_views(link uuid, n bigint, viewed_at timestamptz, viewer_email text)
RETURNS void
    AS 'MODULE_PATHNAME', 'link_count_views'
    LANGUAGE C VOLATILE SECURITY DEFINER SET search_path = pg_catalog, pg_temp;
COMMENT ON FUNCTION share_acl._link_count_views(uuid, bigint, timestamptz, text) IS
    'internal: count n views of a link into view_count / last_viewed_at';

-- One more wrong password into failed_attempts (in C, src/link_attempts.c),
-- called by _link_record_attempt.  The counters an open moves (view_count,
-- last_viewed_at, failed_attempts) write no update row when the extension
-- moves them for an open, whose own audit row records it; any other change
-- of them is audited (070_audit.sql).
CREATE FUNCTION share_acl._link_count_failure(link uuid) RETURNS void
    AS 'MODULE_PATHNAME', 'link_count_failure'
    LANGUAGE C VOLATILE STRICT SET search_path = pg_catalog, pg_temp;
COMMENT ON FUNCTION share_acl._link_count_failure(uuid) IS
    'internal: count one wrong password into a link''s failed_attempts';

-- Whether a key has signed a token.  A key that never has may be replaced
-- by an INSERT of the same kid: that is what a pg_dump restore does, whose
-- CREATE EXTENSION makes a fresh key 1 before the dumped keys are loaded.
ALTER TABLE share_acl.signing_key ADD COLUMN in_use boolean NOT NULL DEFAULT false;
COMMENT ON COLUMN share_acl.signing_key.in_use IS
    'the key has signed a link token; an unused key may be replaced by inserting the same kid (restore)';
-- The database the extension made a key in (CREATE EXTENSION's first key,
-- rotate_signing_key's): a database made from a template, or restored from
-- a dump, holds copies of the original's keys, and one the extension made
-- that has signed nothing gets a secret of its own when it first signs
-- (_link_token).  NULL for a key inserted otherwise (an administrator's,
-- kept as inserted).
ALTER TABLE share_acl.signing_key ADD COLUMN made_in oid;
COMMENT ON COLUMN share_acl.signing_key.made_in IS
    'the database (pg_database oid) the extension made the key in; an unused key the extension made gets a secret of its own when it first signs (so a template''s or a dump''s copy shares none); NULL for an inserted key, which keeps its secret';
CREATE FUNCTION share_acl._this_database() RETURNS oid
LANGUAGE sql STABLE AS $$
    SELECT d.oid FROM pg_catalog.pg_database d WHERE d.datname OPERATOR(pg_catalog.=) pg_catalog.current_database()
$$;
COMMENT ON FUNCTION share_acl._this_database() IS 'internal: the current database''s oid';

CREATE FUNCTION share_acl.signing_key_replace_unused() RETURNS trigger
LANGUAGE plpgsql SET search_path = pg_catalog, pg_temp AS $$
BEGIN
    DELETE FROM share_acl.signing_key k WHERE k.kid = NEW.kid AND NOT k.in_use;
    RETURN NEW;
END $$;
COMMENT ON FUNCTION share_acl.signing_key_replace_unused() IS
    'trigger: an inserted signing key replaces an unused key of the same kid (so a pg_dump restore keeps the dumped keys)';
CREATE TRIGGER signing_key_replace_unused BEFORE INSERT ON share_acl.signing_key
    FOR EACH ROW EXECUTE FUNCTION share_acl.signing_key_replace_unused();
-- (in every session_replication_role: a logical replication subscriber's
-- initial copy of signing_key replaces the unused key its own CREATE
-- EXTENSION made, which it otherwise conflicted with for good)
ALTER TABLE share_acl.signing_key ENABLE ALWAYS TRIGGER signing_key_replace_unused;

-- ---------------------------------------------------------------------------
-- C helpers (src/token.c): internal, for the functions of this file only
-- ---------------------------------------------------------------------------

CREATE FUNCTION share_acl._random_bytes(n integer) RETURNS bytea
    AS 'MODULE_PATHNAME', 'token_random_bytes' LANGUAGE C VOLATILE STRICT PARALLEL SAFE;
COMMENT ON FUNCTION share_acl._random_bytes(integer) IS
    'internal: n (1 to 1024) bytes from pg_strong_random';

CREATE FUNCTION share_acl._token_sign(kid integer, secret bytea, link uuid) RETURNS text
    AS 'MODULE_PATHNAME', 'token_sign' LANGUAGE C IMMUTABLE STRICT PARALLEL SAFE;
COMMENT ON FUNCTION share_acl._token_sign(integer, bytea, uuid) IS
    'internal: the token of a link under signing key kid';

CREATE FUNCTION share_acl._token_kid(token text) RETURNS integer
    AS 'MODULE_PATHNAME', 'token_kid' LANGUAGE C IMMUTABLE STRICT PARALLEL SAFE;
COMMENT ON FUNCTION share_acl._token_kid(text) IS
    'internal: the key id of a well-formed token (strict base64url, known version), NULL otherwise';

CREATE FUNCTION share_acl._token_verify(token text, kid integer, secret bytea) RETURNS uuid
    AS 'MODULE_PATHNAME', 'token_verify' LANGUAGE C IMMUTABLE STRICT PARALLEL SAFE;
COMMENT ON FUNCTION share_acl._token_verify(text, integer, bytea) IS
    'internal: the link id of a well-formed token of key kid whose MAC is right (constant-time compare), NULL otherwise';

CREATE FUNCTION share_acl._password_hash(password text) RETURNS text
    AS 'MODULE_PATHNAME', 'token_password_hash' LANGUAGE C VOLATILE STRICT PARALLEL SAFE;
COMMENT ON FUNCTION share_acl._password_hash(text) IS
    'internal: a salted SCRAM-SHA-256 secret (PBKDF2-HMAC-SHA256, 4096 iterations) of a link password';

CREATE FUNCTION share_acl._password_check(password text, hash text) RETURNS boolean
    AS 'MODULE_PATHNAME', 'token_password_check' LANGUAGE C IMMUTABLE STRICT PARALLEL SAFE;
COMMENT ON FUNCTION share_acl._password_check(text, text) IS
    'internal: whether the password matches the SCRAM-SHA-256 secret (constant-time compare); false for a malformed secret';

-- src/link_attempts.c: attempts recorded in a transaction of their own, views
-- counted at commit; src/secret_log.c: logging settings that expose secrets.
CREATE FUNCTION share_acl._link_attempt(link uuid, password_ok boolean, viewer_email text,
                                        actor uuid, db_role text, checked_hash text) RETURNS text
    AS 'MODULE_PATHNAME', 'link_attempt' LANGUAGE C VOLATILE PARALLEL UNSAFE;
COMMENT ON FUNCTION share_acl._link_attempt(uuid, boolean, text, uuid, text, text) IS
    'internal: decide and record an attempt to open a link (_link_record_attempt) in a background worker''s own transaction, and answer its status; raises when it cannot be recorded';

CREATE FUNCTION share_acl._log_exposure(token text, password text) RETURNS text[]
    AS 'MODULE_PATHNAME', 'log_exposure' LANGUAGE C VOLATILE PARALLEL RESTRICTED;
COMMENT ON FUNCTION share_acl._log_exposure(text, text) IS
    'internal: the settings in effect ("name = value") that would write this token or password, as passed to the current statement, to the server log';

CREATE FUNCTION share_acl._warn_log_exposure(token text, password text) RETURNS void
    AS 'MODULE_PATHNAME', 'warn_log_exposure' LANGUAGE C VOLATILE PARALLEL RESTRICTED;
COMMENT ON FUNCTION share_acl._warn_log_exposure(text, text) IS
    'internal: a WARNING, once per backend, naming the settings in effect that would write this token or password to the server log';

-- ---------------------------------------------------------------------------
-- SQL helpers
-- ---------------------------------------------------------------------------

-- What a link never grants (R9): share and every flag after it.
CREATE FUNCTION share_acl._link_never() RETURNS share_acl.permset
    AS 'MODULE_PATHNAME', 'permset_link_never' LANGUAGE C IMMUTABLE PARALLEL SAFE;
COMMENT ON FUNCTION share_acl._link_never() IS
    'internal: the flags a link never grants: share and everything above it';

-- Why a link row refuses to open now, or NULL: 'revoked', or 'expired'
-- (past expires_at, before not_before, or max_views used up).
CREATE FUNCTION share_acl._link_refusal(l share_acl.link) RETURNS text
LANGUAGE sql STABLE PARALLEL SAFE AS $$
    SELECT CASE WHEN l.revoked_at IS NOT NULL THEN 'revoked'
                WHEN l.expires_at <= greatest(pg_catalog.statement_timestamp(), pg_catalog.now())
                     OR l.not_before > greatest(pg_catalog.statement_timestamp(), pg_catalog.now())
                     OR l.view_count >= l.max_views THEN 'expired'
           END
$$;
COMMENT ON FUNCTION share_acl._link_refusal(share_acl.link) IS
    'internal: revoked, expired (past expires_at, before not_before, max_views used up) or NULL when the link may open';

-- One attempt to open a link that has a password or max_views, decided and
-- recorded at once: run by the background worker of _link_attempt in a
-- transaction of its own (or by open_link in its own transaction when that
-- transaction made the link; one it changed is refused there).  The row lock serialises the attempts on
-- one link for the few milliseconds of that transaction.  password_ok: the
-- caller's check of the password, NULL when it saw no password on the link.
-- Answers invalid (the link is gone), revoked, expired, password_required
-- (a password appeared meanwhile), locked (10 wrong passwords within 15
-- minutes; password_ok is not looked at), wrong_password (recorded: a
-- link_failed_attempt row, failed_attempts + 1, rows older than the window
-- pruned), or ok (a link with max_views: the view is claimed, view_count + 1;
-- the first view's notification names viewer_email when the workspace tracks
-- external views).  A refused attempt's open_link audit row (actor, db_role:
-- the caller's principal and session user) is staged here too, so that it
-- commits with the attempt: a wrong password stays in the audit log however
-- the caller's transaction ends.  An ok attempt's row is the caller's, which
-- commits with its view.
CREATE FUNCTION share_acl._link_record_attempt(link uuid, password_ok boolean, viewer_email text,
                                               actor uuid, db_role text, checked_hash text)
RETURNS text
LANGUAGE plpgsql VOLATILE SET search_path = pg_catalog, pg_temp AS $$
DECLARE
    l share_acl.link;
    ws share_acl.workspace;
    status text;
    n bigint;
BEGIN
    SELECT * INTO l FROM share_acl.link x WHERE x.id = _link_record_attempt.link FOR NO KEY UPDATE;
    IF NOT FOUND THEN
        status := 'invalid';
    ELSE
        SELECT w.* INTO ws FROM share_acl.resource r JOIN share_acl.workspace w ON w.id = r.workspace_id
         WHERE r.id = l.resource_id;
        status := share_acl._link_refusal(l);
        -- (the row lock may have been waited for: a link that expired meanwhile
        -- is expired, whatever time this statement started at)
        IF status IS NULL AND l.expires_at <= pg_catalog.clock_timestamp() THEN
            status := 'expired';
        END IF;
        IF status IS NULL AND l.password_hash IS NOT NULL THEN
            IF _link_record_attempt.password_ok IS NULL THEN
                status := 'password_required';
            ELSE
                SELECT count(*) INTO n FROM share_acl.link_failed_attempt f
                 WHERE f.link_id = l.id AND f.at > now() - interval '15 minutes';
                IF n >= 10 THEN
                    status := 'locked';
                ELSIF l.password_hash IS DISTINCT FROM _link_record_attempt.checked_hash THEN
                    -- (the caller checked the password against the hash it
                    -- read, which a change committed since replaced: its
                    -- answer is not this password's; wrong, and not counted
                    -- against a password the viewer could not have tried)
                    status := 'wrong_password';
                ELSIF NOT _link_record_attempt.password_ok THEN
                    PERFORM share_acl._refuse_application_references('open_link');
                    DELETE FROM share_acl.link_failed_attempt f
                     WHERE f.link_id = l.id AND f.at <= now() - interval '15 minutes';
                    INSERT INTO share_acl.link_failed_attempt (link_id) VALUES (l.id);
                    PERFORM share_acl._link_count_failure(l.id);
                    status := 'wrong_password';
                END IF;
            END IF;
        END IF;
        IF status IS NULL THEN
            -- (the link's creator opening it while it holds what the link
            -- gives claims no view: its own look)
            IF l.max_views IS NULL
               OR (_link_record_attempt.actor = l.created_by
                   AND share_acl.effective_permissions(l.created_by, l.resource_id) OPERATOR(share_acl.@>) l.perms) THEN
                RETURN 'ok';
            END IF;
            -- a claimed view stays used whatever the caller does: so does
            -- the open's audit row (answered 'claimed': the caller, which
            -- read the link before this row lock, stages none for it)
            PERFORM share_acl._link_count_views(l.id, 1, now(),
                CASE WHEN ws.track_external_views THEN _link_record_attempt.viewer_email END);
            status := 'claimed';
        END IF;
    END IF;
    INSERT INTO share_acl.audit_stage (workspace_id, actor_id, db_role, action, object_type, object_id,
                                       new, link_id, viewer_email)
    VALUES (ws.id, _link_record_attempt.actor, _link_record_attempt.db_role, 'open_link', 'link', l.id,
            pg_catalog.jsonb_build_object('status', CASE status WHEN 'claimed' THEN 'ok' ELSE status END),
            l.id, _link_record_attempt.viewer_email);
    PERFORM share_acl._audit_staged(ws.id);
    RETURN status;
END $$;
COMMENT ON FUNCTION share_acl._link_record_attempt(uuid, boolean, text, uuid, text, text) IS
    'internal: decide and record one attempt to open a link with a password or max_views (lockout, wrong password, claimed view; the audit row of a refusal or a claimed view) under the link''s row lock';

-- The token of a link, signed with the newest unretired key.  A key the
-- extension made that has signed nothing gets a secret of its own when it
-- first signs, wherever it is: a database made from another (CREATE
-- DATABASE ... TEMPLATE, template1 with the extension in it) or restored from
-- its dump holds a copy of its keys, which is then not shared with the
-- original or any other copy (a database oid, which made_in holds, names a
-- database only within its cluster: a dump restored into a database of the
-- same oid in another cluster kept the original's secret).  (Two
-- transactions signing with it first: the second waits for the first's row
-- and signs with the secret it committed; in REPEATABLE READ it fails to
-- serialize.)
CREATE FUNCTION share_acl._link_token(link uuid) RETURNS text
LANGUAGE plpgsql VOLATILE AS $$
DECLARE
    k integer;
    used boolean;
    key_made_in oid;
    t text;
BEGIN
    SELECT s.kid, s.in_use, s.made_in INTO k, used, key_made_in
      FROM share_acl.signing_key s
     WHERE s.retired_at IS NULL
     ORDER BY s.kid DESC LIMIT 1;
    IF NOT FOUND THEN
        RAISE EXCEPTION 'there is no active share link signing key'
            USING ERRCODE = 'object_not_in_prerequisite_state',
                  HINT = 'A trusted administrator calls share_acl.rotate_signing_key().';
    END IF;
    IF NOT used THEN
        UPDATE share_acl.signing_key s
           SET secret = CASE WHEN key_made_in IS NOT NULL
                             THEN share_acl._random_bytes(32) ELSE s.secret END,
               in_use = true
         WHERE s.kid = k AND NOT s.in_use;
    END IF;
    SELECT share_acl._token_sign(s.kid, s.secret, _link_token.link) INTO t
      FROM share_acl.signing_key s WHERE s.kid = k;
    RETURN t;
END $$;
COMMENT ON FUNCTION share_acl._link_token(uuid) IS
    'internal: the token of a link under the newest unretired signing key';

-- ---------------------------------------------------------------------------
-- create_link
-- ---------------------------------------------------------------------------

-- The times of a link made or changed (create_link, update_link): an expiry
-- in the future ('infinity' or NULL: none) and after not_before, and a
-- not_before the link could open at; else 22023, the message led by fn.
CREATE FUNCTION share_acl._check_link_times(fn text, expires_at timestamptz, not_before timestamptz)
RETURNS void
LANGUAGE plpgsql STABLE AS $$
BEGIN
    IF expires_at <= greatest(pg_catalog.statement_timestamp(), pg_catalog.now()) THEN
        RAISE EXCEPTION '%: expires_at % is not in the future', fn, expires_at
            USING ERRCODE = 'invalid_parameter_value';
    END IF;
    -- (a link that could never open is a mistake, not a link)
    IF not_before = 'infinity'::timestamptz THEN
        RAISE EXCEPTION '%: not_before % is not a time the link could open at', fn, not_before
            USING ERRCODE = 'invalid_parameter_value';
    END IF;
    IF not_before >= expires_at THEN
        RAISE EXCEPTION '%: not_before % is not before expires_at %', fn, not_before, expires_at
            USING ERRCODE = 'invalid_parameter_value';
    END IF;
END $$;
COMMENT ON FUNCTION share_acl._check_link_times(text, timestamptz, timestamptz) IS
    'internal: ERROR 22023 unless expires_at is in the future and after not_before, and not_before is not infinity';

-- A link's password (NULL: none): 1 to 1024 bytes, else 22023 led by fn.
CREATE FUNCTION share_acl._check_link_password(fn text, password text) RETURNS void
LANGUAGE plpgsql IMMUTABLE AS $$
BEGIN
    IF password = '' OR octet_length(password) > 1024 THEN
        RAISE EXCEPTION '%: a link password has 1 to 1024 bytes', fn
            USING ERRCODE = 'invalid_parameter_value';
    END IF;
END $$;
COMMENT ON FUNCTION share_acl._check_link_password(text, text) IS
    'internal: ERROR 22023 unless the link password (NULL: none) has 1 to 1024 bytes';

-- Needs "share" on the resource.  The link grants perms masked by the
-- allow_* toggles (R6); it may grant only flags the creator holds on the
-- resource, and never share or above (42501).  Workspace policies apply at
-- creation only: allow_external_sharing = false refuses new links,
-- require_link_password refuses a link without a password (both 42501,
-- naming the policy), default_link_expiry sets expires_at when none is given.
-- Returns the token; it is not stored anywhere.
CREATE FUNCTION share_acl.create_link(resource uuid,
                                      perms share_acl.permset DEFAULT 'viewer',
                                      expires_at timestamptz DEFAULT NULL,
                                      password text DEFAULT NULL,
                                      allow_download boolean DEFAULT false,
                                      allow_comments boolean DEFAULT true,
                                      allow_approval boolean DEFAULT false,
                                      allow_contribution boolean DEFAULT false,
                                      label text DEFAULT NULL,
                                      not_before timestamptz DEFAULT NULL,
                                      max_views integer DEFAULT NULL)
RETURNS text
LANGUAGE plpgsql VOLATILE SECURITY DEFINER SET search_path = pg_catalog, pg_temp AS $$
DECLARE
    actor uuid := share_acl._actor(create_link.resource);
    r share_acl.resource;
    w share_acl.workspace;
    granted share_acl.permset;
    too_much share_acl.permset;
    expiry timestamptz := create_link.expires_at;
    lid uuid;
BEGIN
    PERFORM share_acl._warn_log_exposure(NULL, create_link.password);
    IF create_link.resource IS NULL OR create_link.perms IS NULL
       OR create_link.allow_download IS NULL OR create_link.allow_comments IS NULL
       OR create_link.allow_approval IS NULL OR create_link.allow_contribution IS NULL THEN
        RAISE EXCEPTION 'create_link: resource, perms and the allow_* options must not be null'
            USING ERRCODE = 'null_value_not_allowed';
    END IF;
    r := share_acl._get_resource(create_link.resource);
    PERFORM share_acl._require(actor, r.id, 'share', 'create_link');
    w := share_acl._get_policies(r.workspace_id);
    -- (asked again: the policies' lock may have waited for a change of rights)
    PERFORM share_acl._require(actor, r.id, 'share', 'create_link');
    IF NOT w.allow_external_sharing THEN
        PERFORM share_acl._deny(r.id,
            'permission denied: the workspace policy allow_external_sharing forbids new share links',
            NULL, 'Existing links keep working; new ones are refused while allow_external_sharing is false.');
    END IF;
    too_much := create_link.perms OPERATOR(share_acl.&) share_acl._link_never();
    IF too_much OPERATOR(share_acl.<>) ''::share_acl.permset THEN
        PERFORM share_acl._deny(r.id,
            pg_catalog.format('permission denied: a share link cannot grant "%s"', too_much),
            'A link never grants share or anything above it.', NULL);
    END IF;
    granted := share_acl._share_mask(create_link.perms, create_link.allow_download,
                                     create_link.allow_comments, create_link.allow_approval,
                                     create_link.allow_contribution);
    IF granted OPERATOR(share_acl.=) ''::share_acl.permset THEN
        RAISE EXCEPTION 'create_link: the link would grant nothing'
            USING ERRCODE = 'invalid_parameter_value',
                  DETAIL = format('perms "%s" with these allow_* options is the empty set', create_link.perms);
    END IF;
    PERFORM share_acl._no_escalation(actor, r.id, granted, 'create_link');
    IF create_link.password IS NULL AND w.require_link_password THEN
        PERFORM share_acl._deny(r.id,
            'permission denied: the workspace policy require_link_password requires a password for new share links');
    END IF;
    PERFORM share_acl._check_link_password('create_link', create_link.password);
    -- (the default counts from the time the checks below judge by, or from
    -- not_before when the link opens later: a link made late in a long
    -- transaction, or valid from next week, gets the policy's whole
    -- interval; its days and months are counted in UTC, so that the
    -- caller's TimeZone does not change how long a link lasts)
    IF expiry IS NULL AND w.default_link_expiry IS NOT NULL THEN
        expiry := share_acl._utc_plus(greatest(pg_catalog.statement_timestamp(), pg_catalog.now(),
                                               create_link.not_before),
                                      w.default_link_expiry);
    END IF;
    PERFORM share_acl._check_link_times('create_link', expiry, create_link.not_before);
    IF create_link.max_views <= 0 THEN
        RAISE EXCEPTION 'create_link: max_views must be positive'
            USING ERRCODE = 'invalid_parameter_value';
    END IF;
    PERFORM share_acl._check_name('create_link', 'label', create_link.label, false);
    INSERT INTO share_acl.link AS l (resource_id, perms, allow_download, allow_comments, allow_approval,
                                     allow_contribution, password_hash, expires_at, not_before,
                                     max_views, created_by, label)
    VALUES (r.id, create_link.perms, create_link.allow_download, create_link.allow_comments,
            create_link.allow_approval, create_link.allow_contribution,
            CASE WHEN create_link.password IS NOT NULL
                 THEN share_acl._password_hash(create_link.password) END,
            -- ('infinity': never, stored as none, as update_link stores it)
            nullif(expiry, 'infinity'::timestamptz), create_link.not_before, create_link.max_views, actor,
            create_link.label)
    RETURNING l.id INTO lid;
    RETURN share_acl._link_token(lid);
END $$;
COMMENT ON FUNCTION share_acl.create_link(uuid, share_acl.permset, timestamptz, text, boolean, boolean,
                                          boolean, boolean, text, timestamptz, integer) IS
    'create a signed share link on a resource (needs share on it; grants only what its creator holds, never share or above; link policies apply); returns the token';

-- ---------------------------------------------------------------------------
-- open_link
-- ---------------------------------------------------------------------------

-- One row: ok, status, and on ok the link, its resource and what it grants
-- there (toggles applied, share and above removed).  status: ok, invalid
-- (malformed, bad MAC, unknown or retired key, no such link), revoked,
-- expired (past expires_at, before not_before, max_views used up),
-- password_required, wrong_password, locked.  A refusal never raises (but on a
-- hot standby, see the top of this file).  The
-- order: token; revoked / expired; no password given for a password link:
-- password_required; 10 wrong passwords within 15 minutes: locked (the
-- password is not checked); wrong: wrong_password, and a failed attempt is
-- recorded whatever becomes of the caller's transaction; then ok.  On ok (on
-- the primary): a view counted into view_count and last_viewed_at (at once
-- for a link with max_views, otherwise when the transaction commits), a
-- link_view row with the viewer's e-mail when
-- the workspace tracks external views, a notification to the creator on the
-- first view (its viewer_email in the payload) (none of these for an open
-- by the link's creator, its principal set, while it holds every flag the
-- link gives: its own look at the link, no view); everywhere: the link
-- becomes the transaction's link context, so that has_access(resource,
-- perms) answers by R7 (united with the principal's own permissions when one
-- is set) until the transaction ends.  A refusal leaves the link context as
-- it was.  Every open, ok or refused, writes one audit row (on the primary)
-- with link_id, status and viewer_email only, never the token or password.  For a
-- hot standby, concurrency and locks, see the top of this file.  A malformed
-- viewer_email is an error (22023): it is the application's input, not the
-- link's.
-- In C (src/link_open.c): every viewer of a link calls it.  In order: the
-- token (strict parse, unretired key, constant-time MAC; a deleted link is
-- invalid too), the link's state (revoked, expired), the password (locked as
-- this transaction sees it: then not checked), the attempt of a link with a
-- password or max_views (recorded as described at the top of this file),
-- the viewer's link_view row (when the workspace tracks external views) and
-- the view counted at commit (a link without max_views), the link context;
-- then the audit row of every open, ok or refused (070_audit.sql): the link
-- (NULL for an invalid token), the viewer's e-mail and the status, committed
-- with the caller's transaction.  On a hot standby nothing is written.
CREATE FUNCTION share_acl.open_link(token text, password text DEFAULT NULL,
                                    viewer_email text DEFAULT NULL)
RETURNS TABLE (ok boolean, status text, link_id uuid, resource uuid, perms share_acl.permset)
    AS 'MODULE_PATHNAME', 'link_open'
    LANGUAGE C VOLATILE SECURITY DEFINER SET search_path = pg_catalog, pg_temp;
COMMENT ON FUNCTION share_acl.open_link(text, text, text) IS
    'validate a share link token (and password); on ok record the view and make the link the transaction''s link context; answers a refused link with a status (on a hot standby a link with a password or max_views raises 25006, but for password_required)';

-- The id of the link a token names (what revoke_link takes; create_link
-- returns the token only, SPEC section 5): when the token is well-formed and
-- its MAC verifies under its key, not retired (a token open_link takes for
-- 'invalid' because of its MAC or key names nothing; a revoked, expired or
-- deleted link's token names it: the link row is not read, so that
-- link_id(create_link(...)) names the link made in the same statement);
-- NULL otherwise.  Opens nothing, records nothing: whoever holds a token can
-- open the link and learn its id anyway.  Warns, as open_link does, when the
-- settings in effect would write the token to the server log.
CREATE FUNCTION share_acl.link_id(token text) RETURNS uuid
LANGUAGE plpgsql STABLE STRICT SECURITY DEFINER SET search_path = pg_catalog, pg_temp AS $$
BEGIN
    PERFORM share_acl._warn_log_exposure(link_id.token, NULL);
    RETURN (SELECT share_acl._token_verify(link_id.token, k.kid, k.secret)
              FROM share_acl.signing_key k
             WHERE k.kid = share_acl._token_kid(link_id.token) AND k.retired_at IS NULL);
END $$;
COMMENT ON FUNCTION share_acl.link_id(text) IS
    'the id of the share link a valid token names (for revoke_link), NULL for anything else; opens nothing';

-- ---------------------------------------------------------------------------
-- revoke_link, keys
-- ---------------------------------------------------------------------------

-- The link row a call that manages the link (revoke_link, update_link) is
-- given by id, read as it is or locked (FOR NO KEY UPDATE, then read as its
-- writer left it), or P0002; its caller is the link's creator, a trusted
-- administrator without a principal, or holds change_permissions on its
-- resource, else 42501.  The link's resource is named only to who may view
-- it: the link id alone must not tell anyone else where it points.
CREATE FUNCTION share_acl._get_managed_link(link uuid, actor uuid, locked boolean, fn text)
RETURNS share_acl.link
LANGUAGE plpgsql VOLATILE AS $$
DECLARE
    l share_acl.link;
BEGIN
    IF locked THEN
        SELECT * INTO l FROM share_acl.link x WHERE x.id = _get_managed_link.link FOR NO KEY UPDATE;
    ELSE
        SELECT * INTO l FROM share_acl.link x WHERE x.id = _get_managed_link.link;
    END IF;
    IF NOT FOUND THEN
        RAISE EXCEPTION 'link % does not exist', link USING ERRCODE = 'no_data_found';
    END IF;
    IF locked THEN
        -- (asked as the row's writer left it, and the caller's rights)
        PERFORM share_acl._see_committed();
    END IF;
    IF actor IS NOT NULL AND l.created_by IS DISTINCT FROM actor
       AND NOT coalesce(share_acl.has_access(actor, l.resource_id, 'change_permissions'), false) THEN
        PERFORM share_acl._deny(l.id,
            CASE WHEN share_acl._may_name(actor, l.resource_id)
                 THEN pg_catalog.format('permission denied: %s requires "change_permissions" on resource %s or being the creator of link %s', fn, l.resource_id, l.id)
                 ELSE pg_catalog.format('permission denied: %s requires "change_permissions" on the link''s resource or being the creator of link %s', fn, l.id)
            END);
    END IF;
    RETURN l;
END $$;
COMMENT ON FUNCTION share_acl._get_managed_link(uuid, uuid, boolean, text) IS
    'internal: the link row (locked FOR NO KEY UPDATE when asked), or P0002; 42501 unless the caller created the link or holds change_permissions on its resource';

-- Needs change_permissions on the link's resource, or being its creator.
-- Every later open is refused ('revoked') and every later check in any
-- transaction, also one that opened the link before, denies.  Revoking a
-- revoked link changes nothing (it keeps its first revoked_at).  The caller
-- is checked on the row as it is before the row is locked, and again once
-- it is: a refused caller, who may name any link by its id, never holds the
-- row that the link's opens write (SPEC section 5), not even while its refusal is
-- being audited.
CREATE FUNCTION share_acl.revoke_link(link uuid) RETURNS void
LANGUAGE plpgsql VOLATILE SECURITY DEFINER SET search_path = pg_catalog, pg_temp AS $$
DECLARE
    actor uuid := share_acl._actor(revoke_link.link);
    l share_acl.link;
BEGIN
    IF revoke_link.link IS NULL THEN
        RAISE EXCEPTION 'revoke_link: link must not be null' USING ERRCODE = 'null_value_not_allowed',
            HINT = 'share_acl.link_id(token) is null for a token that is not a valid one (altered, cut short, or signed by a retired key).';
    END IF;
    FOR locked IN 0 .. 1 LOOP
        l := share_acl._get_managed_link(revoke_link.link, actor, locked = 1, 'revoke_link');
    END LOOP;
    IF l.revoked_at IS NULL THEN
        -- (dated as expiries are judged: not before the link's creation by a
        -- transaction begun earlier)
        UPDATE share_acl.link x SET revoked_at = greatest(pg_catalog.statement_timestamp(), pg_catalog.now())
         WHERE x.id = l.id;
    END IF;
END $$;
COMMENT ON FUNCTION share_acl.revoke_link(uuid) IS
    'revoke a share link at once (needs change_permissions on its resource, or being its creator)';

-- Change a link in place, keeping its token: its expiry, its password, its
-- label.  Whoever may revoke it (its creator, or change_permissions on its
-- resource) may narrow it: an earlier expiry, a password on a link without
-- one, a label.  A change that lets more people open it, or for longer - a
-- later expiry or none ('infinity'), a password removed or replaced (a new
-- password is a new grant to whoever is told it) - is a new grant, asked as
-- create_link asks: share on the resource now, the link's permissions held
-- (no escalation), allow_external_sharing, and require_link_password for a
-- removal.  A new or removed password forgets the link's failed attempts
-- (its lockout).  A revoked link is 55000: revoking is final.
CREATE FUNCTION share_acl.update_link(link uuid, expires_at timestamptz DEFAULT NULL,
                                      password text DEFAULT NULL, remove_password boolean DEFAULT false,
                                      label text DEFAULT NULL)
RETURNS void
LANGUAGE plpgsql VOLATILE SECURITY DEFINER SET search_path = pg_catalog, pg_temp AS $$
DECLARE
    actor uuid := share_acl._actor(update_link.link);
    l share_acl.link;
    w share_acl.workspace;
    ws uuid;
    new_expiry timestamptz;
    widens boolean;
BEGIN
    PERFORM share_acl._warn_log_exposure(NULL, update_link.password);
    IF update_link.link IS NULL OR update_link.remove_password IS NULL THEN
        RAISE EXCEPTION 'update_link: link and remove_password must not be null'
            USING ERRCODE = 'null_value_not_allowed';
    END IF;
    IF update_link.password IS NOT NULL AND update_link.remove_password THEN
        RAISE EXCEPTION 'update_link: a new password and remove_password exclude each other'
            USING ERRCODE = 'invalid_parameter_value';
    END IF;
    IF update_link.expires_at IS NULL AND update_link.password IS NULL AND NOT update_link.remove_password
       AND update_link.label IS NULL THEN
        RAISE EXCEPTION 'update_link: nothing to change'
            USING ERRCODE = 'invalid_parameter_value',
                  HINT = 'Give expires_at (''infinity'': never), password, remove_password => true or label.';
    END IF;
    PERFORM share_acl._check_link_password('update_link', update_link.password);
    PERFORM share_acl._check_name('update_link', 'label', update_link.label, false);
    new_expiry := nullif(update_link.expires_at, 'infinity'::timestamptz);
    -- (on the link as it is, then once more on its locked row)
    FOR locked IN 0 .. 1 LOOP
        l := share_acl._get_managed_link(update_link.link, actor, locked = 1, 'update_link');
        IF l.revoked_at IS NOT NULL THEN
            RAISE EXCEPTION 'link % is revoked', l.id
                USING ERRCODE = 'object_not_in_prerequisite_state',
                      HINT = 'A revoked link stays revoked: create a new one.';
        END IF;
        IF update_link.expires_at IS NOT NULL THEN
            PERFORM share_acl._check_link_times('update_link', update_link.expires_at, l.not_before);
        END IF;
        widens := (update_link.expires_at IS NOT NULL AND l.expires_at IS NOT NULL
                   AND (new_expiry IS NULL OR new_expiry > l.expires_at))
               OR (l.password_hash IS NOT NULL AND (update_link.remove_password OR update_link.password IS NOT NULL));
        IF widens THEN
            -- (a new grant: what create_link asks, as the link's rights and the
            -- workspace's policies are now)
            SELECT r.workspace_id INTO ws FROM share_acl.resource r WHERE r.id = l.resource_id;
            PERFORM share_acl._require(actor, l.resource_id, 'share', 'update_link');
            w := share_acl._get_policies(ws);
            IF NOT w.allow_external_sharing THEN
                PERFORM share_acl._deny(l.resource_id,
                    'permission denied: the workspace policy allow_external_sharing forbids extending share links',
                    NULL, 'A later expiry, or a password removed or replaced, is a new grant; narrowing a link stays allowed.');
            END IF;
            PERFORM share_acl._no_escalation(actor, l.resource_id,
                share_acl._share_mask(l.perms, l.allow_download, l.allow_comments, l.allow_approval,
                                      l.allow_contribution), 'update_link');
            -- (a link left without a password: one removed, or a password-less
            -- link given a later expiry, which is as new a grant as a link)
            IF w.require_link_password AND update_link.password IS NULL
               AND (update_link.remove_password OR l.password_hash IS NULL) THEN
                PERFORM share_acl._deny(l.resource_id,
                    'permission denied: the workspace policy require_link_password requires a password for share links',
                    NULL, 'Give the link a password (password => ...) with its later expiry, or create a new link with one.');
            END IF;
        END IF;
    END LOOP;
    UPDATE share_acl.link x
       SET expires_at = CASE WHEN update_link.expires_at IS NOT NULL THEN new_expiry ELSE x.expires_at END,
           password_hash = CASE WHEN update_link.password IS NOT NULL THEN share_acl._password_hash(update_link.password)
                                WHEN update_link.remove_password THEN NULL
                                ELSE x.password_hash END,
           failed_attempts = CASE WHEN update_link.password IS NOT NULL OR update_link.remove_password
                                  THEN 0 ELSE x.failed_attempts END,
           label = coalesce(update_link.label, x.label)
     WHERE x.id = l.id;
    IF update_link.password IS NOT NULL OR update_link.remove_password THEN
        PERFORM share_acl._refuse_application_references('update_link');
        DELETE FROM share_acl.link_failed_attempt f WHERE f.link_id = l.id;
    END IF;
END $$;
COMMENT ON FUNCTION share_acl.update_link(uuid, timestamptz, text, boolean, text) IS
    'change a share link, keeping its token: expires_at (''infinity'': never), password, remove_password, label (NULL: unchanged); narrowing needs what revoke_link needs, a later expiry or a password removed or replaced what create_link needs';

CREATE FUNCTION share_acl.rotate_signing_key() RETURNS integer
LANGUAGE plpgsql VOLATILE SECURITY DEFINER SET search_path = pg_catalog, pg_temp
    SET share_acl.principal = '' AS $$
DECLARE
    k integer;
BEGIN
    PERFORM share_acl._require_admin('rotate_signing_key');     -- (keys are not a workspace matter)
    LOCK TABLE share_acl.signing_key IN SHARE ROW EXCLUSIVE MODE;
    INSERT INTO share_acl.signing_key AS s (kid, secret, made_in)
    SELECT coalesce(max(x.kid), 0) + 1, share_acl._random_bytes(32), share_acl._this_database()
      FROM share_acl.signing_key x
    RETURNING s.kid INTO k;
    RETURN k;
END $$;
COMMENT ON FUNCTION share_acl.rotate_signing_key() IS
    'add a new random share link signing key, used for every later link; older keys keep validating their tokens until retired (trusted administrators only); returns its kid';

CREATE FUNCTION share_acl.retire_signing_key(kid integer) RETURNS void
LANGUAGE plpgsql VOLATILE SECURITY DEFINER SET search_path = pg_catalog, pg_temp
    SET share_acl.principal = '' AS $$
DECLARE
    k share_acl.signing_key;
BEGIN
    PERFORM share_acl._require_admin('retire_signing_key');
    IF retire_signing_key.kid IS NULL THEN
        RAISE EXCEPTION 'retire_signing_key: kid must not be null' USING ERRCODE = 'null_value_not_allowed';
    END IF;
    LOCK TABLE share_acl.signing_key IN SHARE ROW EXCLUSIVE MODE;
    SELECT * INTO k FROM share_acl.signing_key s WHERE s.kid = retire_signing_key.kid;
    IF NOT FOUND THEN
        RAISE EXCEPTION 'signing key % does not exist', retire_signing_key.kid USING ERRCODE = 'no_data_found';
    END IF;
    IF k.retired_at IS NOT NULL THEN
        RETURN;
    END IF;
    IF NOT EXISTS (SELECT 1 FROM share_acl.signing_key s WHERE s.retired_at IS NULL AND s.kid <> k.kid) THEN
        RAISE EXCEPTION 'signing key % is the last active one', k.kid
            USING ERRCODE = 'object_not_in_prerequisite_state',
                  HINT = 'Call share_acl.rotate_signing_key() first.';
    END IF;
    UPDATE share_acl.signing_key s SET retired_at = now() WHERE s.kid = k.kid;
END $$;
COMMENT ON FUNCTION share_acl.retire_signing_key(integer) IS
    'retire a share link signing key: every token it signed is invalid from now on (trusted administrators only; not the last active key)';

-- ---------------------------------------------------------------------------
-- active_links, expiring_links
-- ---------------------------------------------------------------------------

-- Unrevoked links that have not expired and have views left (links whose
-- not_before is still ahead are listed: they are scheduled).  A principal
-- sees the links of resources where it has "share", and those it created; a
-- trusted administrator without a principal sees all.  has_password tells
-- whether the link asks for a password (the hash itself is not shown).
CREATE VIEW share_acl.active_links WITH (security_barrier) AS
SELECT l.id, l.resource_id, l.perms, l.allow_download, l.allow_comments, l.allow_approval,
       l.allow_contribution, l.expires_at, l.not_before, l.max_views, l.created_by, l.created_at,
       l.revoked_at, l.label, l.view_count, l.last_viewed_at,
       l.password_hash IS NOT NULL AS has_password
  FROM share_acl.link l
 WHERE l.revoked_at IS NULL
   AND (l.expires_at IS NULL OR l.expires_at > greatest(pg_catalog.statement_timestamp(), pg_catalog.now()))
   AND (l.max_views IS NULL OR l.view_count < l.max_views)
   AND (CASE WHEN share_acl.current_principal() IS NULL THEN share_acl.invoker_is_admin()
             ELSE share_acl.has_access(share_acl.current_principal(), l.resource_id, 'share')
                  OR (l.created_by = share_acl.current_principal()
                      AND share_acl.has_access(share_acl.current_principal(), l.resource_id, 'view'))
        END);
COMMENT ON VIEW share_acl.active_links IS
    'unrevoked, unexpired share links with views left, without password hashes or failure counters; a principal sees those of resources it may share, and those it created on resources it may still view';

CREATE FUNCTION share_acl.expiring_links(within interval) RETURNS SETOF share_acl.active_links
LANGUAGE plpgsql STABLE SECURITY DEFINER SET search_path = pg_catalog, pg_temp AS $$
DECLARE
    until timestamptz;
BEGIN
    IF expiring_links.within IS NULL THEN
        RAISE EXCEPTION 'expiring_links: within must not be null' USING ERRCODE = 'null_value_not_allowed';
    END IF;
    IF expiring_links.within < interval '0' THEN
        RAISE EXCEPTION 'expiring_links: within must not be negative' USING ERRCODE = 'invalid_parameter_value';
    END IF;
    -- (past the timestamp range: every expiry)
    BEGIN
        until := greatest(pg_catalog.statement_timestamp(), pg_catalog.now()) + expiring_links.within;
    EXCEPTION WHEN datetime_field_overflow THEN
        until := 'infinity';
    END;
    RETURN QUERY
        SELECT a.* FROM share_acl.active_links a
         WHERE a.expires_at <= until
         ORDER BY a.expires_at, a.id;
END $$;
COMMENT ON FUNCTION share_acl.expiring_links(interval) IS
    'the active links (as the active_links view shows them to the caller) that expire within the interval, soonest first';

-- ---------------------------------------------------------------------------
-- The first signing key (privileges: 090_privileges.sql)
-- ---------------------------------------------------------------------------

INSERT INTO share_acl.signing_key (kid, secret, made_in) VALUES (1, share_acl._random_bytes(32), share_acl._this_database());
