-- Notifications (SPEC section 8).  Tables in 026_notifications_model.sql.
--
-- Written for: a share received (share, share_with_email: the grantee, a
-- team's members), a link's first view (its creator), a review requested
-- (the reviewers), a review decided (its requester), a promotion requested
-- (the workspace's owner and admins) and decided (the requester), a link
-- about to expire (its creator, once: notify_expiring_links, run hourly by
-- pg_cron), and a mention (notify_mention, called by the application).
-- Rules: a team stands for its members (nested teams too); nobody is told
-- of their own action; nothing is written for a principal that muted the
-- resource or a resource above it (anc(), section 2).  Each row is also announced
-- with NOTIFY share_acl, '<notification id>' (the id only: a listener reads
-- the row, under row-level security), sent when the transaction commits.
--
-- Mail: nothing is sent from inside the database.  Per principal and kind
-- (notification_preference; no row: mail at once) a notification is mailed
-- at once (email = 'now': the email_outbox view, which the application's
-- mailer reads and then marks with mark_notifications_sent), in the daily
-- digest (email = 'digest': notification_digest), or not at all.  In-app
-- is always on.
--
-- Reading: a principal sees only its own notifications, preferences and
-- mutes (row-level security); a trusted administrator without a principal
-- sees all.

-- Tell the people among recipients (teams expanded) of an event about
-- resource (may be NULL) in workspace (taken from the resource when NULL);
-- returns how many notifications were written.  In C (src/notify.c): it
-- runs in every share, review and first view of a link.
CREATE FUNCTION share_acl._notify(recipients uuid[], kind text, resource uuid, payload jsonb,
                                  workspace uuid DEFAULT NULL)
RETURNS integer
    AS 'MODULE_PATHNAME', 'notify_people' LANGUAGE C VOLATILE;
COMMENT ON FUNCTION share_acl._notify(uuid[], text, uuid, jsonb, uuid) IS
    'internal: write a notification of an event to each person among the recipients (teams expanded), but the actor and those who muted the resource, and NOTIFY share_acl with its id';

-- The acting principal, which these functions need (a person's own inbox):
-- a user or an external person; no principal, an id that names none, or a
-- team (teams do not act, and receive nothing: their members do) is 42501.
CREATE FUNCTION share_acl._inbox_owner(action text, audited boolean DEFAULT true) RETURNS uuid
LANGUAGE plpgsql STABLE AS $$
DECLARE
    p uuid := share_acl.current_principal();
    message text := pg_catalog.format('permission denied: %s needs a principal (the person whose notifications they are)', action);
BEGIN
    IF p IS NOT NULL AND NOT EXISTS (SELECT 1 FROM share_acl.principal x
                                      WHERE x.id = p AND x.kind IN ('user', 'external')) THEN
        message := pg_catalog.format('permission denied: %s needs a person as the principal, and %s is not one (a team, or no principal)', action, p);
        p := NULL;
    END IF;
    -- (a read refused writes no audit row: SPEC section 7 asks them of
    -- management calls, and a client polling its inbox without a principal
    -- would fill the log)
    IF audited THEN
        -- a call that writes: in a read-only transaction 25006 first
        PERFORM share_acl._require_writable();
    END IF;
    IF p IS NULL AND audited THEN
        PERFORM share_acl._deny(NULL, message);
    ELSIF p IS NULL THEN
        RAISE EXCEPTION USING MESSAGE = message, ERRCODE = 'insufficient_privilege';
    END IF;
    RETURN p;
END $$;
COMMENT ON FUNCTION share_acl._inbox_owner(text, boolean) IS
    'internal: the current principal when it is a person, or 42501 (with its audit row when audited)';

-- Mute a resource and everything below it (needs view on it).
CREATE FUNCTION share_acl.mute(resource uuid) RETURNS void
LANGUAGE plpgsql VOLATILE SECURITY DEFINER SET search_path = pg_catalog, pg_temp AS $$
DECLARE
    p uuid := share_acl._inbox_owner('mute');
BEGIN
    IF resource IS NULL THEN
        RAISE EXCEPTION 'mute: resource must not be null' USING ERRCODE = 'null_value_not_allowed';
    END IF;
    PERFORM share_acl._get_resource(resource);
    PERFORM share_acl._require(p, resource, 'view', 'mute');
    INSERT INTO share_acl.notification_mute (principal_id, resource_id) VALUES (p, resource)
    ON CONFLICT DO NOTHING;
    -- (the insert may have waited for another transaction writing the same
    -- row, which may also have taken the principal's view: asked again as it
    -- left it)
    PERFORM share_acl._see_committed();
    PERFORM share_acl._require(p, resource, 'view', 'mute');
END $$;
COMMENT ON FUNCTION share_acl.mute(uuid) IS
    'stop notifications to the current principal about a resource and everything below it (needs view)';

CREATE FUNCTION share_acl.unmute(resource uuid) RETURNS void
LANGUAGE plpgsql VOLATILE SECURITY DEFINER SET search_path = pg_catalog, pg_temp AS $$
DECLARE
    p uuid := share_acl._inbox_owner('unmute');
BEGIN
    IF resource IS NULL THEN
        RAISE EXCEPTION 'unmute: resource must not be null' USING ERRCODE = 'null_value_not_allowed';
    END IF;
    PERFORM share_acl._refuse_application_references('unmute');
    -- (an unknown resource is P0002, as for mute; no right is asked: a
    -- principal that lost view may still lift its own mute)
    PERFORM share_acl._get_resource(resource);
    DELETE FROM share_acl.notification_mute m WHERE m.principal_id = p AND m.resource_id = unmute.resource;
END $$;
COMMENT ON FUNCTION share_acl.unmute(uuid) IS
    'notify the current principal about a muted resource again (a resource above it may still be muted)';

-- Mark the current principal's notifications read; returns how many were
-- unread (ids of other principals' notifications change nothing).
CREATE FUNCTION share_acl.mark_read(ids uuid[]) RETURNS integer
LANGUAGE plpgsql VOLATILE SECURITY DEFINER SET search_path = pg_catalog, pg_temp AS $$
DECLARE
    p uuid := share_acl._inbox_owner('mark_read');
    n integer;
BEGIN
    IF ids IS NULL THEN
        RAISE EXCEPTION 'mark_read: ids must not be null' USING ERRCODE = 'null_value_not_allowed';
    END IF;
    UPDATE share_acl.notification x SET read_at = now()
     WHERE x.id = ANY (mark_read.ids) AND x.recipient_id = p AND x.read_at IS NULL;
    GET DIAGNOSTICS n = ROW_COUNT;
    RETURN n;
END $$;
COMMENT ON FUNCTION share_acl.mark_read(uuid[]) IS
    'mark notifications of the current principal read; returns how many were unread';

CREATE FUNCTION share_acl.unread_count() RETURNS bigint
LANGUAGE plpgsql STABLE SECURITY DEFINER SET search_path = pg_catalog, pg_temp AS $$
DECLARE
    p uuid := share_acl._inbox_owner('unread_count', false);
BEGIN
    RETURN (SELECT count(*) FROM share_acl.notification x WHERE x.recipient_id = p AND x.read_at IS NULL);
END $$;
COMMENT ON FUNCTION share_acl.unread_count() IS 'the current principal''s unread notifications';

-- For the application's listener: NOTIFY share_acl carries a notification's
-- id only, and row-level security shows the row to its recipient alone, so
-- the listener asks whom to act as (then reads the row with that principal
-- set, and pushes it to that person's sessions).  NULL for an id no row has.
CREATE FUNCTION share_acl.notification_recipient(notification uuid) RETURNS uuid
LANGUAGE sql STABLE SECURITY DEFINER SET search_path = pg_catalog, pg_temp AS $$
    SELECT x.recipient_id FROM share_acl.notification x WHERE x.id = notification_recipient.notification
$$;
COMMENT ON FUNCTION share_acl.notification_recipient(uuid) IS
    'the recipient of a notification, for the listener of NOTIFY share_acl (which carries the id only); NULL for an unknown id';

-- The current principal's mail preference for a kind of notification.
CREATE FUNCTION share_acl.set_notification_preference(kind text, email boolean, digest boolean DEFAULT false)
RETURNS void
LANGUAGE plpgsql VOLATILE SECURITY DEFINER SET search_path = pg_catalog, pg_temp AS $$
DECLARE
    p uuid := share_acl._inbox_owner('set_notification_preference');
BEGIN
    IF kind IS NULL OR email IS NULL OR digest IS NULL THEN
        RAISE EXCEPTION 'set_notification_preference: kind, email and digest must not be null'
            USING ERRCODE = 'null_value_not_allowed';
    END IF;
    IF kind NOT IN ('share_received', 'link_first_view', 'review_requested', 'review_decided',
                    'review_cancelled', 'promotion_requested', 'promotion_decided', 'link_expiring', 'mention') THEN
        RAISE EXCEPTION 'unknown kind of notification: "%"', left(kind, 100)
            USING ERRCODE = 'invalid_parameter_value';
    END IF;
    IF digest AND NOT email THEN
        RAISE EXCEPTION 'set_notification_preference: a digest is mail, and email is false'
            USING ERRCODE = 'invalid_parameter_value',
                  DETAIL = 'email true, digest false: mail at once; email true, digest true: in the daily digest; email false: no mail.';
    END IF;
    INSERT INTO share_acl.notification_preference AS x (principal_id, kind, email, digest)
    VALUES (p, kind, email, digest)
    ON CONFLICT ON CONSTRAINT notification_preference_pkey
    DO UPDATE SET email = excluded.email, digest = excluded.digest;
END $$;
COMMENT ON FUNCTION share_acl.set_notification_preference(text, boolean, boolean) IS
    'the current principal''s mail preference for a kind of notification: email on or off, at once or in the daily digest (in-app is always on)';

-- What a digest mail to principal would hold: its notifications since
-- `since` that its preferences put in the digest, oldest first.  For the
-- principal itself, or a trusted administrator (the mailer).
CREATE FUNCTION share_acl.notification_digest(principal uuid, since timestamptz)
RETURNS SETOF share_acl.notification
LANGUAGE plpgsql STABLE SECURITY DEFINER SET search_path = pg_catalog, pg_temp AS $$
DECLARE
    p uuid := share_acl.current_principal();
BEGIN
    IF principal IS NULL OR since IS NULL THEN
        RAISE EXCEPTION 'notification_digest: principal and since must not be null'
            USING ERRCODE = 'null_value_not_allowed';
    END IF;
    IF p IS DISTINCT FROM principal AND NOT (p IS NULL AND share_acl.invoker_is_admin()) THEN
        PERFORM share_acl._deny(NULL,
            'permission denied: notification_digest is for the principal itself or a trusted administrator');
    END IF;
    RETURN QUERY
        SELECT x.* FROM share_acl.notification x
         WHERE x.recipient_id = notification_digest.principal AND x.email = 'digest'
           AND x.emailed_at IS NULL AND x.created_at >= notification_digest.since
         ORDER BY x.created_at, x.id;
END $$;
COMMENT ON FUNCTION share_acl.notification_digest(uuid, timestamptz) IS
    'the notifications of a principal since a time that its preferences put in the daily digest and that are not marked sent yet (mark_notifications_sent), oldest first (the principal itself, or a trusted administrator)';

-- The mails to send now, for the application's mailer (a trusted
-- administrator without a principal): each with its recipient's e-mail.
-- Read as the reader (security_invoker), so through the notification
-- table's policies: all rows to a trusted administrator without a
-- principal, as the mailer's functions ask; with a principal set, that
-- principal's own.
CREATE VIEW share_acl.email_outbox WITH (security_invoker = true) AS
SELECT x.id, x.recipient_id, p.email AS recipient_email, p.display_name AS recipient_name,
       x.workspace_id, x.kind, x.resource_id, x.payload, x.created_at
  FROM share_acl.notification x
  JOIN share_acl.principal p ON p.id = x.recipient_id
 WHERE x.email = 'now' AND x.emailed_at IS NULL AND p.email IS NOT NULL;
COMMENT ON VIEW share_acl.email_outbox IS
    'notifications to mail now, not sent yet, with the recipient''s e-mail (for the application''s mailer, a trusted administrator without a principal; mark them with mark_notifications_sent); with a principal set, only its own';

-- The prologue of what only a trusted administrator without a principal
-- does (the mailer, the hourly job): 25006 in a read-only transaction, then
-- 42501 with message (audited) for anyone else.
CREATE FUNCTION share_acl._require_admin_without_principal(message text) RETURNS void
LANGUAGE plpgsql VOLATILE AS $$
BEGIN
    PERFORM share_acl._require_writable();
    IF share_acl.current_principal() IS NOT NULL OR NOT share_acl.invoker_is_admin() THEN
        PERFORM share_acl._deny(NULL, message);
    END IF;
END $$;
COMMENT ON FUNCTION share_acl._require_admin_without_principal(text) IS
    'internal: 25006 in a read-only transaction; 42501 with the message (audited) unless a trusted administrator without a principal calls';

CREATE FUNCTION share_acl.mark_notifications_sent(ids uuid[]) RETURNS integer
LANGUAGE plpgsql VOLATILE SECURITY DEFINER SET search_path = pg_catalog, pg_temp AS $$
DECLARE
    n integer;
BEGIN
    PERFORM share_acl._require_admin_without_principal(
        'permission denied: mark_notifications_sent is for a trusted administrator (the mailer) without a principal');
    IF ids IS NULL THEN
        RAISE EXCEPTION 'mark_notifications_sent: ids must not be null' USING ERRCODE = 'null_value_not_allowed';
    END IF;
    UPDATE share_acl.notification x SET emailed_at = now()
     WHERE x.id = ANY (mark_notifications_sent.ids) AND x.email IS NOT NULL AND x.emailed_at IS NULL;
    GET DIAGNOSTICS n = ROW_COUNT;
    RETURN n;
END $$;
COMMENT ON FUNCTION share_acl.mark_notifications_sent(uuid[]) IS
    'the mailer marks notifications as mailed (they leave email_outbox); returns how many';

-- Mailers working side by side: each claims rows that no other transaction
-- holds (FOR UPDATE SKIP LOCKED), mails them, marks them with
-- mark_notifications_sent and commits.  A mailer that fails before its
-- commit releases what it claimed, and the next claim takes it again: a
-- mail is sent at least once, never by two mailers at the same time.  Rows
-- a concurrent mailer marked since are not returned (READ COMMITTED reads
-- each row's latest version; REPEATABLE READ fails with 40001 instead, before
-- anything is sent).  A claim needs a transaction block, not SERIALIZABLE
-- (src/mailer.c).
CREATE FUNCTION share_acl._mailer_claim_check(action text) RETURNS void
    AS 'MODULE_PATHNAME', 'mailer_claim_check' LANGUAGE C VOLATILE STRICT;
COMMENT ON FUNCTION share_acl._mailer_claim_check(text) IS
    'internal: 25P01 outside a transaction block, 25000 in a SERIALIZABLE transaction (a claim of the mail outbox)';
CREATE FUNCTION share_acl._claim_mailer(action text, max_count integer) RETURNS void
LANGUAGE plpgsql VOLATILE AS $$
BEGIN
    PERFORM share_acl._require_admin_without_principal(
        pg_catalog.format('permission denied: %s is for a trusted administrator (the mailer) without a principal', action));
    PERFORM share_acl._mailer_claim_check(action);
    IF max_count IS NULL THEN
        RAISE EXCEPTION '%: its limit must not be null', action USING ERRCODE = 'null_value_not_allowed';
    END IF;
    IF max_count < 1 THEN
        RAISE EXCEPTION '%: its limit must be at least 1, not %', action, max_count
            USING ERRCODE = 'invalid_parameter_value';
    END IF;
END $$;
COMMENT ON FUNCTION share_acl._claim_mailer(text, integer) IS
    'internal: refuse a claim of the mail outbox by anyone but a trusted administrator without a principal, outside a transaction block, in a SERIALIZABLE transaction, or with a limit below 1';

-- The oldest max_rows mails to send now that no other mailer holds, as
-- email_outbox shows them, held until the transaction ends.
CREATE FUNCTION share_acl.claim_email_outbox(max_rows integer DEFAULT 100)
RETURNS SETOF share_acl.email_outbox
LANGUAGE plpgsql VOLATILE SECURITY DEFINER SET search_path = pg_catalog, pg_temp AS $$
BEGIN
    PERFORM share_acl._claim_mailer('claim_email_outbox', max_rows);
    RETURN QUERY
        WITH claimed AS (
            SELECT x.id FROM share_acl.notification x
             WHERE x.email = 'now' AND x.emailed_at IS NULL
               AND EXISTS (SELECT 1 FROM share_acl.principal p
                            WHERE p.id = x.recipient_id AND p.email IS NOT NULL)
             ORDER BY x.created_at, x.id
             LIMIT claim_email_outbox.max_rows
               FOR UPDATE OF x SKIP LOCKED)
        SELECT o.* FROM share_acl.email_outbox o
         WHERE o.id IN (SELECT c.id FROM claimed c)
         ORDER BY o.created_at, o.id;
END $$;
COMMENT ON FUNCTION share_acl.claim_email_outbox(integer) IS
    'the mailer claims the oldest mails to send now that no other mailer holds (held until its transaction ends: mail them, mark them with mark_notifications_sent, commit); a trusted administrator without a principal, in a transaction block';

-- The daily digest: every digest row not mailed yet of up to max_recipients
-- recipients that no other mailer holds, as email_outbox shows rows, by
-- recipient and oldest first, held until the transaction ends.  A recipient
-- is claimed whole or not at all: its principal row first (FOR NO KEY
-- UPDATE SKIP LOCKED: a row lock, not an entry of the server's lock table
-- per recipient), then its rows (SKIP LOCKED); when another transaction
-- holds one of them or the principal row (the recipient's mark_read, a
-- deletion of the resource, an update of the principal), the recipient is
-- left for a later claim, and what this one locked of it stays unreturned
-- until the transaction ends.  Nothing waits for a row, so a claim never
-- deadlocks with those writers.  The recipients are walked in the digest
-- index's order, one index probe each, so a claim costs what it claims.  A
-- row written after the claim goes in the next digest.
CREATE FUNCTION share_acl.claim_digests(max_recipients integer DEFAULT 100)
RETURNS SETOF share_acl.email_outbox
LANGUAGE plpgsql VOLATILE SECURITY DEFINER SET search_path = pg_catalog, pg_temp AS $$
DECLARE
    recipient uuid;
    previous uuid;
    ids uuid[];
    n integer := 0;
BEGIN
    PERFORM share_acl._claim_mailer('claim_digests', max_recipients);
    LOOP
        IF previous IS NULL THEN
            SELECT x.recipient_id INTO recipient FROM share_acl.notification x
             WHERE x.email = 'digest' AND x.emailed_at IS NULL
             ORDER BY x.recipient_id LIMIT 1;
        ELSE
            SELECT x.recipient_id INTO recipient FROM share_acl.notification x
             WHERE x.email = 'digest' AND x.emailed_at IS NULL AND x.recipient_id > previous
             ORDER BY x.recipient_id LIMIT 1;
        END IF;
        EXIT WHEN recipient IS NULL;
        previous := recipient;
        PERFORM 1 FROM share_acl.principal p
         WHERE p.id = recipient AND p.email IS NOT NULL
           FOR NO KEY UPDATE OF p SKIP LOCKED;
        CONTINUE WHEN NOT FOUND;
        SELECT array_agg(x.id) INTO ids FROM (
            SELECT x.id FROM share_acl.notification x
             WHERE x.recipient_id = recipient AND x.email = 'digest' AND x.emailed_at IS NULL
               FOR UPDATE OF x SKIP LOCKED) x;
        CONTINUE WHEN ids IS NULL OR EXISTS (
            SELECT 1 FROM share_acl.notification x
             WHERE x.recipient_id = recipient AND x.email = 'digest' AND x.emailed_at IS NULL
               AND x.id <> ALL (ids));
        RETURN QUERY
            SELECT x.id, x.recipient_id, p.email, p.display_name, x.workspace_id, x.kind,
                   x.resource_id, x.payload, x.created_at
              FROM share_acl.notification x
              JOIN share_acl.principal p ON p.id = x.recipient_id
             WHERE x.id = ANY (ids)
             ORDER BY x.created_at, x.id;
        n := n + 1;
        EXIT WHEN n >= max_recipients;
    END LOOP;
END $$;
COMMENT ON FUNCTION share_acl.claim_digests(integer) IS
    'the mailer claims the daily digest: every digest notification not mailed yet of up to max_recipients recipients that no other transaction holds, by recipient, oldest first, each recipient whole (held until its transaction ends: mail one digest per recipient, mark them with mark_notifications_sent, commit); a trusted administrator without a principal, in a transaction block';

-- The application's hook for a mention in a comment: tells principal, if it
-- may view the resource (needs view on it from the caller).  true when a
-- notification was written.
CREATE FUNCTION share_acl.notify_mention(resource uuid, principal uuid) RETURNS boolean
LANGUAGE plpgsql VOLATILE SECURITY DEFINER SET search_path = pg_catalog, pg_temp AS $$
DECLARE
    actor uuid := share_acl._actor(notify_mention.resource);
    r share_acl.resource;
    g share_acl.principal;
    people uuid[];
BEGIN
    IF resource IS NULL OR principal IS NULL THEN
        RAISE EXCEPTION 'notify_mention: resource and principal must not be null'
            USING ERRCODE = 'null_value_not_allowed';
    END IF;
    r := share_acl._get_resource(resource);
    g := share_acl._get_principal(principal);
    PERFORM share_acl._require(actor, resource, 'view', 'notify_mention');
    -- a team is one workspace's (SPEC section 2): another workspace's team is
    -- refused, as share() and request_review() refuse it (its members would
    -- be told, and the answer would say whether one of them views the resource)
    IF g.kind = 'team' AND g.workspace_id IS DISTINCT FROM r.workspace_id THEN
        RAISE EXCEPTION 'team % belongs to another workspace than resource %', principal, resource
            USING ERRCODE = 'invalid_parameter_value';
    END IF;
    -- a team stands for its members (nested teams too): those who may view
    -- the resource are told
    SELECT pg_catalog.array_agg(m.id) INTO people
      FROM share_acl._persons_in(notify_mention.principal) AS m(id)
     WHERE coalesce(share_acl.has_access(m.id, resource, 'view'), false);
    IF people IS NULL THEN
        RETURN false;
    END IF;
    -- (true whether or not the principal muted the resource: a mute is the
    -- muter's own business, and the caller learns nothing of it)
    PERFORM share_acl._notify(people, 'mention', resource,
                              pg_catalog.jsonb_build_object('by', actor));
    RETURN true;
END $$;
COMMENT ON FUNCTION share_acl.notify_mention(uuid, uuid) IS
    'tell a principal it was mentioned on a resource, or each member of a team of the resource''s workspace (nested teams too) (the caller needs view; nothing is written for whoever cannot view it, or muted it); true when the principal, or a member of the team, may view the resource (whether or not it muted it), false when none may';

-- For pg_cron, every hour: "link about to expire" to each link's creator,
-- once per link, for the active links expiring within the interval.  A
-- trusted administrator without a principal.  Returns how many were written.
CREATE FUNCTION share_acl.notify_expiring_links(within interval DEFAULT '1 day') RETURNS integer
LANGUAGE plpgsql VOLATILE SECURITY DEFINER SET search_path = pg_catalog, pg_temp AS $$
DECLARE
    l record;
    n integer := 0;
    until timestamptz;
BEGIN
    PERFORM share_acl._require_admin_without_principal(
        'permission denied: notify_expiring_links is for a trusted administrator without a principal');
    IF within IS NULL THEN
        RAISE EXCEPTION 'notify_expiring_links: within must not be null'
            USING ERRCODE = 'null_value_not_allowed';
    END IF;
    IF within <= interval '0' THEN
        RAISE EXCEPTION 'notify_expiring_links: within must be a positive interval'
            USING ERRCODE = 'invalid_parameter_value';
    END IF;
    -- (past the timestamp range: every expiry, as expiring_links)
    BEGIN
        until := greatest(pg_catalog.statement_timestamp(), pg_catalog.now()) + within;
    EXCEPTION WHEN datetime_field_overflow THEN
        until := 'infinity';
    END;
    FOR l IN SELECT x.id, x.resource_id, x.created_by, x.expires_at FROM share_acl.link x
              WHERE x.revoked_at IS NULL AND x.created_by IS NOT NULL
                AND x.expires_at > greatest(pg_catalog.statement_timestamp(), pg_catalog.now())
                AND x.expires_at <= until
                AND (x.max_views IS NULL OR x.view_count < x.max_views)
              ORDER BY x.expires_at, x.id
    LOOP
        n := n + share_acl._notify(ARRAY[l.created_by], 'link_expiring', l.resource_id,
                                   pg_catalog.jsonb_build_object('link_id', l.id, 'expires_at', l.expires_at));
    END LOOP;
    RETURN n;
END $$;
COMMENT ON FUNCTION share_acl.notify_expiring_links(interval) IS
    'write "link about to expire" to the creator of each active link (unrevoked, with views left) expiring within the interval, once per link (run it hourly with pg_cron); returns how many were written';

-- Retention, for pg_cron (nightly): notifications created more than
-- older_than ago are deleted, read or not, mailed or not (the events they
-- told of stay in the audit trail).  A trusted administrator; returns how
-- many were deleted.  A link's "about to expire" notice deleted so may be
-- written again for it by a later notify_expiring_links.
CREATE FUNCTION share_acl.notification_retain(older_than interval) RETURNS bigint
LANGUAGE plpgsql VOLATILE SECURITY DEFINER SET search_path = pg_catalog, pg_temp
    SET share_acl.principal = '' AS $$
DECLARE
    cutoff timestamptz := share_acl._retention_cutoff(older_than, 'notification_retain');
    n bigint;
BEGIN
    DELETE FROM share_acl.notification x WHERE x.created_at < cutoff;
    GET DIAGNOSTICS n = ROW_COUNT;
    RETURN n;
END $$;
COMMENT ON FUNCTION share_acl.notification_retain(interval) IS
    'notification retention (trusted administrators, e.g. nightly with pg_cron): delete the notifications created more than older_than ago, read or not; returns how many';

-- Reading: one's own rows only; every row for a trusted administrator
-- without a principal, by a policy for share_acl_admin alone, so that a
-- query through another role's view (whose owner the policies are chosen
-- for) is never an administrator's.
ALTER TABLE share_acl.notification ENABLE ROW LEVEL SECURITY;
CREATE POLICY notification_own ON share_acl.notification FOR SELECT
    USING (recipient_id = share_acl.current_principal());
CREATE POLICY notification_own_admin ON share_acl.notification FOR SELECT TO share_acl_admin
    USING (share_acl.current_principal() IS NULL AND share_acl.invoker_is_admin());
ALTER TABLE share_acl.notification_preference ENABLE ROW LEVEL SECURITY;
CREATE POLICY notification_preference_own ON share_acl.notification_preference FOR SELECT
    USING (principal_id = share_acl.current_principal());
CREATE POLICY notification_preference_own_admin ON share_acl.notification_preference FOR SELECT TO share_acl_admin
    USING (share_acl.current_principal() IS NULL AND share_acl.invoker_is_admin());
ALTER TABLE share_acl.notification_mute ENABLE ROW LEVEL SECURITY;
CREATE POLICY notification_mute_own ON share_acl.notification_mute FOR SELECT
    USING (principal_id = share_acl.current_principal());
CREATE POLICY notification_mute_own_admin ON share_acl.notification_mute FOR SELECT TO share_acl_admin
    USING (share_acl.current_principal() IS NULL AND share_acl.invoker_is_admin());
