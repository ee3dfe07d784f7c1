-- test/bench/link_tokens.sql — the tokens of the valid password-less links
-- without max_views, computed from the link ids and the signing key (the
-- benchmark keeps them in its own schema; share_acl stores no token), for
-- open_link.pgbench.
\set ON_ERROR_STOP 1
CREATE TABLE bench.link_token AS
SELECT row_number() OVER (ORDER BY l.id)::int AS n, l.id AS link_id, r.kind, share_acl._link_token(l.id) AS token
  FROM share_acl.link l JOIN share_acl.resource r ON r.id = l.resource_id
 WHERE l.revoked_at IS NULL AND l.password_hash IS NULL AND l.max_views IS NULL
   AND (l.expires_at IS NULL OR l.expires_at > now() + interval '1 day');
ALTER TABLE bench.link_token ADD PRIMARY KEY (n);
GRANT SELECT ON bench.link_token TO bench_app;
ANALYZE bench.link_token;
