-- Share links (SPEC section 5): the link, link_view and signing_key tables.  The
-- functions that create, open and revoke links are in 061_links.sql.

CREATE TABLE share_acl.link (
    id uuid PRIMARY KEY DEFAULT gen_random_uuid(),
    resource_id uuid NOT NULL REFERENCES share_acl.resource (id) ON DELETE CASCADE,
    perms share_acl.permset NOT NULL DEFAULT 'viewer',
    allow_download boolean NOT NULL DEFAULT false,
    allow_comments boolean NOT NULL DEFAULT true,
    allow_approval boolean NOT NULL DEFAULT false,
    allow_contribution boolean NOT NULL DEFAULT false,
    password_hash text,
    expires_at timestamptz,
    not_before timestamptz,
    max_views integer CHECK (max_views > 0),
    created_by uuid REFERENCES share_acl.principal (id) ON DELETE SET NULL,
    created_at timestamptz NOT NULL DEFAULT now(),
    revoked_at timestamptz,
    label text CHECK (length(label) <= 200 AND share_acl.is_valid_name(label)),
    view_count bigint NOT NULL DEFAULT 0 CHECK (view_count >= 0),
    last_viewed_at timestamptz,
    failed_attempts integer NOT NULL DEFAULT 0 CHECK (failed_attempts >= 0)
) WITH (fillfactor = 50);
-- (every open rewrites its link's row, view_count and last_viewed_at, which no
-- index holds: half of each page is left free for the new versions, so that
-- they stay on their page with no new index entry, a HOT update, where rows
-- packed full would move to another page with an entry in each index)
CREATE INDEX link_resource_idx ON share_acl.link (resource_id);
CREATE INDEX link_created_by_idx ON share_acl.link (created_by);
CREATE INDEX link_expires_idx ON share_acl.link (expires_at) WHERE revoked_at IS NULL;

CREATE TABLE share_acl.link_view (
    link_id uuid NOT NULL REFERENCES share_acl.link (id) ON DELETE CASCADE,
    viewer_email text,
    viewed_at timestamptz NOT NULL DEFAULT now()
);
CREATE INDEX link_view_link_idx ON share_acl.link_view (link_id, viewed_at);

CREATE TABLE share_acl.signing_key (
    kid integer PRIMARY KEY CHECK (kid > 0),
    secret bytea NOT NULL CHECK (length(secret) >= 32),
    created_at timestamptz NOT NULL DEFAULT now(),
    retired_at timestamptz
);
-- readable by no one but the extension's own SECURITY DEFINER code (090_privileges.sql)
-- a link context names the key of the token opened: retiring (or changing,
-- or deleting) a key ends the contexts of its tokens at the next check
CREATE TRIGGER zz_cache_invalidate AFTER UPDATE OR DELETE OR TRUNCATE
    ON share_acl.signing_key FOR EACH STATEMENT EXECUTE FUNCTION share_acl.cache_invalidate_trigger();
CREATE TRIGGER zz_cache_invalidate_row AFTER UPDATE OR DELETE
    ON share_acl.signing_key FOR EACH ROW EXECUTE FUNCTION share_acl.cache_invalidate_trigger();
ALTER TABLE share_acl.signing_key ENABLE ALWAYS TRIGGER zz_cache_invalidate,
    ENABLE REPLICA TRIGGER zz_cache_invalidate_row;

-- only what a link context reads invalidates caches; counters (view_count,
-- last_viewed_at, failed_attempts) change at every open and do not
CREATE TRIGGER zz_cache_invalidate
    AFTER INSERT OR DELETE OR TRUNCATE
       OR UPDATE OF id, resource_id, perms, allow_download, allow_comments, allow_approval,
                    allow_contribution, expires_at, not_before, revoked_at
    ON share_acl.link FOR EACH STATEMENT EXECUTE FUNCTION share_acl.cache_invalidate_trigger();
-- in every session_replication_role, and for logical replication's apply
-- worker (row triggers only) a row trigger of the replica role (030_engine.sql)
CREATE TRIGGER zz_cache_invalidate_row
    AFTER INSERT OR DELETE
       OR UPDATE OF id, resource_id, perms, allow_download, allow_comments, allow_approval,
                    allow_contribution, expires_at, not_before, revoked_at
    ON share_acl.link FOR EACH ROW EXECUTE FUNCTION share_acl.cache_invalidate_trigger();
ALTER TABLE share_acl.link ENABLE ALWAYS TRIGGER zz_cache_invalidate,
    ENABLE REPLICA TRIGGER zz_cache_invalidate_row;

-- a link's id is in the id registry (020_model.sql) with the workspaces',
-- principals' and resources' ids: no resource may take it (an audit row of
-- a call on the link finds the link's workspace by its id)
-- (a link's id never changes: its view counter's updates run no registry trigger)
SELECT share_acl._id_registry_triggers('link', 'l', true);
DROP FUNCTION share_acl._id_registry_triggers(text, text, boolean);     -- (install only)

SELECT pg_catalog.pg_extension_config_dump('share_acl.link', '');
SELECT pg_catalog.pg_extension_config_dump('share_acl.link_view', '');
SELECT pg_catalog.pg_extension_config_dump('share_acl.signing_key', '');
COMMENT ON TABLE share_acl.link IS
    'a share link: what its token gives on a resource, its toggles, password hash, validity and view count (the token itself is stored nowhere)';
COMMENT ON TABLE share_acl.link_view IS
    'the views of a link by external viewers (when the workspace tracks them)';
COMMENT ON TABLE share_acl.signing_key IS
    'the keys that sign link tokens, by key id: the newest signs, retired ones no longer validate';

-- The transaction's link context (R7), set by open_link() only.
CREATE FUNCTION share_acl._set_link_context(link uuid) RETURNS void
    AS 'MODULE_PATHNAME', 'set_link_context' LANGUAGE C VOLATILE PARALLEL UNSAFE;
COMMENT ON FUNCTION share_acl._set_link_context(uuid) IS
    'internal: make the link the link context of the transaction (NULL: none); callable by the extension''s own code only';

CREATE FUNCTION share_acl.current_link() RETURNS uuid
    AS 'MODULE_PATHNAME', 'current_link' LANGUAGE C STABLE PARALLEL RESTRICTED;
COMMENT ON FUNCTION share_acl.current_link() IS
    'the link of the transaction''s link context (set by open_link) while it counts, or NULL (NULL once the link is revoked, expires or its token''s key is retired)';
