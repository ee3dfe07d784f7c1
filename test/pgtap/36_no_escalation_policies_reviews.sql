-- pgTAP: no escalation through the public access level, reviews, teams and
-- ownership of a resource above (SPEC §6 no escalation, R4, R9, R14, §8).
--
-- - set_workspace_policy('public_access_level') gives its level to every
--   member on each public resource (R4), so a raised level may add only
--   flags the actor holds on each public resource (the owner holds all).
-- - allow_external_sharing = false refuses a review by an outsider (a
--   person without a role in the workspace, R2) however it is named (an id,
--   an e-mail of a known principal, a team holding one), and a share with a
--   team holding one; nor may a share reaching an outsider be widened
--   meanwhile (it keeps working, and may be narrowed).  An external principal
--   with a guest role is no outsider: shared with, asked, added to a team.
-- - The requester of a review cannot decide it, also when it is in a team
--   it asked.
-- - R14 exempts the owner of the resource moved, not the owner of a
--   resource above it (whose R10 full access is capped by its role, R9).
--
-- pg_temp.act(name) acts as a principal, pg_temp.id(name) names ids.
BEGIN;
SELECT plan(67);

CREATE TEMP TABLE ids (name text PRIMARY KEY, id uuid NOT NULL);
CREATE FUNCTION pg_temp.id(text) RETURNS uuid LANGUAGE sql STABLE
    AS $$ SELECT id FROM ids WHERE name = $1 $$;
CREATE FUNCTION pg_temp.act(text) RETURNS void LANGUAGE sql
    AS $$ SELECT share_acl.set_principal(pg_temp.id($1)) $$;

-- alice owns ws, bob is an admin, carol and dave members, gus a guest;
-- xavier has no role in ws; ext is an external guest; xo an external
-- principal without a role (an outsider); team T holds carol and dave, team
-- TX holds ext and xo (a trusted administrator's direct write: the API adds
-- only principals with a role); Q is shared with ext, xo and TX
INSERT INTO ids VALUES
    ('alice',  share_acl.create_user('alice@t36.test')),
    ('bob',    share_acl.create_user('bob@t36.test')),
    ('carol',  share_acl.create_user('carol@t36.test')),
    ('dave',   share_acl.create_user('dave@t36.test')),
    ('gus',    share_acl.create_user('gus@t36.test')),
    ('xavier', share_acl.create_user('xavier@t36.test'));
INSERT INTO ids VALUES ('ws', share_acl.create_workspace('t36', pg_temp.id('alice')));
SELECT share_acl.add_member(pg_temp.id('ws'), pg_temp.id('bob'), 'admin');
SELECT share_acl.add_member(pg_temp.id('ws'), pg_temp.id('carol'), 'member');
SELECT share_acl.add_member(pg_temp.id('ws'), pg_temp.id('dave'), 'member');
SELECT share_acl.add_member(pg_temp.id('ws'), pg_temp.id('gus'), 'guest');
SELECT pg_temp.act('alice');
INSERT INTO ids VALUES ('P', share_acl.create_resource(pg_temp.id('ws'), 'project'));
INSERT INTO ids VALUES ('A', share_acl.create_resource(pg_temp.id('ws'), 'asset', pg_temp.id('P')));
INSERT INTO ids VALUES ('Q', share_acl.create_resource(pg_temp.id('ws'), 'project'));
INSERT INTO ids VALUES ('T', share_acl.create_team(pg_temp.id('ws'), 'crew'));
SELECT share_acl.add_team_member(pg_temp.id('T'), pg_temp.id('carol'));
SELECT share_acl.add_team_member(pg_temp.id('T'), pg_temp.id('dave'));
INSERT INTO ids SELECT 'share_ext', share_acl.share_with_email(pg_temp.id('Q'), 'ext@t36.test', 'viewer');
INSERT INTO ids SELECT 'ext', p.id FROM share_acl.principal p WHERE p.email = 'ext@t36.test';
INSERT INTO share_acl.principal (kind, email) VALUES ('external', 'xo@t36.test');
INSERT INTO ids SELECT 'xo', p.id FROM share_acl.principal p WHERE p.email = 'xo@t36.test';
INSERT INTO ids VALUES ('TX', share_acl.create_team(pg_temp.id('ws'), 'with a guest'));
SELECT share_acl.add_team_member(pg_temp.id('TX'), pg_temp.id('ext'));
INSERT INTO share_acl.team_member (team_id, member_id) VALUES (pg_temp.id('TX'), pg_temp.id('xo'));
INSERT INTO ids SELECT 'share_xo', share_acl.share(pg_temp.id('Q'), pg_temp.id('xo'), 'viewer');
INSERT INTO ids SELECT 'share_tx', share_acl.share(pg_temp.id('Q'), pg_temp.id('TX'), 'viewer');
SELECT share_acl.set_general_access(pg_temp.id('P'), 'public');

-- ------------------------------------------------------- public_access_level
SELECT pg_temp.act('bob');
SELECT throws_like($$SELECT share_acl.set_workspace_policy(pg_temp.id('ws'), 'public_access_level', 'full')$$,
    'permission denied: public_access_level % requires "%delete%" on public resource %',
    'public_access_level: an admin cannot raise it past what it holds on a public resource');
SELECT is((SELECT public_access_level::text FROM share_acl.workspace WHERE id = pg_temp.id('ws')),
    'view,view_details,react', 'public_access_level: unchanged');
SELECT is(share_acl.has_access(pg_temp.id('carol'), pg_temp.id('A'), 'delete'), false,
    'public_access_level: a member still cannot delete the owner''s asset');
SELECT is(share_acl.has_access(pg_temp.id('bob'), pg_temp.id('A'), 'change_permissions'), false,
    'public_access_level: nor can the admin change its permissions');
SELECT lives_ok($$SELECT share_acl.set_workspace_policy(pg_temp.id('ws'), 'public_access_level', 'view')$$,
    'public_access_level: lowering it needs nothing more');
SELECT pg_temp.act('alice');
SELECT share_acl.share(pg_temp.id('P'), pg_temp.id('bob'), 'commenter');
SELECT pg_temp.act('bob');
SELECT lives_ok($$SELECT share_acl.set_workspace_policy(pg_temp.id('ws'), 'public_access_level', 'commenter')$$,
    'public_access_level: an admin may raise it to what it holds on every public resource');
SELECT pg_temp.act('alice');
SELECT lives_ok($$SELECT share_acl.set_workspace_policy(pg_temp.id('ws'), 'public_access_level', 'editor')$$,
    'public_access_level: the owner may raise it to anything');
SELECT is(share_acl.has_access(pg_temp.id('carol'), pg_temp.id('A'), 'edit'), true,
    'public_access_level: the raised level applies');

-- ------------------------------------------------- outsiders, however named
SELECT share_acl.share(pg_temp.id('P'), pg_temp.id('carol'), 'editor');
SELECT share_acl.set_workspace_policy(pg_temp.id('ws'), 'allow_external_sharing', 'false');
SELECT pg_temp.act('carol');
SELECT throws_ok($$SELECT share_acl.request_review(pg_temp.id('P'), NULL, reviewer_emails => ARRAY['XAVIER@t36.test'])$$,
    '42501', 'permission denied: the workspace policy allow_external_sharing forbids a review with XAVIER@t36.test, which is no member''s e-mail address',
    'request_review: the e-mail of a known outsider is refused while allow_external_sharing is false, naming no principal');
SELECT throws_ok($$SELECT share_acl.request_review(pg_temp.id('P'), NULL, reviewer_emails => ARRAY['nobody@t36.test'])$$,
    '42501', 'permission denied: the workspace policy allow_external_sharing forbids a review with nobody@t36.test, which is no member''s e-mail address',
    'request_review: an unknown e-mail is refused alike');
SELECT throws_ok($$SELECT share_acl.share_with_email(pg_temp.id('P'), 'xavier@t36.test', 'viewer')$$,
    '42501', 'permission denied: the workspace policy allow_external_sharing forbids sharing with xavier@t36.test, which is no member''s e-mail address',
    'share_with_email: the e-mail of a known outsider is refused alike');
SELECT throws_ok($$SELECT share_acl.request_review(pg_temp.id('P'), NULL, reviewer_emails => ARRAY['xo@t36.test'])$$,
    '42501', 'permission denied: the workspace policy allow_external_sharing forbids a review with xo@t36.test, which is no member''s e-mail address',
    'request_review: the e-mail of an external principal without a role is refused alike');
SELECT throws_ok($$SELECT share_acl.request_review(pg_temp.id('P'), ARRAY[pg_temp.id('xo')])$$,
    '42501', format('permission denied: the workspace policy allow_external_sharing forbids a review by external principal %s', pg_temp.id('xo')),
    'request_review: an external principal without a role, by its id, is refused');
SELECT throws_like($$SELECT share_acl.request_review(pg_temp.id('P'), ARRAY[pg_temp.id('TX')])$$,
    'permission denied: the workspace policy allow_external_sharing forbids a review by external principal % (a member of team %)',
    'request_review: a team holding an outsider is refused');
SELECT throws_like($$SELECT share_acl.share(pg_temp.id('P'), pg_temp.id('TX'), 'viewer')$$,
    'permission denied: the workspace policy allow_external_sharing forbids sharing with external principal % (a member of team %)',
    'share: a team holding an outsider is refused');
SELECT is(share_acl.effective_permissions(pg_temp.id('xavier'), pg_temp.id('P'))::text
          || share_acl.effective_permissions(pg_temp.id('xo'), pg_temp.id('P'))::text, '',
    'the outsiders hold nothing on P');
SELECT lives_ok($$SELECT share_acl.cancel_review(share_acl.request_review(pg_temp.id('P'), NULL, reviewer_emails => ARRAY['ext@t36.test']))$$,
    'request_review: the e-mail of an external guest is asked (a role in the workspace: no outsider, R2)');
SELECT lives_ok($$SELECT share_acl.share(pg_temp.id('P'), pg_temp.id('ext'), 'viewer')$$,
    'share: an external guest is shared with');
SELECT is(share_acl.has_access(pg_temp.id('ext'), pg_temp.id('P'), 'view'), true,
    'the external guest views P');
SELECT lives_ok($$SELECT share_acl.share(pg_temp.id('P'), pg_temp.id('T'), 'viewer')$$,
    'share: a team of members only is shared with');

-- ------------------------------------------- the requester cannot decide
INSERT INTO ids VALUES ('review', share_acl.request_review(pg_temp.id('P'), ARRAY[pg_temp.id('T')]));
SELECT throws_like($$SELECT share_acl.submit_review(pg_temp.id('review'), 'approved')$$,
    'permission denied: principal % requested review % and cannot decide it',
    'submit_review: the requester cannot decide its review through a team it asked');
SELECT pg_temp.act('dave');
SELECT lives_ok($$SELECT share_acl.submit_review(pg_temp.id('review'), 'approved')$$,
    'submit_review: another member of the team decides it');
SELECT is((SELECT decided_by FROM share_acl.review_reviewer WHERE review_id = pg_temp.id('review')),
    pg_temp.id('dave'), 'submit_review: the decision is dave''s');

-- --------------------------- R14: owning a resource above is not enough
-- (allow_external_sharing true again: Q is shared with an outsider, and a
-- move under it is refused while it is false, 41_external_sharing_structure)
SELECT pg_temp.act('alice');
SELECT share_acl.set_workspace_policy(pg_temp.id('ws'), 'allow_external_sharing', 'true');
SELECT share_acl.set_workspace_policy(pg_temp.id('ws'), 'allow_guest_uploads', 'true');
SELECT share_acl.share(pg_temp.id('P'), pg_temp.id('gus'), 'editor');
SELECT share_acl.share(pg_temp.id('Q'), pg_temp.id('gus'), 'editor');
SELECT share_acl.share(pg_temp.id('Q'), pg_temp.id('dave'), 'manager');
SELECT pg_temp.act('gus');
INSERT INTO ids VALUES ('C', share_acl.create_resource(pg_temp.id('ws'), 'collection', pg_temp.id('P')));
SELECT pg_temp.act('alice');
INSERT INTO ids VALUES ('R', share_acl.create_resource(pg_temp.id('ws'), 'asset', pg_temp.id('C')));
SELECT pg_temp.act('gus');
SELECT throws_like($$SELECT share_acl.move_resource(pg_temp.id('R'), pg_temp.id('Q'))$$,
    'permission denied: move_resource requires "%change_permissions%" on resource ________-____-____-____-____________',
    'move_resource: a guest owning the collection above the owner''s asset cannot pass on change_permissions by moving it (the message names no other cause)');
SELECT is((SELECT parent_id FROM share_acl.resource WHERE id = pg_temp.id('R')), pg_temp.id('C'),
    'move_resource: the asset stayed');
SELECT is(share_acl.has_access(pg_temp.id('dave'), pg_temp.id('R'), 'change_permissions'), false,
    'move_resource: dave gained nothing on it');
INSERT INTO ids VALUES ('G', share_acl.create_resource(pg_temp.id('ws'), 'asset', pg_temp.id('C')));
SELECT lives_ok($$SELECT share_acl.move_resource(pg_temp.id('G'), pg_temp.id('Q'))$$,
    'move_resource: the guest still moves its own asset');

-- ----------- member_edit_own_only: no grant of edit reaching others' assets
SELECT pg_temp.act('carol');
INSERT INTO ids VALUES ('PC', share_acl.create_resource(pg_temp.id('ws'), 'project'));
INSERT INTO ids VALUES ('CA', share_acl.create_resource(pg_temp.id('ws'), 'asset', pg_temp.id('PC')));
SELECT share_acl.share(pg_temp.id('PC'), pg_temp.id('dave'), 'editor');
SELECT pg_temp.act('dave');
INSERT INTO ids VALUES ('DA', share_acl.create_resource(pg_temp.id('ws'), 'asset', pg_temp.id('PC')));
SELECT pg_temp.act('alice');
SELECT share_acl.set_workspace_policy(pg_temp.id('ws'), 'member_edit_own_only', 'true');
SELECT pg_temp.act('carol');
SELECT is(share_acl.has_access(pg_temp.id('carol'), pg_temp.id('DA'), 'edit'), false,
    'member_edit_own_only: carol may not edit dave''s asset in her project');
SELECT throws_like($$SELECT share_acl.create_link(pg_temp.id('PC'), 'editor', allow_contribution => true)$$,
    'permission denied: create_link cannot grant "edit,rename,move%" on resource %: a resource below it is not the principal''s own (member_edit_own_only)',
    'member_edit_own_only: no link granting edit on her project, where it would reach dave''s asset');
SELECT throws_like($$SELECT share_acl.share(pg_temp.id('PC'), pg_temp.id('gus'), 'editor')$$,
    'permission denied: share cannot grant "edit,rename,move%" on resource %: a resource below it is not the principal''s own (member_edit_own_only)',
    'member_edit_own_only: no share granting edit on it either');
SELECT is(share_acl.has_access(pg_temp.id('gus'), pg_temp.id('DA'), 'edit'), false,
    'member_edit_own_only: the guest got nothing on dave''s asset');
SELECT lives_ok($$SELECT share_acl.create_link(pg_temp.id('PC'), 'viewer')$$,
    'member_edit_own_only: a view link on the project is fine');
SELECT lives_ok($$SELECT share_acl.share(pg_temp.id('CA'), pg_temp.id('gus'), 'editor')$$,
    'member_edit_own_only: an edit share of her own asset is fine');
-- moves, collections and general access pass on as much as a share
INSERT INTO ids VALUES ('F', share_acl.create_resource(pg_temp.id('ws'), 'collection', pg_temp.id('PC')));
SELECT pg_temp.act('dave');
INSERT INTO ids VALUES ('DF', share_acl.create_resource(pg_temp.id('ws'), 'asset', pg_temp.id('F')));
SELECT pg_temp.act('alice');
SELECT share_acl.share(pg_temp.id('Q'), pg_temp.id('carol'), 'editor');
SELECT pg_temp.act('carol');
INSERT INTO ids VALUES ('K', share_acl.create_resource(pg_temp.id('ws'), 'collection', pg_temp.id('Q')));
SELECT throws_like($$SELECT share_acl.move_resource(pg_temp.id('F'), pg_temp.id('Q'))$$,
    'permission denied: move_resource requires "%edit%" on resource %: a resource below it is not the principal''s own (member_edit_own_only)',
    'member_edit_own_only: her own folder holding dave''s asset does not move where the guest edits (the message names the cause)');
SELECT throws_like($$SELECT share_acl.add_to_collection(pg_temp.id('K'), pg_temp.id('F'))$$,
    'permission denied: add_to_collection requires "%edit%" on resource %: a resource below it is not the principal''s own (member_edit_own_only)',
    'member_edit_own_only: nor into a collection there');
SELECT throws_like($$SELECT share_acl.set_general_access(pg_temp.id('F'), 'shared')$$,
    'permission denied: set_general_access requires "%edit%" on resource %: a resource below it is not the principal''s own (member_edit_own_only)',
    'member_edit_own_only: nor is it shared with the admins');
SELECT is(share_acl.has_access(pg_temp.id('gus'), pg_temp.id('DF'), 'edit')
          OR share_acl.has_access(pg_temp.id('bob'), pg_temp.id('DF'), 'edit'), false,
    'member_edit_own_only: neither the guest nor the admin edits dave''s asset');
-- a restricted resource below takes nothing from above (R8): no refusal for it
INSERT INTO ids VALUES ('F3', share_acl.create_resource(pg_temp.id('ws'), 'collection', pg_temp.id('PC')));
SELECT pg_temp.act('dave');
INSERT INTO ids VALUES ('RX', share_acl.create_resource(pg_temp.id('ws'), 'asset', pg_temp.id('F3')));
SELECT share_acl.set_restricted(pg_temp.id('RX'), true);
SELECT pg_temp.act('carol');
SELECT lives_ok($$SELECT share_acl.share(pg_temp.id('F3'), pg_temp.id('gus'), 'editor')$$,
    'member_edit_own_only: an edit share of a folder whose only other resource is restricted is fine');
SELECT is(share_acl.has_access(pg_temp.id('gus'), pg_temp.id('RX'), 'view'), false,
    'member_edit_own_only: (the restricted asset takes nothing from it)');

-- allow_external_sharing: no team holding an outsider joins a team meanwhile
SELECT pg_temp.act('alice');
SELECT share_acl.set_workspace_policy(pg_temp.id('ws'), 'allow_external_sharing', 'false');
SELECT share_acl.share(pg_temp.id('P'), pg_temp.id('T'), 'editor');
SELECT throws_like($$SELECT share_acl.add_team_member(pg_temp.id('T'), pg_temp.id('TX'))$$,
    'permission denied: the workspace policy allow_external_sharing forbids adding external principal % (a member of team %) to team %',
    'add_team_member: a team holding an outsider does not join a team while allow_external_sharing is false');
SELECT is(share_acl.has_access(pg_temp.id('xo'), pg_temp.id('P'), 'view'), false,
    'add_team_member: the outsider got nothing through the team''s share');
SELECT lives_ok($$SELECT share_acl.add_team_member(pg_temp.id('T'), pg_temp.id('ext'))$$,
    'add_team_member: an external guest (no outsider) joins it');
SELECT share_acl.remove_team_member(pg_temp.id('T'), pg_temp.id('ext'));

-- allow_external_sharing: a share reaching an outsider keeps working, and is
-- not widened meanwhile
SELECT share_acl.set_workspace_policy(pg_temp.id('ws'), 'allow_external_sharing', 'true');
INSERT INTO ids SELECT 'share_dave', share_acl.share(pg_temp.id('Q'), pg_temp.id('dave'), 'viewer');
SELECT share_acl.set_workspace_policy(pg_temp.id('ws'), 'allow_external_sharing', 'false');
SELECT throws_like($$SELECT share_acl.update_share(pg_temp.id('share_xo'), 'editor')$$,
    'permission denied: the workspace policy allow_external_sharing forbids widening a share with external principal %',
    'update_share: a share with an outsider is not widened while allow_external_sharing is false');
SELECT throws_like($$SELECT share_acl.update_share(pg_temp.id('share_tx'), 'commenter')$$,
    'permission denied: the workspace policy allow_external_sharing forbids widening a share with external principal % (a member of team %)',
    'update_share: nor a share with a team holding one');
SELECT is(share_acl.has_access(pg_temp.id('xo'), pg_temp.id('Q'), 'comment'), false,
    'update_share: the outsider got nothing more');
SELECT lives_ok($$SELECT share_acl.update_share(pg_temp.id('share_xo'), allow_download => false)$$,
    'update_share: narrowing a share with an outsider is allowed');
SELECT is(share_acl.has_access(pg_temp.id('xo'), pg_temp.id('Q'), 'view'), true,
    'update_share: the narrowed share keeps working');
SELECT lives_ok($$SELECT share_acl.update_share(pg_temp.id('share_ext'), 'commenter')$$,
    'update_share: a share with an external guest (no outsider) is widened as any');
SELECT lives_ok($$SELECT share_acl.update_share(pg_temp.id('share_dave'), 'editor')$$,
    'update_share: a share with a member is widened as before');

-- ------------------------- joining a team gives oneself nothing one lacks
-- (an admin holds nothing on a private or restricted resource that only a
-- team's share reaches; adding itself, or a team it is in, would pass it
-- on: 42501, the resource named only to who may view it; the owner, who
-- holds everything, and adding others are as before)
SELECT pg_temp.act('alice');
INSERT INTO ids VALUES ('L', share_acl.create_team(pg_temp.id('ws'), 'legal'));
INSERT INTO ids VALUES ('H', share_acl.create_resource(pg_temp.id('ws'), 'project'));
INSERT INTO ids VALUES ('S', share_acl.create_resource(pg_temp.id('ws'), 'asset', pg_temp.id('P')));
SELECT share_acl.set_restricted(pg_temp.id('S'), true);
SELECT share_acl.share(pg_temp.id('S'), pg_temp.id('L'), 'editor');
INSERT INTO ids VALUES ('LL', share_acl.create_team(pg_temp.id('ws'), 'legal leads'));
SELECT share_acl.add_team_member(pg_temp.id('L'), pg_temp.id('LL'));
INSERT INTO ids VALUES ('BT', share_acl.create_team(pg_temp.id('ws'), 'bob''s team'));
SELECT share_acl.add_team_member(pg_temp.id('BT'), pg_temp.id('bob'));
SELECT pg_temp.act('bob');
SELECT is(share_acl.effective_permissions(pg_temp.id('bob'), pg_temp.id('S'))::text, '',
    'join: the admin holds nothing on the restricted asset');
SELECT throws_ok($$SELECT share_acl.add_team_member(pg_temp.id('L'), pg_temp.id('bob'))$$, '42501',
    format('permission denied: add_team_member requires "view,view_details,react,download,comment,annotate,approve,upload,edit,rename,move,copy,delete_own,view_activity,run_ai,share" on a resource the grants of team %s reach', pg_temp.id('L')),
    'join: an admin cannot add itself to a team whose share reaches what it cannot see');
SELECT throws_like($$SELECT share_acl.add_team_member(pg_temp.id('LL'), pg_temp.id('bob'))$$,
    'permission denied: add_team_member requires "%view%" on a resource the grants of team % reach',
    'join: nor to a team inside that team');
SELECT throws_like($$SELECT share_acl.add_team_member(pg_temp.id('L'), pg_temp.id('BT'))$$,
    'permission denied: add_team_member requires "%view%" on a resource the grants of team % reach',
    'join: nor add a team it is in');
SELECT is(share_acl.effective_permissions(pg_temp.id('bob'), pg_temp.id('S'))::text, '',
    'join: the admin still holds nothing on it');
SELECT lives_ok($$SELECT share_acl.add_team_member(pg_temp.id('L'), pg_temp.id('carol'))$$,
    'join: the admin adds someone else to the team');
SELECT ok(share_acl.has_access(pg_temp.id('carol'), pg_temp.id('S'), 'view,comment'),
    'join: who it added holds the team''s share');
SELECT pg_temp.act('alice');
SELECT share_acl.share(pg_temp.id('H'), pg_temp.id('BT'), 'viewer');
SELECT share_acl.share(pg_temp.id('H'), pg_temp.id('LL'), 'viewer');
SELECT pg_temp.act('bob');
SELECT throws_ok($$SELECT share_acl.add_team_member(pg_temp.id('LL'), pg_temp.id('bob'))$$, '42501', NULL,
    'join: what it holds on one resource does not cover another');
SELECT pg_temp.act('alice');
SELECT share_acl.unshare(s.id) FROM share_acl.share s WHERE s.grantee_id = pg_temp.id('L');
SELECT pg_temp.act('bob');
SELECT lives_ok($$SELECT share_acl.add_team_member(pg_temp.id('LL'), pg_temp.id('bob'))$$,
    'join: an admin joins a team whose grants it holds already');
SELECT pg_temp.act('alice');
SELECT lives_ok($$SELECT share_acl.add_team_member(pg_temp.id('L'), pg_temp.id('alice'))$$,
    'join: the workspace owner joins any team');


-- A share to a team one is in passes on only what one holds through grants
-- that do not end: carol (in T) reviews S1 (commenter, and share by R11) and
-- holds an expiring editor share on S2; what she shares with T would stay
-- hers after the review or the share ends.  With a colleague she shares it.
SELECT pg_temp.act('alice');
INSERT INTO ids VALUES ('SV', share_acl.create_resource(pg_temp.id('ws'), 'project'));
INSERT INTO ids VALUES ('S1', share_acl.create_resource(pg_temp.id('ws'), 'asset', pg_temp.id('SV')));
INSERT INTO ids VALUES ('S2', share_acl.create_resource(pg_temp.id('ws'), 'asset', pg_temp.id('SV')));
SELECT share_acl.request_review(pg_temp.id('S1'), ARRAY[pg_temp.id('carol')]);
SELECT share_acl.share(pg_temp.id('S2'), pg_temp.id('carol'), 'editor', expires_at => now() + interval '1 day');
SELECT pg_temp.act('carol');
SELECT ok(share_acl.has_access(pg_temp.id('carol'), pg_temp.id('S1'), 'view,share'),
    'own team: the reviewer may view and share the resource under review');
SELECT throws_like($$SELECT share_acl.share(pg_temp.id('S1'), pg_temp.id('T'), 'viewer')$$,
    '%share with team % which the principal is in, requires "view,view_details,react" held through a grant that does not end',
    'own team: what only an open review gives is not shared with a team one is in');
SELECT throws_ok($$SELECT share_acl.share(pg_temp.id('S2'), pg_temp.id('T'), 'viewer')$$, '42501', NULL,
    'own team: what only an expiring share gives is not shared with a team one is in');
SELECT lives_ok($$SELECT share_acl.share(pg_temp.id('S1'), pg_temp.id('bob'), 'viewer')$$,
    'own team: a review''s grant is shared with someone else');
SELECT pg_temp.act('alice');
SELECT share_acl.share(pg_temp.id('S2'), pg_temp.id('carol'), 'viewer');
SELECT pg_temp.act('carol');
SELECT lives_ok($$SELECT share_acl.share(pg_temp.id('S2'), pg_temp.id('T'), 'viewer')$$,
    'own team: what a share without expiry gives is shared with a team one is in');
SELECT throws_ok($$SELECT share_acl.share(pg_temp.id('S2'), pg_temp.id('T'), 'editor')$$, '42501', NULL,
    'own team: but not the expiring share''s editor flags beyond it');
-- nor by sharing first and joining the team after: bob (an admin, who adds
-- team members) holds editor on S3 only through a share that ends
SELECT pg_temp.act('alice');
INSERT INTO ids VALUES ('S3', share_acl.create_resource(pg_temp.id('ws'), 'asset', pg_temp.id('SV')));
INSERT INTO ids VALUES ('BX', share_acl.create_team(pg_temp.id('ws'), 'bob later'));
SELECT share_acl.share(pg_temp.id('S3'), pg_temp.id('bob'), 'editor', expires_at => now() + interval '1 day');
SELECT pg_temp.act('bob');
SELECT lives_ok($$SELECT share_acl.share(pg_temp.id('S3'), pg_temp.id('BX'), 'editor')$$,
    'own team: a team one is not in is shared with');
SELECT throws_like($$SELECT share_acl.add_team_member(pg_temp.id('BX'), pg_temp.id('bob'))$$,
    'permission denied: add_team_member requires "%edit%" on resource %',
    'own team: joining it then, for what only the expiring share gives, is refused');

SELECT * FROM finish();
ROLLBACK;
