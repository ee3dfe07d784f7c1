-- pgTAP: a link context combined with a principal (R7: the union) is capped
-- by the principal's role (R9: the caps apply last, to the union of R4, R5,
-- R7 and R10): a viewer who opens an editor link while acting as itself
-- edits nothing; a guest or an outsider (treated as a guest, R2) uploads
-- only where guest uploads are on; under member_edit_own_only a member
-- edits through a link only what it owns.  Without a principal the link
-- acts alone: at most its own set.
--
-- pg_temp.act(name) acts as a principal (NULL: none), pg_temp.id(name) names ids.
BEGIN;
SELECT plan(16);

CREATE TEMP TABLE ids (name text PRIMARY KEY, id uuid NOT NULL);
CREATE FUNCTION pg_temp.id(text) RETURNS uuid LANGUAGE sql STABLE
    AS $$ SELECT id FROM ids WHERE name = $1 $$;
CREATE FUNCTION pg_temp.act(text) RETURNS void LANGUAGE sql
    AS $$ SELECT share_acl.set_principal(pg_temp.id($1)) $$;
CREATE FUNCTION pg_temp.can(text) RETURNS boolean LANGUAGE sql
    AS $$ SELECT share_acl.has_access(pg_temp.id('A'), $1::share_acl.permset) $$;

-- alice owns ws; vic is a viewer, gus a guest, mia a member, olga has no role
INSERT INTO ids VALUES
    ('alice', share_acl.create_user('alice@t57.test')),
    ('vic',   share_acl.create_user('vic@t57.test')),
    ('gus',   share_acl.create_user('gus@t57.test')),
    ('mia',   share_acl.create_user('mia@t57.test')),
    ('olga',  share_acl.create_user('olga@t57.test'));
INSERT INTO ids VALUES ('ws', share_acl.create_workspace('t57', pg_temp.id('alice')));
SELECT share_acl.add_member(pg_temp.id('ws'), pg_temp.id('vic'), 'viewer');
SELECT share_acl.add_member(pg_temp.id('ws'), pg_temp.id('gus'), 'guest');
SELECT share_acl.add_member(pg_temp.id('ws'), pg_temp.id('mia'), 'member');
SELECT pg_temp.act('alice');
INSERT INTO ids VALUES ('P', share_acl.create_resource(pg_temp.id('ws'), 'project'));
INSERT INTO ids VALUES ('A', share_acl.create_resource(pg_temp.id('ws'), 'asset', pg_temp.id('P')));
CREATE TEMP TABLE tok (t text);
INSERT INTO tok SELECT share_acl.create_link(pg_temp.id('P'), 'editor', allow_download => true,
                                             allow_contribution => true);
SELECT share_acl.set_principal(NULL);
SELECT is((SELECT status FROM share_acl.open_link((SELECT t FROM tok))), 'ok', 'the editor link opens');

-- the link alone
SELECT ok(pg_temp.can('edit') AND pg_temp.can('upload') AND pg_temp.can('download'),
    'no principal: the link''s own set (edit, upload, download)');

-- a viewer: at most viewer, comment, annotate, download
SELECT pg_temp.act('vic');
SELECT ok(pg_temp.can('view') AND pg_temp.can('download'), 'viewer + link: view and download');
SELECT is(pg_temp.can('edit'), false, 'viewer + link: no edit (R9 caps the union)');
SELECT is(pg_temp.can('upload'), false, 'viewer + link: no upload');

-- a guest and an outsider: no upload while guest uploads are off, no run_ai
SELECT pg_temp.act('gus');
SELECT ok(pg_temp.can('edit'), 'guest + link: edit (the guest cap keeps it)');
SELECT is(pg_temp.can('upload'), false, 'guest + link: no upload while allow_guest_uploads is off');
SELECT is(pg_temp.can('run_ai'), false, 'guest + link: no run_ai where the project has guest AI off');
SELECT pg_temp.act('olga');
SELECT is(pg_temp.can('upload'), false, 'outsider + link: treated as a guest (R2), no upload');
SELECT ok(pg_temp.can('view'), 'outsider + link: the link still gives view');
SELECT pg_temp.act('alice');
SELECT share_acl.set_workspace_policy(pg_temp.id('ws'), 'allow_guest_uploads', 'true');
SELECT pg_temp.act('gus');
SELECT ok(pg_temp.can('upload'), 'guest + link: upload once guest uploads are on');

-- guest access switched off: the guest's own grants are gone (R3), the link
-- still gives what a guest may hold
SELECT pg_temp.act('alice');
SELECT share_acl.set_workspace_policy(pg_temp.id('ws'), 'guest_access_enabled', 'false');
SELECT pg_temp.act('gus');
SELECT ok(pg_temp.can('view'), 'guest + link with guest access off: the link gives view');

-- a member under member_edit_own_only edits through a link only what it owns
SELECT pg_temp.act('mia');
SELECT ok(pg_temp.can('edit'), 'member + link: edit');
SELECT pg_temp.act('alice');
SELECT share_acl.set_workspace_policy(pg_temp.id('ws'), 'member_edit_own_only', 'true');
SELECT pg_temp.act('mia');
SELECT is(pg_temp.can('edit'), false, 'member + link under member_edit_own_only: no edit on alice''s asset');
SELECT ok(pg_temp.can('view'), 'member + link under member_edit_own_only: view');
SELECT pg_temp.act('alice');
SELECT ok(pg_temp.can('edit'), 'the owner + link: everything (R1)');

SELECT * FROM finish();
ROLLBACK;
