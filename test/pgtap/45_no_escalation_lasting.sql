-- pgTAP: no escalation through structure (SPEC R14) counts what lasts.  A
-- principal that holds flags on a resource only through a grant that ends
-- (an expiring share, an open review) gains them for good when a move gives
-- the resource an ancestor that grants them without an end: the acting
-- principal must hold them, as for update_share to a later expiry.  What
-- the actor itself so keeps is within what it holds (README: as joining a
-- team or sharing with a team one is in).
--
-- pg_temp.act(name) acts as a principal, pg_temp.id(name) names ids.
BEGIN;
SELECT plan(12);

CREATE TEMP TABLE ids (name text PRIMARY KEY, id uuid NOT NULL);
CREATE FUNCTION pg_temp.id(text) RETURNS uuid LANGUAGE sql STABLE
    AS $$ SELECT id FROM ids WHERE name = $1 $$;
CREATE FUNCTION pg_temp.act(text) RETURNS void LANGUAGE sql
    AS $$ SELECT share_acl.set_principal(pg_temp.id($1)) $$;
CREATE FUNCTION pg_temp.parent_of(text) RETURNS uuid LANGUAGE sql STABLE
    AS $$ SELECT parent_id FROM share_acl.resource WHERE id = pg_temp.id($1) $$;

-- alice owns the workspace; max and eve are members, rita a guest
INSERT INTO ids VALUES
    ('alice', share_acl.create_user('alice@t45.test')),
    ('max',   share_acl.create_user('max@t45.test')),
    ('eve',   share_acl.create_user('eve@t45.test')),
    ('rita',  share_acl.create_user('rita@t45.test'));
INSERT INTO ids VALUES ('ws', share_acl.create_workspace('t45', pg_temp.id('alice')));
SELECT share_acl.add_member(pg_temp.id('ws'), pg_temp.id('max'), 'member');
SELECT share_acl.add_member(pg_temp.id('ws'), pg_temp.id('eve'), 'member');
SELECT share_acl.add_member(pg_temp.id('ws'), pg_temp.id('rita'), 'guest');

-- alice's projects P (with her assets A, B, C) and N; max manages N for
-- good, and A only for a day; eve edits P and N
SELECT pg_temp.act('alice');
INSERT INTO ids VALUES ('P', share_acl.create_resource(pg_temp.id('ws'), 'project'));
INSERT INTO ids VALUES ('N', share_acl.create_resource(pg_temp.id('ws'), 'project'));
INSERT INTO ids VALUES ('A', share_acl.create_resource(pg_temp.id('ws'), 'asset', pg_temp.id('P')));
INSERT INTO ids VALUES ('B', share_acl.create_resource(pg_temp.id('ws'), 'asset', pg_temp.id('P')));
INSERT INTO ids VALUES ('C', share_acl.create_resource(pg_temp.id('ws'), 'asset', pg_temp.id('P')));
SELECT share_acl.share(pg_temp.id('N'), pg_temp.id('max'), 'manager');
SELECT share_acl.share(pg_temp.id('A'), pg_temp.id('max'), 'manager', expires_at => now() + interval '1 day');
SELECT share_acl.share(pg_temp.id('P'), pg_temp.id('eve'), 'editor');
SELECT share_acl.share(pg_temp.id('N'), pg_temp.id('eve'), 'editor');

-- eve (editor) moving A under N would give max manager on A for good, which
-- eve does not hold: refused (without max's expiring share as well, below)

SELECT pg_temp.act('eve');
SELECT throws_ok($$SELECT share_acl.move_resource(pg_temp.id('A'), pg_temp.id('N'))$$, '42501', NULL,
    'a move may not make lasting for someone else what an expiring share gives it, beyond what the actor holds');
SELECT is(pg_temp.parent_of('A'), pg_temp.id('P'), '... and A stays where it was');
SELECT pg_temp.act('alice');
SELECT share_acl.unshare(s.id) FROM share_acl.share s
 WHERE s.resource_id = pg_temp.id('A') AND s.grantee_id = pg_temp.id('max');
SELECT pg_temp.act('eve');
SELECT throws_ok($$SELECT share_acl.move_resource(pg_temp.id('A'), pg_temp.id('N'))$$, '42501', NULL,
    'the same move without the expiring share: refused as well');

-- max himself, manager of A for a day and of N for good, may move A under N:
-- he grants no one what he does not hold (README: what the actor keeps so is
-- its own, as when it joins a team or shares with a team it is in)
SELECT pg_temp.act('alice');
SELECT share_acl.share(pg_temp.id('A'), pg_temp.id('max'), 'manager', expires_at => now() + interval '1 day');
SELECT pg_temp.act('max');
SELECT lives_ok($$SELECT share_acl.move_resource(pg_temp.id('A'), pg_temp.id('N'))$$,
    'the holder of an expiring share moving the resource where it holds the same for good: allowed');
SELECT pg_temp.act('alice');
SELECT share_acl.move_resource(pg_temp.id('A'), pg_temp.id('P'));

-- an editor of P for 30 days moves A within P into a folder shared for good
-- with a team she and max are in: everyone it gains is within what she holds
SELECT pg_temp.act('alice');
INSERT INTO ids VALUES ('F', share_acl.create_resource(pg_temp.id('ws'), 'collection', pg_temp.id('P')));
INSERT INTO ids VALUES ('T', share_acl.create_team(pg_temp.id('ws'), 't45 team'));
SELECT share_acl.add_team_member(pg_temp.id('T'), pg_temp.id(p)) FROM unnest(ARRAY['eve', 'max']) p;
SELECT share_acl.share(pg_temp.id('F'), pg_temp.id('T'), 'viewer');
SELECT share_acl.update_share(s.id, expires_at => now() + interval '30 days') FROM share_acl.share s
 WHERE s.resource_id = pg_temp.id('P') AND s.grantee_id = pg_temp.id('eve');
SELECT pg_temp.act('eve');
SELECT lives_ok($$SELECT share_acl.move_resource(pg_temp.id('A'), pg_temp.id('F'))$$,
    'an editor with an expiring share moves an asset within its project: allowed (R14)');
SELECT pg_temp.act('alice');
SELECT share_acl.move_resource(pg_temp.id('A'), pg_temp.id('P'));

-- what lasts already: max manages B for good, and N gives him no more there
SELECT pg_temp.act('alice');
SELECT share_acl.share(pg_temp.id('B'), pg_temp.id('max'), 'manager');
SELECT pg_temp.act('eve');
SELECT lives_ok($$SELECT share_acl.move_resource(pg_temp.id('B'), pg_temp.id('N'))$$,
    'a move that gives no one more than lasted before is allowed');
SELECT is(pg_temp.parent_of('B'), pg_temp.id('N'), '... and B is under N');

-- an expiring share that the new ancestor passes on gives only what it gave:
-- alice's project Q, which eve edits and rita views for a day; eve moves C
-- (editor on both) under Q
SELECT pg_temp.act('alice');
INSERT INTO ids VALUES ('Q', share_acl.create_resource(pg_temp.id('ws'), 'project'));
SELECT share_acl.share(pg_temp.id('Q'), pg_temp.id('eve'), 'editor');
SELECT share_acl.share(pg_temp.id('Q'), pg_temp.id('rita'), 'viewer', expires_at => now() + interval '1 day');
SELECT pg_temp.act('eve');
SELECT lives_ok($$SELECT share_acl.move_resource(pg_temp.id('C'), pg_temp.id('Q'))$$,
    'an expiring share of the new ancestor within what the actor holds: allowed');
SELECT share_acl.move_resource(pg_temp.id('C'), pg_temp.id('P'));

-- an open review ends too: max reviews C (commenter while it is open) and
-- comments on alice's project R for good; otto, who may view and move C and
-- upload into R but not comment, may not move C under R; alice may
SELECT pg_temp.act('alice');
INSERT INTO ids VALUES ('otto', share_acl.create_user('otto@t45.test'));
SELECT share_acl.add_member(pg_temp.id('ws'), pg_temp.id('otto'), 'member');
INSERT INTO ids VALUES ('R', share_acl.create_resource(pg_temp.id('ws'), 'project'));
SELECT share_acl.share(pg_temp.id('R'), pg_temp.id('max'), 'commenter');
SELECT share_acl.share(pg_temp.id('R'), pg_temp.id('otto'), 'view,upload');
SELECT share_acl.share(pg_temp.id('C'), pg_temp.id('otto'), 'view,move,upload');
SELECT share_acl.request_review(pg_temp.id('C'), ARRAY[pg_temp.id('max')]);
SELECT pg_temp.act('otto');
SELECT throws_ok($$SELECT share_acl.move_resource(pg_temp.id('C'), pg_temp.id('R'))$$, '42501', NULL,
    'a move may not make lasting what an open review gives its reviewer, beyond what the actor holds');
SELECT is(pg_temp.parent_of('C'), pg_temp.id('P'), '... and C stays where it was');
SELECT pg_temp.act('alice');
SELECT lives_ok($$SELECT share_acl.move_resource(pg_temp.id('C'), pg_temp.id('R'))$$,
    'the owner of the workspace may');
SELECT ok(share_acl.has_access(pg_temp.id('max'), pg_temp.id('C'), 'comment'),
    '... and max comments on C through R');

SELECT * FROM finish();
ROLLBACK;
