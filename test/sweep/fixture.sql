-- test/sweep/fixture.sql — one small workspace whose ids the sweep passes to
-- every function: two people, a team, a project with an asset and a
-- collection, a share, a link (its token too), a review request, and an
-- application table; made through the API as the trusted administrator.
CREATE EXTENSION IF NOT EXISTS share_acl;
CREATE ROLE sweep_app LOGIN;
GRANT share_acl_user TO sweep_app;
CREATE ROLE sweep_nobody LOGIN;
CREATE TABLE public.sweep_asset (id uuid PRIMARY KEY, project_id uuid, title text);
CREATE TABLE public.sweep_ids (name text PRIMARY KEY, id uuid, token text);
GRANT SELECT ON public.sweep_ids TO PUBLIC;
DO $$
DECLARE
    owner uuid := share_acl.create_user('owner@sweep.example', 'Owner');
    member uuid := share_acl.create_user('member@sweep.example', 'Member');
    ws uuid := share_acl.create_workspace('sweep', owner);
    team uuid;
    project uuid;
    asset uuid;
    coll uuid;
    sh uuid;
    tok text;
    rev uuid;
BEGIN
    PERFORM share_acl.add_member(ws, member, 'member');
    team := share_acl.create_team(ws, 'editors');
    PERFORM share_acl.add_team_member(team, member);
    PERFORM share_acl.set_principal(owner);
    project := share_acl.create_resource(ws, 'project');
    asset := share_acl.create_resource(ws, 'asset', project);
    coll := share_acl.create_resource(ws, 'collection', project);
    PERFORM share_acl.add_to_collection(coll, asset);
    sh := share_acl.share(asset, team, 'view,comment');
    tok := share_acl.create_link(asset, 'view');
    rev := share_acl.request_review(asset, ARRAY[member]);
    INSERT INTO public.sweep_ids VALUES
        ('workspace', ws, NULL), ('owner', owner, NULL), ('member', member, NULL),
        ('team', team, NULL), ('project', project, NULL), ('asset', asset, NULL),
        ('collection', coll, NULL), ('share', sh, NULL), ('link', share_acl.link_id(tok), tok),
        ('review', rev, NULL);
    INSERT INTO public.sweep_asset VALUES (asset, project, 'a');
END $$;
