-- A rejected share_acl.principal is named in the error by its first 64
-- bytes only (cut at a character's boundary), however long it is.
SELECT share_acl.has_access(gen_random_uuid(), gen_random_uuid(), 'view');  -- the library loaded
SET share_acl.principal = 'not-a-uuid';
SELECT set_config('share_acl.principal', repeat('x', 100000), true);
SELECT set_config('share_acl.principal', repeat('é', 100), true);
SELECT set_config('share_acl.principal', repeat('y', 64), true);
SHOW share_acl.principal;
