-- examples/app.sql — an application's own tables behind share_acl.
--
-- app.asset rows are share_acl resources (same id); protect() puts the four
-- SPEC §9 policies on them.  The foreign key takes a row away with its
-- resource: a deleted resource's id is free again, and whoever creates it
-- next must not find this row under it (README, "one id names one thing").  app.comment rows belong to an asset: reading
-- them follows the asset, writing one needs "comment" — a hand-written
-- policy that calls has_access() the same way.
CREATE SCHEMA IF NOT EXISTS app;

CREATE TABLE app.asset (
    id uuid PRIMARY KEY REFERENCES share_acl.resource (id) ON DELETE CASCADE,
    project_id uuid NOT NULL,
    title text NOT NULL,
    duration_s int,
    created_at timestamptz NOT NULL DEFAULT now()
);
SELECT share_acl.protect('app.asset', 'id', 'project_id');

CREATE TABLE app.comment (
    id uuid PRIMARY KEY DEFAULT gen_random_uuid(),
    asset_id uuid NOT NULL REFERENCES app.asset ON DELETE CASCADE,
    author_id uuid NOT NULL DEFAULT share_acl.current_principal(),
    body text NOT NULL,
    created_at timestamptz NOT NULL DEFAULT now()
);
ALTER TABLE app.comment ENABLE ROW LEVEL SECURITY;
CREATE POLICY comment_read ON app.comment FOR SELECT
    USING (share_acl.has_access(asset_id, 'view'::share_acl.permset));
CREATE POLICY comment_write ON app.comment FOR INSERT
    WITH CHECK (author_id = share_acl.current_principal()
                AND share_acl.has_access(asset_id, 'comment'::share_acl.permset));
-- (an author deletes its own comments while it still sees the asset: not
-- blindly, after its access ended)
CREATE POLICY comment_resolve ON app.comment FOR DELETE
    USING (share_acl.has_access(asset_id, 'resolve_comments'::share_acl.permset)
           OR (author_id = share_acl.current_principal()
               AND share_acl.has_access(asset_id, 'view'::share_acl.permset)));

-- the application connects as a role that is a member of share_acl_user
GRANT USAGE ON SCHEMA app TO share_acl_user;
GRANT SELECT, INSERT, UPDATE, DELETE ON app.asset, app.comment TO share_acl_user;
