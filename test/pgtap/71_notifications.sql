-- pgTAP: notifications (SPEC §8): each kind written exactly once to the
-- right people (teams expanded, never the actor), not for a muted subtree;
-- preferences (mail at once, digest, off), the outbox, the mailer's claims
-- and marks; mark_read and unread_count; row-level security; the functions'
-- refusals; the audit rows of preference changes.
--
-- pg_temp.act(name) acts as a principal, pg_temp.id(name) names ids.
BEGIN;
SELECT plan(134);

CREATE TEMP TABLE ids (name text PRIMARY KEY, id uuid NOT NULL);
GRANT SELECT ON ids TO PUBLIC;
CREATE FUNCTION pg_temp.id(text) RETURNS uuid LANGUAGE sql STABLE
    AS $$ SELECT id FROM ids WHERE name = $1 $$;
CREATE FUNCTION pg_temp.act(text) RETURNS void LANGUAGE sql
    AS $$ SELECT share_acl.set_principal(pg_temp.id($1)) $$;
-- the notifications of a kind to a person (as an administrator sees them)
CREATE FUNCTION pg_temp.got(who text, kind text) RETURNS bigint LANGUAGE sql
    AS $$ SELECT count(*) FROM share_acl.notification n
           WHERE n.recipient_id = pg_temp.id(who) AND n.kind = got.kind $$;

-- alice owns ws; bob admin; carol and dave members (dave in team crew);
-- vic a viewer
INSERT INTO ids VALUES
    ('alice', share_acl.create_user('alice@t71.test')),
    ('bob',   share_acl.create_user('bob@t71.test')),
    ('carol', share_acl.create_user('carol@t71.test')),
    ('dave',  share_acl.create_user('dave@t71.test')),
    ('vic',   share_acl.create_user('vic@t71.test'));
INSERT INTO ids VALUES ('ws', share_acl.create_workspace('t71', pg_temp.id('alice')));
SELECT share_acl.add_member(pg_temp.id('ws'), pg_temp.id('bob'), 'admin');
SELECT share_acl.add_member(pg_temp.id('ws'), pg_temp.id('carol'), 'member');
SELECT share_acl.add_member(pg_temp.id('ws'), pg_temp.id('dave'), 'member');
SELECT share_acl.add_member(pg_temp.id('ws'), pg_temp.id('vic'), 'viewer');
INSERT INTO ids VALUES ('crew', share_acl.create_team(pg_temp.id('ws'), 'Crew'));
SELECT share_acl.add_team_member(pg_temp.id('crew'), pg_temp.id('dave'));
SELECT pg_temp.act('alice');
INSERT INTO ids VALUES ('P', share_acl.create_resource(pg_temp.id('ws'), 'project'));
INSERT INTO ids VALUES ('A', share_acl.create_resource(pg_temp.id('ws'), 'asset', pg_temp.id('P')));
INSERT INTO ids VALUES ('Q', share_acl.create_resource(pg_temp.id('ws'), 'project'));
INSERT INTO ids VALUES ('B', share_acl.create_resource(pg_temp.id('ws'), 'asset', pg_temp.id('Q')));

-- ----------------------------------------------------------- share received
SELECT share_acl.share(pg_temp.id('P'), pg_temp.id('carol'), 'editor');
SELECT is(pg_temp.got('carol', 'share_received'), 1::bigint, 'share received: the grantee is told once');
SELECT is((SELECT payload->>'by' FROM share_acl.notification WHERE recipient_id = pg_temp.id('carol')),
    pg_temp.id('alice')::text, 'share received: the payload names who shared');
SELECT is((SELECT resource_id FROM share_acl.notification WHERE recipient_id = pg_temp.id('carol')),
    pg_temp.id('P'), 'share received: about the resource');
SELECT is((SELECT workspace_id FROM share_acl.notification WHERE recipient_id = pg_temp.id('carol')),
    pg_temp.id('ws'), 'share received: in its workspace');
SELECT is(pg_temp.got('alice', 'share_received'), 0::bigint, 'share received: the actor is not told');
SELECT share_acl.share(pg_temp.id('Q'), pg_temp.id('crew'), 'viewer');
SELECT is(pg_temp.got('dave', 'share_received'), 1::bigint, 'share received by a team: its members are told');
SELECT is((SELECT count(*) FROM share_acl.notification WHERE recipient_id = pg_temp.id('crew')), 0::bigint,
    'share received by a team: nothing for the team itself');
SELECT share_acl.share_with_email(pg_temp.id('Q'), 'newcomer@t71.test', 'viewer');
SELECT is((SELECT count(*) FROM share_acl.notification n JOIN share_acl.principal p ON p.id = n.recipient_id
            WHERE p.email = 'newcomer@t71.test' AND n.kind = 'share_received'), 1::bigint,
    'share_with_email: the new external principal is told');
-- the payload exactly: the share, who made it, what it grants, its expiry
INSERT INTO ids VALUES ('C', share_acl.create_resource(pg_temp.id('ws'), 'asset', pg_temp.id('Q')));
SELECT share_acl.share(pg_temp.id('C'), pg_temp.id('vic'), 'viewer', expires_at => now() + interval '3 days',
                       allow_download => false) AS vic_share \gset
SELECT is((SELECT n.payload FROM share_acl.notification n
            WHERE n.recipient_id = pg_temp.id('vic') AND n.kind = 'share_received'),
    (SELECT jsonb_build_object('share_id', s.id, 'by', s.granted_by, 'perms',
                               share_acl._share_mask(s.perms, false, true, true, true)::text,
                               'expires_at', s.expires_at)
       FROM share_acl.share s WHERE s.id = :'vic_share'),
    'share received: the payload is the share, who made it, what it grants and its expiry');
RESET share_acl.principal;
SELECT share_acl.share(pg_temp.id('C'), pg_temp.id('bob'), 'commenter') AS bob_share \gset
SELECT is((SELECT n.payload FROM share_acl.notification n
            WHERE n.recipient_id = pg_temp.id('bob') AND n.kind = 'share_received'),
    jsonb_build_object('share_id', :'bob_share'::uuid, 'by', NULL, 'perms', 'commenter'::share_acl.permset::text,
                       'expires_at', NULL),
    'share received from a trusted administrator: "by" and "expires_at" are null');
SELECT pg_temp.act('alice');

-- --------------------------------------------------------------------- mute
SELECT pg_temp.act('carol');
SELECT lives_ok($$SELECT share_acl.mute(pg_temp.id('P'))$$, 'mute: carol mutes the project');
SELECT lives_ok($$SELECT share_acl.mute(pg_temp.id('P'))$$, 'mute: twice is the same');
SELECT throws_ok($$SELECT share_acl.mute(pg_temp.id('B'))$$, '42501', NULL,
    'mute: refused on a resource carol cannot view');
SELECT throws_ok($$SELECT share_acl.mute(NULL)$$, '22004', NULL, 'mute: NULL');
SELECT pg_temp.act('alice');
SELECT share_acl.share(pg_temp.id('A'), pg_temp.id('carol'), 'full');
SELECT is(pg_temp.got('carol', 'share_received'), 1::bigint,
    'muted: a share of something below the muted project writes nothing');
SELECT is(share_acl.notify_mention(pg_temp.id('A'), pg_temp.id('carol')), true,
    'muted: a mention below it answers as unmuted (the caller learns nothing of the mute)');
SELECT is(pg_temp.got('carol', 'mention'), 0::bigint, 'muted: and writes nothing');
-- a mute is no access: a restricted resource below the muted project is muted too
INSERT INTO ids VALUES ('R', share_acl.create_resource(pg_temp.id('ws'), 'asset', pg_temp.id('P')));
SELECT share_acl.set_restricted(pg_temp.id('R'), true);
SELECT share_acl.share(pg_temp.id('R'), pg_temp.id('carol'), 'commenter');
SELECT is(pg_temp.got('carol', 'share_received'), 1::bigint,
    'muted: a share of a restricted resource below the muted project writes nothing either');
SELECT pg_temp.act('carol');
SELECT lives_ok($$SELECT share_acl.unmute(pg_temp.id('P'))$$, 'unmute');
SELECT pg_temp.act('alice');
SELECT is(share_acl.notify_mention(pg_temp.id('A'), pg_temp.id('carol')), true, 'unmuted: a mention is written');
SELECT is(pg_temp.got('carol', 'mention'), 1::bigint, 'mention: once');
SELECT is(share_acl.notify_mention(pg_temp.id('B'), pg_temp.id('vic')), false,
    'mention: nothing for someone who cannot view the resource');
SELECT pg_temp.act('vic');
SELECT throws_ok($$SELECT share_acl.notify_mention(pg_temp.id('B'), pg_temp.id('carol'))$$, '42501', NULL,
    'mention: the caller needs view on the resource');
-- a team's mention: each member who may view the resource is told, nested
-- teams too (mia, in team inner, which views Q and is in team outer; vic,
-- in outer, views nothing there)
SELECT pg_temp.act('alice');
INSERT INTO ids VALUES ('mia', share_acl.create_user('mia@t71.test'));
SELECT share_acl.add_member(pg_temp.id('ws'), pg_temp.id('mia'), 'member');
INSERT INTO ids VALUES ('inner', share_acl.create_team(pg_temp.id('ws'), 'Inner')),
                       ('outer', share_acl.create_team(pg_temp.id('ws'), 'Outer')),
                       ('vteam', share_acl.create_team(pg_temp.id('ws'), 'Viewers'));
SELECT share_acl.add_team_member(pg_temp.id('inner'), pg_temp.id('mia'));
SELECT share_acl.add_team_member(pg_temp.id('outer'), pg_temp.id('inner'));
SELECT share_acl.add_team_member(pg_temp.id('outer'), pg_temp.id('vic'));
SELECT share_acl.add_team_member(pg_temp.id('vteam'), pg_temp.id('vic'));
SELECT share_acl.share(pg_temp.id('Q'), pg_temp.id('inner'), 'viewer');
SELECT is(share_acl.notify_mention(pg_temp.id('B'), pg_temp.id('outer')), true,
    'mention of a team: true when a member may view the resource');
SELECT is(pg_temp.got('mia', 'mention'), 1::bigint,
    'mention of a team: a member of its nested team who views the resource is told');
SELECT is(pg_temp.got('vic', 'mention'), 0::bigint, 'mention of a team: not a member who cannot view it');
SELECT is((SELECT count(*) FROM share_acl.notification
            WHERE recipient_id IN (pg_temp.id('outer'), pg_temp.id('inner'))), 0::bigint,
    'mention of a team: nothing for the teams themselves');
SELECT is(share_acl.notify_mention(pg_temp.id('B'), pg_temp.id('vteam')), false,
    'mention of a team none of whose members may view the resource: false');
-- a team of another workspace (dave, in it, views B through crew) is
-- refused, as share() refuses it: nobody is told, and the answer says
-- nothing of who is in it
INSERT INTO ids VALUES ('ws2', share_acl.create_workspace('t71 other', pg_temp.id('alice')));
INSERT INTO ids VALUES ('far', share_acl.create_team(pg_temp.id('ws2'), 'Far'));
SELECT share_acl.add_member(pg_temp.id('ws2'), pg_temp.id('dave'), 'member');
SELECT share_acl.add_team_member(pg_temp.id('far'), pg_temp.id('dave'));
SELECT throws_ok($$SELECT share_acl.notify_mention(pg_temp.id('B'), pg_temp.id('far'))$$, '22023',
    format('team %s belongs to another workspace than resource %s', pg_temp.id('far'), pg_temp.id('B')),
    'mention of a team of another workspace: refused (22023), as share() refuses it');
SELECT is(pg_temp.got('dave', 'mention'), 0::bigint,
    'mention of a team of another workspace: its members are not told');

-- ------------------------------------------------------------------ reviews
SELECT pg_temp.act('alice');
INSERT INTO ids VALUES ('r', share_acl.request_review(pg_temp.id('B'), ARRAY[pg_temp.id('crew'), pg_temp.id('bob')]));
SELECT is(pg_temp.got('dave', 'review_requested'), 1::bigint, 'review requested: a reviewing team''s member is told');
SELECT is(pg_temp.got('bob', 'review_requested'), 1::bigint, 'review requested: a reviewer is told');
SELECT pg_temp.act('bob');
SELECT share_acl.submit_review(pg_temp.id('r'), 'needs_changes', 'louder');
SELECT is(pg_temp.got('alice', 'review_decided'), 1::bigint, 'review decided: the requester is told');
SELECT is((SELECT payload->>'decision' FROM share_acl.notification
            WHERE recipient_id = pg_temp.id('alice') AND kind = 'review_decided'),
    'needs_changes', 'review decided: with the decision');

-- --------------------------------------------------------------- promotions
SELECT pg_temp.act('vic');
INSERT INTO ids VALUES ('pr', share_acl.request_promotion(pg_temp.id('ws'), 'member'));
SELECT is(pg_temp.got('alice', 'promotion_requested') + pg_temp.got('bob', 'promotion_requested'), 2::bigint,
    'promotion requested: the owner and the admins are told');
SELECT is(pg_temp.got('carol', 'promotion_requested'), 0::bigint, 'promotion requested: not the members');
SELECT pg_temp.act('bob');
SELECT share_acl.decide_promotion(pg_temp.id('pr'), true);
SELECT is(pg_temp.got('vic', 'promotion_decided'), 1::bigint, 'promotion decided: the requester is told');

-- ----------------------------------------------- preferences, outbox, digest
SELECT pg_temp.act('carol');
SELECT lives_ok($$SELECT share_acl.set_notification_preference('mention', false)$$,
    'preference: carol turns mail off for mentions');
SELECT lives_ok($$SELECT share_acl.set_notification_preference('share_received', true, digest => true)$$,
    'preference: and puts shares in the digest');
SELECT throws_ok($$SELECT share_acl.set_notification_preference('gossip', true)$$, '22023', NULL,
    'preference: an unknown kind');
SELECT throws_ok($$SELECT share_acl.set_notification_preference('mention', false, digest => true)$$, '22023',
    'set_notification_preference: a digest is mail, and email is false',
    'preference: a digest without mail is refused, not taken as no mail');
SELECT is((SELECT email FROM share_acl.notification_preference
            WHERE principal_id = pg_temp.id('carol') AND kind = 'mention'), false,
    'preference: the refused call left mail for mentions off');
SELECT pg_temp.act('alice');
SELECT share_acl.notify_mention(pg_temp.id('A'), pg_temp.id('carol'));
SELECT share_acl.share(pg_temp.id('Q'), pg_temp.id('carol'), 'viewer');
RESET share_acl.principal;
SELECT is((SELECT array_agg(coalesce(email, 'in-app') ORDER BY coalesce(email, 'in-app'))
             FROM share_acl.notification WHERE recipient_id = pg_temp.id('carol') AND kind = 'mention'),
    '{in-app,now}'::text[], 'mail off: the mention after the preference is in-app only');
SELECT is((SELECT count(*) FROM share_acl.notification_digest(pg_temp.id('carol'), now() - interval '1 hour')),
    1::bigint, 'digest: holds the share put there');
SELECT is(share_acl.mark_notifications_sent(ARRAY(SELECT d.id FROM share_acl.notification_digest(pg_temp.id('carol'), now() - interval '1 hour') d)),
    1, 'digest: the mailer marks what it mailed');
SELECT is((SELECT count(*) FROM share_acl.notification_digest(pg_temp.id('carol'), now() - interval '1 hour')),
    0::bigint, 'digest: a row marked sent is not mailed again');
SELECT is((SELECT count(*) FROM share_acl.email_outbox o WHERE o.recipient_id = pg_temp.id('carol')
             AND o.kind IN ('mention', 'share_received')), 2::bigint,
    'outbox: the mention and the share from before the preferences, not those after');
SELECT ok(EXISTS (SELECT 1 FROM share_acl.email_outbox o WHERE o.recipient_id = pg_temp.id('dave')
                   AND o.recipient_email = 'dave@t71.test'),
    'outbox: a mail at once, with the recipient''s e-mail');
SELECT is(share_acl.mark_notifications_sent(ARRAY(SELECT o.id FROM share_acl.email_outbox o
                                                   WHERE o.recipient_id = pg_temp.id('dave'))), 2,
    'mark_notifications_sent: the mailer marks them');
SELECT ok(NOT EXISTS (SELECT 1 FROM share_acl.email_outbox o WHERE o.recipient_id = pg_temp.id('dave')),
    'outbox: marked mails leave it');
-- mailers side by side claim what no other holds (isolation mailer_claims);
-- in one transaction, its own claims are its own
SELECT is((SELECT count(*) FROM share_acl.claim_email_outbox(1)), 1::bigint,
    'claim_email_outbox: at most max_rows');
SELECT is((SELECT array_agg(c.id) FROM share_acl.claim_email_outbox() c),
          (SELECT array_agg(o.id ORDER BY o.created_at, o.id) FROM share_acl.email_outbox o),
    'claim_email_outbox: the outbox, oldest first, what this transaction holds already too');
SELECT is((SELECT c FROM share_acl.claim_email_outbox(1) c),
          (SELECT o FROM share_acl.email_outbox o ORDER BY o.created_at, o.id LIMIT 1),
    'claim_email_outbox: rows as email_outbox shows them');
SELECT pg_temp.act('alice');
SELECT share_acl.share(pg_temp.id('A'), pg_temp.id('carol'), 'viewer');
RESET share_acl.principal;
SELECT is((SELECT array_agg(c.recipient_email || ' ' || c.kind) FROM share_acl.claim_digests() c),
    '{"carol@t71.test share_received"}'::text[], 'claim_digests: the digest rows not mailed yet, with the e-mail');
SELECT is(share_acl.mark_notifications_sent(ARRAY(SELECT c.id FROM share_acl.claim_digests() c)), 1,
    'claim_digests: the mailer marks what it mailed');
SELECT is((SELECT count(*) FROM share_acl.claim_digests()), 0::bigint, 'claim_digests: nothing is mailed twice');
SELECT throws_ok($$SELECT * FROM share_acl.claim_email_outbox(0)$$, '22023', NULL,
    'claim_email_outbox: a limit below 1');
SELECT throws_ok($$SELECT * FROM share_acl.claim_digests(NULL)$$, '22004', NULL,
    'claim_digests: a null limit');
SELECT pg_temp.act('carol');
SELECT throws_ok($$SELECT share_acl.mark_notifications_sent('{}')$$, '42501', NULL,
    'mark_notifications_sent: refused to a principal');
SELECT throws_ok($$SELECT * FROM share_acl.claim_email_outbox()$$, '42501', NULL,
    'claim_email_outbox: refused to a principal');
SET LOCAL ROLE share_acl_admin;
SELECT is((SELECT count(*) FROM share_acl.email_outbox o WHERE o.recipient_id <> pg_temp.id('carol')), 0::bigint,
    'outbox: an administrator''s session with a principal set reads only that principal''s mails, as the notification table');
RESET share_acl.principal;
SELECT ok((SELECT count(*) FROM share_acl.email_outbox o WHERE o.recipient_id <> pg_temp.id('carol')) > 0,
    'outbox: without a principal, every recipient''s');
RESET ROLE;
SELECT pg_temp.act('carol');
SELECT throws_ok($$SELECT * FROM share_acl.claim_digests()$$, '42501', NULL,
    'claim_digests: refused to a principal');
SELECT throws_ok($$SELECT * FROM share_acl.notification_digest(pg_temp.id('dave'), now())$$, '42501', NULL,
    'digest: refused for someone else''s notifications');

-- ------------------------------------------------------ read, unread, RLS
SELECT pg_temp.act('dave');
SELECT is(share_acl.unread_count(), 2::bigint, 'unread_count: dave''s two');
SELECT is(share_acl.mark_read(ARRAY(SELECT id FROM share_acl.notification WHERE kind = 'share_received')), 1,
    'mark_read: marks one');
SELECT is(share_acl.unread_count(), 1::bigint, 'unread_count: one left');
SELECT is(share_acl.mark_read(ARRAY(SELECT id FROM share_acl.notification n WHERE n.recipient_id = pg_temp.id('carol'))), 0,
    'mark_read: ids of another principal''s notifications change nothing');
RESET share_acl.principal;
SET LOCAL ROLE share_acl_user;
SELECT pg_temp.act('dave');
SELECT is((SELECT count(*) FROM share_acl.notification WHERE recipient_id <> pg_temp.id('dave')), 0::bigint,
    'RLS: a principal reads only its own notifications');
SELECT is((SELECT count(*) FROM share_acl.notification), 2::bigint, 'RLS: all of its own');
RESET share_acl.principal;
SELECT throws_ok($$SELECT share_acl.unread_count()$$, '42501',
    'permission denied: unread_count needs a principal (the person whose notifications they are)',
    'unread_count: needs a principal');
SELECT throws_ok($$SELECT share_acl.mark_read('{}')$$, '42501', NULL, 'mark_read: needs a principal');
SELECT throws_ok($$SELECT share_acl.unmute(pg_temp.id('P'))$$, '42501', NULL, 'unmute: needs a principal');
SELECT throws_ok($$SELECT share_acl.set_notification_preference('mention', true)$$, '42501', NULL,
    'set_notification_preference: needs a principal');
-- a principal that names nobody, or a team (teams do not act), has no inbox
SELECT share_acl.set_principal('0000aaaa-0000-0000-0000-000000000071');
SELECT throws_ok($$SELECT share_acl.set_notification_preference('mention', true)$$, '42501', NULL,
    'set_notification_preference: a principal that names nobody has no inbox (not a foreign-key error)');
SELECT throws_ok($$SELECT share_acl.unread_count()$$, '42501', NULL,
    'unread_count: a principal that names nobody has no inbox');
SELECT pg_temp.act('crew');
SELECT throws_ok($$SELECT share_acl.set_notification_preference('mention', true)$$, '42501',
    format('permission denied: set_notification_preference needs a person as the principal, and %s is not one (a team, or no principal)', pg_temp.id('crew')),
    'set_notification_preference: a team has no inbox');
SELECT throws_ok($$SELECT share_acl.mute(pg_temp.id('P'))$$, '42501', NULL, 'mute: a team has no inbox');
SELECT pg_temp.act('dave');
SELECT throws_ok($$SELECT share_acl.mark_read(NULL)$$, '22004', NULL, 'mark_read: NULL');
SELECT throws_ok($$SELECT share_acl.unmute(NULL)$$, '22004', NULL, 'unmute: NULL');
SELECT throws_ok($$SELECT share_acl.unmute(gen_random_uuid())$$, 'P0002', NULL,
    'unmute: an unknown resource is P0002, as for mute');
SELECT lives_ok($$SELECT share_acl.unmute(pg_temp.id('B'))$$, 'unmute: a resource not muted, nothing to do');
RESET share_acl.principal;
RESET ROLE;

-- ------------------------------------------------------------ expiring links
SELECT pg_temp.act('alice');
SELECT length(share_acl.create_link(pg_temp.id('A'), expires_at => now() + interval '2 hours')) > 0;
SELECT length(share_acl.create_link(pg_temp.id('A'), expires_at => now() + interval '3 days')) > 0;
-- a link whose only view is spent opens no more: nothing to warn about
SELECT share_acl.create_link(pg_temp.id('A'), expires_at => now() + interval '4 hours', max_views => 1) AS spent \gset
INSERT INTO ids SELECT 'l1', id FROM share_acl.link
 WHERE resource_id = pg_temp.id('A') AND expires_at < now() + interval '1 day' AND max_views IS NULL;
SELECT throws_ok($$SELECT share_acl.notify_expiring_links('1 day')$$, '42501', NULL,
    'notify_expiring_links: refused to a principal');
RESET share_acl.principal;
SELECT is((SELECT status FROM share_acl.open_link(:'spent')), 'ok', 'notify_expiring_links: a one-view link, opened');
-- (its first-view notice is not what the first-view tests below look at)
DELETE FROM share_acl.notification WHERE kind = 'link_first_view';
SELECT throws_ok($$SELECT share_acl.notify_expiring_links(NULL)$$, '22004', NULL, 'notify_expiring_links: NULL');
SELECT is(share_acl.notify_expiring_links('1 day'), 1,
    'notify_expiring_links: the link expiring within a day (not the one whose views are spent)');
SELECT is(share_acl.notify_expiring_links('1 day'), 0, 'notify_expiring_links: once per link');
SELECT is((SELECT payload->>'link_id' FROM share_acl.notification WHERE kind = 'link_expiring'),
    pg_temp.id('l1')::text, 'notify_expiring_links: to its creator, naming the link');
SELECT ok(share_acl.notify_expiring_links('1000000 years') >= 1,
    'notify_expiring_links: a span past the timestamp range reaches every later expiry (the 3-day link), no 22008');

-- ------------------------------------------------------------ first view
-- a link with max_views made in this transaction counts its views at once;
-- its creator's own look at it (its principal set) is no view
SELECT pg_temp.act('alice');
SELECT share_acl.create_link(pg_temp.id('A'), max_views => 5) AS token \gset
SELECT is((SELECT status FROM share_acl.open_link(:'token')), 'ok',
    'first view: the link''s creator opens it first, its principal set');
SELECT is((SELECT view_count FROM share_acl.link WHERE resource_id = pg_temp.id('A') AND max_views = 5), 0::bigint,
    'first view: the creator''s own look is no view (not counted, no view of max_views claimed)');
SELECT is((SELECT count(*) FROM share_acl.notification WHERE kind = 'link_first_view'), 0::bigint,
    'first view: nor is it the first view, which is still to come');
SELECT share_acl.create_link(pg_temp.id('A'), max_views => 1, password => 'Pass-71-own') AS ptoken \gset
SELECT is((SELECT status FROM share_acl.open_link(:'ptoken', 'Pass-71-own')), 'ok',
    'a link with a password and one view, opened by its creator (its attempt decided by _link_record_attempt)');
SELECT is((SELECT view_count FROM share_acl.link WHERE resource_id = pg_temp.id('A') AND password_hash IS NOT NULL),
    0::bigint, 'its one view is not claimed by its creator''s look');
-- a creator that no longer holds what its link gives opens it as anyone does
SELECT pg_temp.act('dave');
SELECT share_acl.create_link(pg_temp.id('B'), max_views => 2) AS dtoken \gset
SELECT pg_temp.act('alice');
SELECT share_acl.remove_team_member(pg_temp.id('crew'), pg_temp.id('dave'));
SELECT pg_temp.act('dave');
SELECT is((SELECT status FROM share_acl.open_link(:'dtoken')), 'ok',
    'a creator that lost what its link gives opens it');
SELECT is((SELECT view_count FROM share_acl.link WHERE resource_id = pg_temp.id('B') AND max_views = 2), 1::bigint,
    'and that open is a view, claimed from max_views');
SELECT pg_temp.act('alice');
SELECT share_acl.add_team_member(pg_temp.id('crew'), pg_temp.id('dave'));
RESET share_acl.principal;
SELECT is((SELECT status FROM share_acl.open_link(:'token', viewer_email => 'first@t71.test')), 'ok',
    'first view: an external viewer opens the link');
SELECT is((SELECT count(*) FROM share_acl.notification WHERE kind = 'link_first_view'
            AND recipient_id = pg_temp.id('alice') AND payload->>'viewer_email' = 'first@t71.test'), 1::bigint,
    'first view: its creator is told, with the viewer''s e-mail');
SELECT is((SELECT n.payload FROM share_acl.notification n WHERE n.kind = 'link_first_view'
             AND n.recipient_id = pg_temp.id('alice')),
    (SELECT jsonb_build_object('link_id', l.id, 'viewer_email', 'first@t71.test')
       FROM share_acl.link l WHERE l.resource_id = pg_temp.id('A') AND l.max_views = 5),
    'first view: the payload is the link and the viewer''s e-mail');
SELECT is((SELECT n.resource_id FROM share_acl.notification n WHERE n.kind = 'link_first_view'
             AND n.recipient_id = pg_temp.id('alice')),
    pg_temp.id('A'), 'first view: about the link''s resource');
SELECT is((SELECT status FROM share_acl.open_link(:'token', viewer_email => 'second@t71.test')), 'ok',
    'a second view');
SELECT is((SELECT count(*) FROM share_acl.notification WHERE kind = 'link_first_view'
            AND recipient_id = pg_temp.id('alice')), 1::bigint,
    'first view: told once, not at later views');
-- with track_external_views off the creator is told of the first view, not who
SELECT pg_temp.act('alice');
SELECT share_acl.set_workspace_policy(pg_temp.id('ws'), 'track_external_views', 'false');
SELECT share_acl.create_link(pg_temp.id('A'), max_views => 5) AS token \gset
RESET share_acl.principal;
SELECT is((SELECT status FROM share_acl.open_link(:'token', viewer_email => 'untracked@t71.test')), 'ok',
    'untracked views: an external viewer opens the link');
SELECT is((SELECT count(*) FROM share_acl.notification WHERE kind = 'link_first_view'
            AND recipient_id = pg_temp.id('alice') AND payload ? 'viewer_email'
            AND payload->>'viewer_email' IS NOT DISTINCT FROM 'untracked@t71.test'), 0::bigint,
    'untracked views: the first view''s notification holds no viewer e-mail');
SELECT is((SELECT count(*) FROM share_acl.notification WHERE kind = 'link_first_view'
            AND recipient_id = pg_temp.id('alice')), 2::bigint,
    'untracked views: the creator is still told of the first view');
SELECT pg_temp.act('alice');
SELECT share_acl.set_workspace_policy(pg_temp.id('ws'), 'track_external_views', 'true');
SELECT pg_temp.act('carol');
SELECT lives_ok($$SELECT * FROM share_acl.notification_digest(pg_temp.id('carol'), now() - interval '1 day')$$,
    'digest: a principal reads its own');
RESET share_acl.principal;

-- -------------------------------------------------------------- audit trail
SELECT is((SELECT count(*) FROM share_acl._audit_staged_rows() s
            WHERE s.object_type = 'notification_preference' AND s.actor_id = pg_temp.id('carol')), 2::bigint,
    'audit: each preference change has its row');
SELECT is((SELECT count(*) FROM share_acl._audit_staged_rows() s
            WHERE s.object_type = 'notification_mute' AND s.object_id = pg_temp.id('carol')), 2::bigint,
    'audit: the mute and the unmute have their rows');

-- ------------------------------------------------- an administrator's triggers
-- a row trigger on notification (a webhook's queue, say) sees the row a share writes
CREATE TEMP TABLE forwarded (id uuid, how text);
CREATE FUNCTION public.t71_forward_row() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    INSERT INTO forwarded VALUES (NEW.id, 'row');
    RETURN NULL;
END $$;
CREATE TRIGGER t71_forward_row AFTER INSERT ON share_acl.notification
    FOR EACH ROW EXECUTE FUNCTION public.t71_forward_row();
SELECT pg_temp.act('alice');
SELECT share_acl.share(pg_temp.id('B'), pg_temp.id('bob'), 'viewer');
RESET share_acl.principal;
SELECT results_eq('SELECT id, how FROM forwarded',
    $$SELECT id, 'row' FROM share_acl.notification
       WHERE recipient_id = pg_temp.id('bob') AND kind = 'share_received' AND resource_id = pg_temp.id('B')$$,
    'a row trigger on notification sees the row of a share');
DROP TRIGGER t71_forward_row ON share_acl.notification;
-- and a statement trigger with its transition table
CREATE FUNCTION public.t71_forward_statement() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    INSERT INTO forwarded SELECT n.id, 'statement' FROM new_rows n;
    RETURN NULL;
END $$;
CREATE TRIGGER t71_forward_statement AFTER INSERT ON share_acl.notification
    REFERENCING NEW TABLE AS new_rows FOR EACH STATEMENT EXECUTE FUNCTION public.t71_forward_statement();
SELECT pg_temp.act('alice');
SELECT share_acl.share(pg_temp.id('B'), pg_temp.id('carol'), 'viewer');
RESET share_acl.principal;
SELECT results_eq($$SELECT id, how FROM forwarded WHERE how = 'statement'$$,
    $$SELECT id, 'statement' FROM share_acl.notification
       WHERE recipient_id = pg_temp.id('carol') AND kind = 'share_received' AND resource_id = pg_temp.id('B')$$,
    'a statement trigger on notification sees the row of a share');
DROP TRIGGER t71_forward_statement ON share_acl.notification;
DROP FUNCTION public.t71_forward_row(), public.t71_forward_statement();

-- ------------------------------- only those who hold something are told
-- (a guest while the workspace disables guests, R3; a link's creator since
-- removed from the workspace: no instructions, no viewer e-mail for them)
INSERT INTO ids VALUES ('gwen', share_acl.create_user('gwen@t71.test'));
SELECT share_acl.add_member(pg_temp.id('ws'), pg_temp.id('gwen'), 'guest');
SELECT pg_temp.act('alice');
INSERT INTO ids VALUES ('gwen_carol', share_acl.create_team(pg_temp.id('ws'), 'Gwen and carol'));
SELECT share_acl.add_team_member(pg_temp.id('gwen_carol'), pg_temp.id('gwen'));
SELECT share_acl.add_team_member(pg_temp.id('gwen_carol'), pg_temp.id('carol'));
SELECT share_acl.set_workspace_policy(pg_temp.id('ws'), 'guest_access_enabled', 'false');
SELECT share_acl.share(pg_temp.id('B'), pg_temp.id('gwen'), 'commenter');
-- (gwen named alone could not decide: request_review refuses her, pgTAP 70;
-- in a team with carol she is asked, and not told)
SELECT share_acl.request_review(pg_temp.id('B'), ARRAY[pg_temp.id('gwen_carol')],
                                instructions => 'confidential notes');
SELECT is(pg_temp.got('gwen', 'share_received') + pg_temp.got('gwen', 'review_requested'), 0::bigint,
    'guest access disabled: a guest holding nothing is told of neither the share nor the review');
SELECT is(pg_temp.got('carol', 'review_requested'), 1::bigint,
    'guest access disabled: a member asked to review is told');
SELECT share_acl.set_workspace_policy(pg_temp.id('ws'), 'guest_access_enabled', 'true');
SELECT share_acl.share(pg_temp.id('A'), pg_temp.id('gwen'), 'commenter');
SELECT is(pg_temp.got('gwen', 'share_received'), 1::bigint,
    'guest access enabled again: a share is told');
-- carol (a viewer share on B, above) makes a link on B and is then removed:
-- its first view is not told to her
SELECT pg_temp.act('carol');
SELECT share_acl.create_link(pg_temp.id('B'), max_views => 3) AS token \gset
SELECT ok(EXISTS (SELECT 1 FROM share_acl.active_links WHERE resource_id = pg_temp.id('B')
                   AND created_by = pg_temp.id('carol')),
    'active_links: the creator sees its link');
SELECT pg_temp.act('alice');
SELECT share_acl.remove_member(pg_temp.id('ws'), pg_temp.id('carol'));
SELECT share_acl.unshare(s.id) FROM share_acl.share s WHERE s.grantee_id = pg_temp.id('carol');
SELECT share_acl.cancel_review(r.id) FROM share_acl.review r
 WHERE r.closed_at IS NULL
   AND EXISTS (SELECT 1 FROM share_acl.review_reviewer rr
                WHERE rr.review_id = r.id AND rr.reviewer_id = pg_temp.id('carol'));
SELECT is(share_acl.effective_permissions(pg_temp.id('carol'), pg_temp.id('B'))::text, '',
    'carol, removed, holds nothing on B');
RESET share_acl.principal;
SELECT is((SELECT status FROM share_acl.open_link(:'token', viewer_email => 'private@t71.test')), 'ok',
    'the link of a removed creator still opens (R7)');
SELECT is((SELECT count(*) FROM share_acl.notification WHERE kind = 'link_first_view'
            AND recipient_id = pg_temp.id('carol')), 0::bigint,
    'first view: a creator holding nothing on the resource is not told');
SELECT pg_temp.act('carol');
SELECT ok(NOT EXISTS (SELECT 1 FROM share_acl.active_links WHERE resource_id = pg_temp.id('B')),
    'active_links: nor does it see the link any more');
SELECT pg_temp.act('alice');
SELECT ok(EXISTS (SELECT 1 FROM share_acl.active_links WHERE resource_id = pg_temp.id('B')
                   AND created_by = pg_temp.id('carol')),
    'active_links: the workspace owner sees it, to revoke it');

-- nina's share is narrowed to download after she asked a review and made a
-- link: she may no longer view the resource, and is told neither the
-- reviewer's note nor the viewer's e-mail; of a download-only share she
-- receives, she is told
INSERT INTO ids VALUES ('nina', share_acl.create_user('nina@t71.test'));
SELECT pg_temp.act('alice');
SELECT share_acl.add_member(pg_temp.id('ws'), pg_temp.id('nina'), 'member');
INSERT INTO ids VALUES ('RN', share_acl.create_resource(pg_temp.id('ws'), 'project'));
INSERT INTO ids VALUES ('N', share_acl.create_resource(pg_temp.id('ws'), 'asset', pg_temp.id('RN')));
INSERT INTO ids VALUES ('N2', share_acl.create_resource(pg_temp.id('ws'), 'asset', pg_temp.id('RN')));
SELECT share_acl.share(pg_temp.id('N'), pg_temp.id('nina'), 'commenter,share') AS nina_share \gset
SELECT pg_temp.act('nina');
SELECT share_acl.request_review(pg_temp.id('N'), ARRAY[pg_temp.id('bob')]) AS nina_review \gset
SELECT share_acl.create_link(pg_temp.id('N'), max_views => 3) AS nina_token \gset
SELECT pg_temp.act('alice');
SELECT share_acl.update_share(:'nina_share', 'download');
SELECT is(share_acl.has_access(pg_temp.id('nina'), pg_temp.id('N'), 'view'), false,
    'nina, her share narrowed to download, may not view N');
SELECT pg_temp.act('bob');
SELECT share_acl.submit_review(:'nina_review', 'needs_changes', 'a note for those who see N');
SELECT is(pg_temp.got('nina', 'review_decided'), 0::bigint,
    'review decided: a requester who may no longer view the resource is not told');
RESET share_acl.principal;
SELECT is((SELECT status FROM share_acl.open_link(:'nina_token', viewer_email => 'seen@t71.test')), 'ok',
    'the link of a creator who may no longer view its resource opens');
SELECT is(pg_temp.got('nina', 'link_first_view'), 0::bigint,
    'first view: a creator who may no longer view the resource is not told');
SELECT pg_temp.act('alice');
SELECT share_acl.share(pg_temp.id('N2'), pg_temp.id('nina'), 'download');
SELECT is(pg_temp.got('nina', 'share_received'), 2::bigint,
    'share received: a download-only share is told to its grantee');

-- ------------------------------------------- the listener's look-up
RESET share_acl.principal;
SELECT is(share_acl.notification_recipient(
           (SELECT n.id FROM share_acl.notification n WHERE n.recipient_id = pg_temp.id('gwen')
             ORDER BY n.created_at DESC LIMIT 1)),
    pg_temp.id('gwen'), 'notification_recipient: whom a notification is for');
SELECT is(share_acl.notification_recipient(gen_random_uuid()), NULL,
    'notification_recipient: NULL for an unknown id');

-- ------------------------------- an administrator's statement trigger
-- the notifications of one event to several people are written as one
-- INSERT statement writes them: a statement trigger with a transition
-- table fires once and sees them all
RESET share_acl.principal;
CREATE TEMP TABLE seen_statements (rows_seen bigint);
GRANT INSERT ON seen_statements TO PUBLIC;
CREATE FUNCTION pg_temp.count_statement() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN INSERT INTO seen_statements SELECT count(*) FROM new_rows; RETURN NULL; END $$;
CREATE TRIGGER t71_statement AFTER INSERT ON share_acl.notification REFERENCING NEW TABLE AS new_rows
    FOR EACH STATEMENT EXECUTE FUNCTION pg_temp.count_statement();
-- and a row trigger sees, after each row, the statement's every row
CREATE TEMP TABLE seen_rows (rows_seen bigint);
GRANT INSERT ON seen_rows TO PUBLIC;
CREATE FUNCTION pg_temp.count_event_rows() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    INSERT INTO seen_rows SELECT count(*) FROM share_acl.notification n WHERE n.payload = NEW.payload;
    RETURN NULL;
END $$;
SELECT pg_temp.act('alice');
INSERT INTO ids VALUES ('pair', share_acl.create_team(pg_temp.id('ws'), 'Pair'));
SELECT share_acl.add_team_member(pg_temp.id('pair'), pg_temp.id('bob'));
SELECT share_acl.add_team_member(pg_temp.id('pair'), pg_temp.id('dave'));
SELECT share_acl.share(pg_temp.id('P'), pg_temp.id('pair'), 'viewer');
SELECT results_eq($$SELECT rows_seen FROM seen_statements$$, $$VALUES (2::bigint)$$,
    'an administrator''s statement trigger on notification fires once for an event''s two notifications');
RESET share_acl.principal;
DROP TRIGGER t71_statement ON share_acl.notification;
CREATE TRIGGER t71_row AFTER INSERT ON share_acl.notification
    FOR EACH ROW EXECUTE FUNCTION pg_temp.count_event_rows();
SELECT pg_temp.act('alice');
SELECT share_acl.share(pg_temp.id('Q'), pg_temp.id('pair'), 'viewer');
SELECT results_eq($$SELECT rows_seen FROM seen_rows$$, $$VALUES (2::bigint), (2::bigint)$$,
    'an administrator''s AFTER ROW trigger on notification sees each time both notifications of the event, as after one INSERT statement');
RESET share_acl.principal;
DROP TRIGGER t71_row ON share_acl.notification;

-- ------------------------------------------------------ review cancelled
-- cancelled: the reviewers (a team's members, one who had decided) are
-- told, and the requester when someone else cancels (here a trusted
-- administrator); nobody is told of their own cancel
SELECT pg_temp.act('alice');
INSERT INTO ids VALUES ('r2', share_acl.request_review(pg_temp.id('A'), ARRAY[pg_temp.id('crew'), pg_temp.id('bob')]));
SELECT pg_temp.act('bob');
SELECT share_acl.submit_review(pg_temp.id('r2'), 'approved');
RESET share_acl.principal;
SELECT share_acl.cancel_review(pg_temp.id('r2'));
SELECT is(pg_temp.got('dave', 'review_cancelled'), 1::bigint, 'review cancelled: a reviewing team''s member is told');
SELECT is(pg_temp.got('bob', 'review_cancelled'), 1::bigint, 'review cancelled: a reviewer who had decided is told');
SELECT is(pg_temp.got('alice', 'review_cancelled'), 1::bigint, 'review cancelled: the requester is told');
SELECT is((SELECT payload FROM share_acl.notification
            WHERE recipient_id = pg_temp.id('dave') AND kind = 'review_cancelled'),
    jsonb_build_object('review_id', pg_temp.id('r2'), 'by', NULL),
    'review cancelled: the review and who cancelled it');
SELECT pg_temp.act('alice');
INSERT INTO ids VALUES ('r3', share_acl.request_review(pg_temp.id('A'), ARRAY[pg_temp.id('bob')]));
SELECT share_acl.cancel_review(pg_temp.id('r3'));
SELECT is(pg_temp.got('alice', 'review_cancelled'), 1::bigint, 'review cancelled by its requester: not told');
SELECT is(pg_temp.got('bob', 'review_cancelled'), 2::bigint, 'review cancelled by its requester: the reviewer is told');

SELECT * FROM finish();
ROLLBACK;
