-- pgTAP: expiries are judged at the start of each statement (R5 "every
-- unexpired share", R7 "until the link ... expires (checked at every call)",
-- §5 status expired), not at the start of the transaction: a transaction
-- that outlives the expiry of a share, a link or a review's due time is
-- refused from its next statement on; a link context opened before the
-- link's expiry ends with it.  Within one statement every answer is judged
-- at one time.
--
-- pg_temp.id(name) names ids.
BEGIN;
SELECT plan(16);

CREATE TEMP TABLE ids (name text PRIMARY KEY, id uuid NOT NULL);
CREATE FUNCTION pg_temp.id(text) RETURNS uuid LANGUAGE sql STABLE
    AS $$ SELECT id FROM ids WHERE name = $1 $$;
CREATE TEMP TABLE tokens (name text PRIMARY KEY, token text NOT NULL);

-- alice owns ws; bob is a member; P is alice's project with an asset A.
-- Everything below expires 1.5 s after the transaction's start
INSERT INTO ids VALUES
    ('alice', share_acl.create_user('alice@t58.test')),
    ('bob',   share_acl.create_user('bob@t58.test')),
    ('carol', share_acl.create_user('carol@t58.test'));
INSERT INTO ids VALUES ('ws', share_acl.create_workspace('t58', pg_temp.id('alice')));
SELECT share_acl.add_member(pg_temp.id('ws'), pg_temp.id('bob'), 'member');
SELECT share_acl.add_member(pg_temp.id('ws'), pg_temp.id('carol'), 'member');
SELECT share_acl.set_principal(pg_temp.id('alice'));
INSERT INTO ids VALUES ('P', share_acl.create_resource(pg_temp.id('ws'), 'project'));
INSERT INTO ids VALUES ('A', share_acl.create_resource(pg_temp.id('ws'), 'asset', pg_temp.id('P')));
SELECT share_acl.share(pg_temp.id('P'), pg_temp.id('bob'), 'editor', expires_at => now() + interval '1.5 seconds');
INSERT INTO tokens VALUES
    ('soon', share_acl.create_link(pg_temp.id('P'), expires_at => now() + interval '1.5 seconds')),
    ('held', share_acl.create_link(pg_temp.id('P'), expires_at => now() + interval '1.5 seconds'));
INSERT INTO ids SELECT 'review', share_acl.request_review(pg_temp.id('P'), ARRAY[pg_temp.id('carol')],
                                                         due_at => now() + interval '1.5 seconds');
UPDATE share_acl.review SET close_at_due = true WHERE id = pg_temp.id('review');
UPDATE share_acl.review_reviewer SET expires_at = now() + interval '1.5 seconds'
 WHERE review_id = pg_temp.id('review');
SELECT share_acl.set_principal(NULL);

SELECT ok(share_acl.has_access(pg_temp.id('bob'), pg_temp.id('A'), 'edit'),
    'before the expiry: the share grants');
SELECT ok(share_acl.has_access(pg_temp.id('carol'), pg_temp.id('A'), 'comment'),
    'before the expiry: the review grants');
SELECT is((SELECT status FROM share_acl.open_link((SELECT token FROM tokens WHERE name = 'held'))), 'ok',
    'before the expiry: the link opens');
SELECT ok(share_acl.has_access(pg_temp.id('A'), 'view'),
    'before the expiry: its link context grants');

SELECT pg_sleep(greatest(0, extract(epoch FROM now() + interval '1.6 seconds' - clock_timestamp())::float8));

SELECT is(share_acl.has_access(pg_temp.id('bob'), pg_temp.id('A'), 'edit'), false,
    'after the expiry, in the same transaction: the share no longer grants');
SELECT is(share_acl.effective_permissions(pg_temp.id('bob'), pg_temp.id('A'))::text, '',
    'after the expiry: effective_permissions agrees');
SELECT is((SELECT count(*) FROM share_acl.accessible_resources(pg_temp.id('bob'), 'view')), 0::bigint,
    'after the expiry: accessible_resources agrees');
SELECT is(share_acl.has_access(pg_temp.id('carol'), pg_temp.id('A'), 'comment'), false,
    'after the review''s due time: its grant ends');
SELECT is((SELECT status FROM share_acl.open_link((SELECT token FROM tokens WHERE name = 'soon'))), 'expired',
    'after the expiry: open_link answers expired');
SELECT is(share_acl.has_access(pg_temp.id('A'), 'view'), false,
    'after the expiry: the link context opened before it grants nothing');
SELECT is((SELECT count(*) FROM share_acl.active_links WHERE expires_at IS NOT NULL), 0::bigint,
    'after the expiry: active_links lists neither link');
SELECT throws_ok($$SELECT share_acl.update_share(s.id, expires_at => now() + interval '1 second')
                     FROM share_acl.share s WHERE s.grantee_id = pg_temp.id('bob')$$,
    '22023', NULL, 'after the expiry: an expiry at the transaction''s start plus 1 s is not in the future');

-- the boundary, within one statement (a later statement is past any expiry
-- set in an earlier one): expires_at at the statement's time is expired, a
-- microsecond later is not
CREATE FUNCTION pg_temp.share_expiring_at(offset_ interval) RETURNS boolean LANGUAGE sql VOLATILE AS $$
    UPDATE share_acl.share SET expires_at = greatest(statement_timestamp(), now()) + offset_
     WHERE grantee_id = pg_temp.id('bob');
    SELECT share_acl.has_access(pg_temp.id('bob'), pg_temp.id('A'), 'edit');
$$;
CREATE FUNCTION pg_temp.link_expiring_at(offset_ interval) RETURNS text LANGUAGE sql VOLATILE AS $$
    UPDATE share_acl.link SET expires_at = greatest(statement_timestamp(), now()) + offset_
     WHERE id = share_acl.link_id((SELECT token FROM tokens WHERE name = 'soon'));
    SELECT status FROM share_acl.open_link((SELECT token FROM tokens WHERE name = 'soon'));
$$;
SELECT is(pg_temp.share_expiring_at(interval '0'), false,
    'boundary: a share with expires_at = the statement''s time is expired');
SELECT is(pg_temp.share_expiring_at(interval '1 microsecond'), true,
    'boundary: one microsecond later it counts');
SELECT is(pg_temp.link_expiring_at(interval '0'), 'expired',
    'boundary: a link with expires_at = the statement''s time is expired');
SELECT is(pg_temp.link_expiring_at(interval '1 microsecond'), 'ok',
    'boundary: one microsecond later it opens');

SELECT * FROM finish();
ROLLBACK;
