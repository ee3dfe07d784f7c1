-- pgTAP: a principal's context is not rebuilt by its own share changes
-- (share_acl.cache_stats().contexts_built), only the contexts the change
-- concerns are: the grantee's, or those of a team's members; and the
-- answers stay right (the grantee gains at once, in the same transaction).
BEGIN;
SELECT plan(12);

CREATE TEMP TABLE ids (name text PRIMARY KEY, id uuid NOT NULL);
CREATE FUNCTION pg_temp.id(text) RETURNS uuid LANGUAGE sql STABLE
    AS $$ SELECT id FROM ids WHERE name = $1 $$;
CREATE FUNCTION pg_temp.built() RETURNS bigint LANGUAGE sql
    AS $$ SELECT contexts_built FROM share_acl.cache_stats() $$;

INSERT INTO ids VALUES
    ('alice', share_acl.create_user('alice@t72.test')),
    ('carol', share_acl.create_user('carol@t72.test')),
    ('dave',  share_acl.create_user('dave@t72.test')),
    ('erin',  share_acl.create_user('erin@t72.test'));
INSERT INTO ids VALUES ('ws', share_acl.create_workspace('t72', pg_temp.id('alice')));
SELECT share_acl.set_principal(pg_temp.id('alice'));
SELECT share_acl.add_member(pg_temp.id('ws'), pg_temp.id('carol'), 'member');
SELECT share_acl.add_member(pg_temp.id('ws'), pg_temp.id('dave'), 'member');
SELECT share_acl.add_member(pg_temp.id('ws'), pg_temp.id('erin'), 'member');
INSERT INTO ids VALUES ('crew', share_acl.create_team(pg_temp.id('ws'), 'Crew'));
SELECT share_acl.add_team_member(pg_temp.id('crew'), pg_temp.id('dave'));
INSERT INTO ids VALUES ('P', share_acl.create_resource(pg_temp.id('ws'), 'project'));
INSERT INTO ids VALUES ('A', share_acl.create_resource(pg_temp.id('ws'), 'asset', pg_temp.id('P')));
INSERT INTO ids VALUES ('B', share_acl.create_resource(pg_temp.id('ws'), 'asset', pg_temp.id('P')));
-- erin holds a share of B: her context collects her grants and teams
SELECT share_acl.share(pg_temp.id('B'), pg_temp.id('erin'), 'viewer');

-- warm: alice (the actor), dave (in crew), erin (not in crew)
SELECT ok(share_acl.has_access(pg_temp.id('alice'), pg_temp.id('A'), 'share'), 'alice may share A');
SELECT ok(NOT share_acl.has_access(pg_temp.id('dave'), pg_temp.id('A'), 'view'), 'dave does not see A yet');
SELECT ok(share_acl.has_access(pg_temp.id('erin'), pg_temp.id('B'), 'view'), 'erin sees B');
CREATE TEMP TABLE mark AS SELECT pg_temp.built() AS n;

-- alice shares A with carol: nobody's context but carol's (not built yet) is rebuilt
SELECT share_acl.share(pg_temp.id('A'), pg_temp.id('carol'), 'viewer');
SELECT ok(share_acl.has_access(pg_temp.id('alice'), pg_temp.id('A'), 'share'), 'alice, after her share to a person');
SELECT is(pg_temp.built(), (SELECT n FROM mark), 'her own share to a person rebuilt no context');
SELECT ok(share_acl.has_access(pg_temp.id('carol'), pg_temp.id('A'), 'view'), 'carol sees A at once');
SELECT is(pg_temp.built(), (SELECT n FROM mark) + 1, 'carol''s context was built, nothing else');

-- alice shares A with the crew: dave's context is rebuilt, not alice's, not erin's
UPDATE mark SET n = pg_temp.built();
SELECT share_acl.share(pg_temp.id('A'), pg_temp.id('crew'), 'commenter');
SELECT ok(share_acl.has_access(pg_temp.id('alice'), pg_temp.id('A'), 'share'), 'alice, after her share to a team');
SELECT ok(share_acl.has_access(pg_temp.id('erin'), pg_temp.id('B'), 'view'), 'erin, after the share to a team she is not in');
SELECT is(pg_temp.built(), (SELECT n FROM mark), 'a share to a team rebuilt neither the actor''s context nor a non-member''s');
SELECT ok(share_acl.has_access(pg_temp.id('dave'), pg_temp.id('A'), 'comment'), 'dave (in the crew) comments on A at once');
SELECT is(pg_temp.built(), (SELECT n FROM mark) + 1, 'the team member''s context was rebuilt');

SELECT * FROM finish();
ROLLBACK;
