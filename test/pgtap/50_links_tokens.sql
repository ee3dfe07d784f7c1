-- pgTAP: share link tokens (SPEC §5): format and layout, tampering with
-- every character, truncated / extended / re-padded / garbage / empty / 10 kB
-- input, wrong and retired key ids, key rotation, and who may touch keys.
--
-- pg_temp.act(name) acts as a principal, pg_temp.id(name) names ids,
-- pg_temp.tok(name) the tokens (kept in a temporary table of the test only).
BEGIN;
SELECT plan(76);
-- passwords appear as literals below: keep the statement text out of the
-- server log (and open_link and create_link from warning about it, which
-- 54_links_log_settings.sql tests)
SET LOCAL log_min_error_statement = panic;

CREATE TEMP TABLE ids (name text PRIMARY KEY, id uuid NOT NULL);
CREATE TEMP TABLE toks (name text PRIMARY KEY, token text NOT NULL);
CREATE FUNCTION pg_temp.id(text) RETURNS uuid LANGUAGE sql STABLE
    AS $$ SELECT id FROM ids WHERE name = $1 $$;
CREATE FUNCTION pg_temp.tok(text) RETURNS text LANGUAGE sql STABLE
    AS $$ SELECT token FROM toks WHERE name = $1 $$;
CREATE FUNCTION pg_temp.act(text) RETURNS void LANGUAGE sql
    AS $$ SELECT share_acl.set_principal(pg_temp.id($1)) $$;
-- the status of opening a token, and back to no link context
CREATE FUNCTION pg_temp.status(t text) RETURNS text LANGUAGE plpgsql AS $$
DECLARE s text;
BEGIN
    SELECT o.status INTO s FROM share_acl.open_link(t) o;
    PERFORM share_acl._set_link_context(NULL);
    RETURN s;
END $$;
-- base64url without padding, both ways (plain SQL, independent of the C code)
CREATE FUNCTION pg_temp.unb64url(t text) RETURNS bytea LANGUAGE sql IMMUTABLE AS $$
    SELECT decode(translate(t, '-_', '+/') || repeat('=', (4 - length(t) % 4) % 4), 'base64')
$$;
CREATE FUNCTION pg_temp.b64url(b bytea) RETURNS text LANGUAGE sql IMMUTABLE AS $$
    SELECT rtrim(translate(replace(encode(b, 'base64'), E'\n', ''), '+/', '-_'), '=')
$$;
CREATE TEMP TABLE alphabet AS
SELECT substr('ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_', i, 1) AS c
FROM generate_series(1, 64) i;

INSERT INTO ids VALUES ('alice', share_acl.create_user('alice@t50.test'));
INSERT INTO ids VALUES ('ws', share_acl.create_workspace('t50', pg_temp.id('alice')));
SELECT pg_temp.act('alice');
INSERT INTO ids VALUES ('P', share_acl.create_resource(pg_temp.id('ws'), 'project'));
INSERT INTO ids VALUES ('A', share_acl.create_resource(pg_temp.id('ws'), 'asset', pg_temp.id('P')));
INSERT INTO toks VALUES ('t1', share_acl.create_link(pg_temp.id('P')));
INSERT INTO toks VALUES ('t2', share_acl.create_link(pg_temp.id('A'), 'view_only'));
INSERT INTO ids SELECT 'L1', id FROM share_acl.link WHERE resource_id = pg_temp.id('P');
INSERT INTO ids SELECT 'L2', id FROM share_acl.link WHERE resource_id = pg_temp.id('A');
SELECT share_acl.set_principal(NULL);
-- the newest active key, whatever earlier runs of the database left
CREATE TEMP TABLE k0 AS
SELECT kid, secret FROM share_acl.signing_key WHERE retired_at IS NULL ORDER BY kid DESC LIMIT 1;

-- ------------------------------------------------------------------ format
SELECT is(length(pg_temp.tok('t1')), 60, 'a token has 60 characters');
SELECT ok(pg_temp.tok('t1') ~ '^[A-Za-z0-9_-]+$' AND pg_temp.tok('t2') ~ '^[A-Za-z0-9_-]+$',
    'a token is URL-safe base64url without padding');
SELECT isnt(pg_temp.tok('t1'), pg_temp.tok('t2'), 'two links have different tokens');
SELECT is(pg_temp.b64url(pg_temp.unb64url(pg_temp.tok('t1'))), pg_temp.tok('t1'),
    'a token is canonical base64url');
SELECT is(length(pg_temp.unb64url(pg_temp.tok('t1'))), 45, 'a token is 45 bytes');
SELECT is(get_byte(pg_temp.unb64url(pg_temp.tok('t1')), 0), 1, 'byte 0: version 1');
SELECT is(substring(pg_temp.unb64url(pg_temp.tok('t1')) FROM 2 FOR 4),
          int4send((SELECT kid FROM k0)), 'bytes 1-4: the key id, big-endian');
SELECT is(substring(pg_temp.unb64url(pg_temp.tok('t1')) FROM 6 FOR 16), uuid_send(pg_temp.id('L1')),
    'bytes 5-20: the link id');
SELECT is(share_acl._token_sign((SELECT kid FROM k0), (SELECT secret FROM k0), pg_temp.id('L1')),
          pg_temp.tok('t1'), 'the token is recomputed from the link id and the key, not stored');
SELECT is(pg_temp.status(pg_temp.tok('t1')), 'ok', 'the token opens');
SELECT is(pg_temp.status(pg_temp.tok('t2')), 'ok', 'the other token opens');

-- --------------------------------------------------------------- tampering
SELECT is((SELECT count(*) FROM toks t, generate_series(1, 60) p, alphabet a
            WHERE t.name = 't1' AND substr(t.token, p, 1) <> a.c),
          3780::bigint, 'tampering: 60 positions times 63 other characters');
SELECT is((SELECT string_agg(p || ':' || a.c, ' ')
             FROM toks t, generate_series(1, 60) p, alphabet a
            WHERE t.name = 't1' AND substr(t.token, p, 1) <> a.c
              AND pg_temp.status(overlay(t.token PLACING a.c FROM p FOR 1)) <> 'invalid'),
          NULL, 'tampering: every other alphabet character at every position is invalid');
SELECT is((SELECT string_agg(p || ':' || c, ' ')
             FROM toks t, generate_series(1, 60) p,
                  unnest(ARRAY['=', '+', '/', ' ', '.', '%', '~', E'\t', 'é', '€']) c
            WHERE t.name = 't1'
              AND pg_temp.status(overlay(t.token PLACING c FROM p FOR 1)) <> 'invalid'),
          NULL, 'tampering: a character outside the alphabet at any position is invalid');
SELECT is((SELECT string_agg(p::text, ' ')
             FROM toks t, generate_series(1, 59) p
            WHERE t.name = 't1'
              AND pg_temp.status(overlay(t.token PLACING substr(t.token, p + 1, 1) || substr(t.token, p, 1)
                                         FROM p FOR 2)) <> 'invalid'
              AND substr(t.token, p, 1) <> substr(t.token, p + 1, 1)),
          NULL, 'tampering: swapping two neighbouring characters is invalid');
SELECT is(pg_temp.status(upper(pg_temp.tok('t1'))), 'invalid', 'tampering: upper case is invalid');
SELECT is(pg_temp.status(lower(pg_temp.tok('t1'))), 'invalid', 'tampering: lower case is invalid');
SELECT is(pg_temp.status(pg_temp.b64url(overlay(pg_temp.unb64url(pg_temp.tok('t1'))
                                                PLACING uuid_send(pg_temp.id('L2')) FROM 6 FOR 16))),
          'invalid', 'another link id under the same MAC is invalid');
SELECT is(pg_temp.status(pg_temp.b64url(overlay(pg_temp.unb64url(pg_temp.tok('t1')) PLACING '\x02' FROM 1 FOR 1))),
          'invalid', 'another version byte is invalid');
SELECT is(pg_temp.status(pg_temp.b64url(substring(pg_temp.unb64url(pg_temp.tok('t1')) FROM 1 FOR 21)
                                        || substring(pg_temp.unb64url(pg_temp.tok('t2')) FROM 22))),
          'invalid', 'the MAC of another token is invalid');
SELECT is(pg_temp.status(pg_temp.b64url(pg_temp.unb64url(pg_temp.tok('t1'))
                                        || sha256(pg_temp.unb64url(pg_temp.tok('t1'))))),
          'invalid', 'a token with extra bytes is invalid');

-- ------------------------------------------------ truncated, extended, padded
SELECT is((SELECT string_agg(n::text, ' ') FROM toks t, generate_series(0, 59) n
            WHERE t.name = 't1' AND pg_temp.status(left(t.token, n)) <> 'invalid'),
          NULL, 'truncated: every prefix is invalid');
SELECT is((SELECT string_agg(n::text, ' ') FROM toks t, generate_series(1, 59) n
            WHERE t.name = 't1' AND pg_temp.status(right(t.token, n)) <> 'invalid'),
          NULL, 'truncated: every suffix is invalid');
SELECT is((SELECT string_agg(a.c, ' ') FROM toks t, alphabet a
            WHERE t.name = 't1' AND pg_temp.status(t.token || a.c) <> 'invalid'),
          NULL, 'extended: one more alphabet character is invalid');
SELECT is((SELECT string_agg(a.c, ' ') FROM toks t, alphabet a
            WHERE t.name = 't1' AND pg_temp.status(a.c || t.token) <> 'invalid'),
          NULL, 'extended: one character in front is invalid');
SELECT is((SELECT string_agg(quote_literal(x), ' ')
             FROM toks t, unnest(ARRAY[t.token || '=', t.token || '==', t.token || '===',
                                       left(t.token, 59) || '=', left(t.token, 58) || '==',
                                       t.token || E'\n', ' ' || t.token, t.token || ' ',
                                       t.token || chr(0 + 1), t.token || t.token,
                                       translate(t.token, '-_', '+/') || '=']) x
            WHERE t.name = 't1' AND x <> t.token AND pg_temp.status(x) <> 'invalid'),
          NULL, 're-padded with =, whitespace, doubled: invalid');

-- ------------------------------------------------------------------ garbage
SELECT is(pg_temp.status(''), 'invalid', 'the empty string is invalid');
SELECT is(pg_temp.status(NULL), 'invalid', 'NULL is invalid');
SELECT is(pg_temp.status('garbage'), 'invalid', 'garbage is invalid');
SELECT is(pg_temp.status(repeat('A', 60)), 'invalid', '60 x A (well-formed, wrong MAC) is invalid');
SELECT is(pg_temp.status(repeat('_', 60)), 'invalid', '60 x _ is invalid');
SELECT is(pg_temp.status(repeat('A', 10240)), 'invalid', 'a 10 kB string is invalid');
SELECT is(pg_temp.status(pg_temp.tok('t1') || repeat('A', 10240 - 60)), 'invalid',
    'a 10 kB string starting with a real token is invalid');
SELECT is(pg_temp.status(repeat('é€', 4000)), 'invalid', 'a long non-ASCII string is invalid');
SELECT is(pg_temp.status(repeat(pg_temp.tok('t1'), 200)), 'invalid', 'a token repeated 200 times is invalid');
SELECT is(pg_temp.status(E'\\x00'), 'invalid', 'a backslash string is invalid');

-- -------------------------------------------------------------- wrong keys
SELECT is(pg_temp.status(share_acl._token_sign((SELECT kid FROM k0), share_acl._random_bytes(32), pg_temp.id('L1'))),
          'invalid', 'signed with another secret: invalid');
SELECT is(pg_temp.status(share_acl._token_sign((SELECT kid FROM k0) + 1000, (SELECT secret FROM k0), pg_temp.id('L1'))),
          'invalid', 'an unknown key id (signed with a real secret): invalid');
SELECT is(pg_temp.status(pg_temp.b64url(overlay(pg_temp.unb64url(pg_temp.tok('t1'))
                                                PLACING int4send((SELECT kid FROM k0) + 1) FROM 2 FOR 4))),
          'invalid', 'another key id under the same MAC: invalid');

-- ----------------------------------------------------------------- link_id
SELECT is(share_acl.link_id(pg_temp.tok('t1')), pg_temp.id('L1'), 'link_id: the id of the link a token names');
SELECT is(share_acl.link_id(overlay(pg_temp.tok('t1') placing
                                    CASE WHEN substr(pg_temp.tok('t1'), 40, 1) = 'A' THEN 'B' ELSE 'A' END
                                    FROM 40 FOR 1)), NULL,
    'link_id: a token with one character changed names nothing');
SELECT is(ARRAY[share_acl.link_id(''), share_acl.link_id('garbage'), share_acl.link_id(repeat('A', 60))],
    ARRAY[NULL, NULL, NULL]::uuid[], 'link_id: malformed tokens name nothing, without an error');
SELECT is(share_acl.link_id(NULL), NULL, 'link_id(NULL) is NULL');
-- a link deleted with its resource: its token opens as invalid, and still
-- names the id it was made for (link_id reads no link row)
SELECT pg_temp.act('alice');
INSERT INTO ids VALUES ('B', share_acl.create_resource(pg_temp.id('ws'), 'asset', pg_temp.id('P')));
INSERT INTO toks VALUES ('t4', share_acl.create_link(pg_temp.id('B')));
SELECT share_acl.delete_resource(pg_temp.id('B'));
SELECT share_acl.set_principal(NULL);
SELECT is(pg_temp.status(pg_temp.tok('t4')), 'invalid', 'a deleted link''s token is invalid');
SELECT isnt(share_acl.link_id(pg_temp.tok('t4')), NULL, 'link_id: a deleted link''s token names the id it was made for');

-- ---------------------------------------------------------------- rotation
CREATE TEMP TABLE k2 AS SELECT share_acl.rotate_signing_key() AS kid;
SELECT is((SELECT kid FROM k2), (SELECT kid FROM k0) + 1, 'rotate_signing_key returns the next key id');
SELECT ok((SELECT length(s.secret) >= 32 AND s.secret <> (SELECT secret FROM k0) AND NOT s.in_use
             FROM share_acl.signing_key s WHERE s.kid = (SELECT kid FROM k2)),
          'the new key is a fresh random secret of 32 bytes or more');
-- a key made in this database gets a secret of its own when it first
-- signs, as one made elsewhere does (below): a dump taken before holds the
-- secret it was made with, which a restore elsewhere (another cluster's
-- database may have this one's oid) must not sign with
CREATE TEMP TABLE k2_made AS SELECT secret FROM share_acl.signing_key WHERE kid = (SELECT kid FROM k2);
SELECT pg_temp.act('alice');
INSERT INTO toks VALUES ('t3', share_acl.create_link(pg_temp.id('A'), label => 'after rotation'));
SELECT share_acl.set_principal(NULL);
SELECT ok((SELECT s.in_use AND s.made_in IS NOT NULL AND s.secret <> (SELECT secret FROM k2_made)
                  AND length(s.secret) = 32
             FROM share_acl.signing_key s WHERE s.kid = (SELECT kid FROM k2)),
          'a key made in this database gets a secret of its own at its first signature (a dump taken before holds another)');
SELECT is(substring(pg_temp.unb64url(pg_temp.tok('t3')) FROM 2 FOR 4), int4send((SELECT kid FROM k2)),
    'a link created after the rotation is signed with the new key');
SELECT is(pg_temp.status(pg_temp.tok('t1')), 'ok', 'rotation: a token of the old key still opens');
SELECT is(pg_temp.status(pg_temp.tok('t3')), 'ok', 'rotation: a token of the new key opens');
SELECT lives_ok(format('SELECT share_acl.retire_signing_key(%s)', (SELECT kid FROM k0)), 'retire the old key');
SELECT is(pg_temp.status(pg_temp.tok('t1')), 'invalid', 'retired: a token of the retired key is invalid');
SELECT is(pg_temp.status(pg_temp.tok('t2')), 'invalid', 'retired: every token of the retired key is invalid');
SELECT is(pg_temp.status(pg_temp.tok('t3')), 'ok', 'retired: a token of the new key still opens');
SELECT is(share_acl.link_id(pg_temp.tok('t1')), NULL, 'link_id: a token of a retired key names nothing');
SELECT isnt(share_acl.link_id(pg_temp.tok('t3')), NULL, 'link_id: a token of the new key names its link');
SELECT throws_ok(format('SELECT share_acl.retire_signing_key(%s)', (SELECT kid FROM k2)), '55000', NULL,
    'the last active key cannot be retired');
SELECT throws_ok('SELECT share_acl.retire_signing_key(999999)', 'P0002', NULL, 'an unknown key id is P0002');
SELECT lives_ok(format('SELECT share_acl.retire_signing_key(%s)', (SELECT kid FROM k0)),
    'retiring a retired key again changes nothing');

-- restore path: an unused key is replaced by an insert of its kid, a used one is not
SELECT lives_ok(format('INSERT INTO share_acl.signing_key (kid, secret) VALUES (%s, share_acl._random_bytes(32))',
                       (SELECT kid FROM k2) + 1),
    'insert a key');
SELECT lives_ok(format('INSERT INTO share_acl.signing_key (kid, secret) VALUES (%s, share_acl._random_bytes(40))',
                       (SELECT kid FROM k2) + 1),
    'an unused key is replaced by inserting its kid again (what a restore does)');
SELECT throws_ok(format('INSERT INTO share_acl.signing_key (kid, secret) VALUES (%s, share_acl._random_bytes(32))',
                        (SELECT kid FROM k2)),
    '23505', NULL, 'a key that signed tokens is never replaced');

-- ------------------------------------------------------ who may touch keys
CREATE ROLE t50_app;
GRANT share_acl_user TO t50_app;
SET LOCAL ROLE t50_app;
SELECT throws_ok('SELECT share_acl.rotate_signing_key()', '42501', NULL,
    'an application role cannot rotate keys');
SELECT throws_ok('SELECT count(*) FROM share_acl.signing_key', '42501', NULL,
    'an application role cannot read the keys');
RESET ROLE;

-- ------------------------------------------------- internal helpers, bad input
SELECT throws_ok('SELECT share_acl.retire_signing_key(NULL)', '22004', NULL, 'retire_signing_key(NULL) is 22004');
SELECT throws_ok($$SELECT share_acl._token_sign(1, '\x0102'::bytea, gen_random_uuid())$$, '22023', NULL,
    'a signing key shorter than 32 bytes is refused');
SELECT throws_ok('SELECT share_acl._random_bytes(0)', '22023', NULL, '_random_bytes: 0 bytes is 22023');
SELECT isnt(share_acl._random_bytes(32), share_acl._random_bytes(32), '_random_bytes: two draws differ');
SELECT is(ARRAY[share_acl._password_check('x', 'garbage'),
                share_acl._password_check('x', ''),
                share_acl._password_check('x', 'SCRAM-SHA-256$1:c2FsdHNhbHQ=$' || encode(sha256('a'), 'base64') || ':' || encode(sha256('b'), 'base64')),
                share_acl._password_check('x', 'SCRAM-SHA-256$4096:c2FsdHNhbHQ=$' || encode(sha256('a'), 'base64')),
                share_acl._password_check('x', 'pbkdf2$4096$salt$hash')],
          ARRAY[false, false, false, false, false],
          '_password_check: a malformed hash (or too few iterations) is false, not an error');
SELECT is(ARRAY[share_acl._password_check('x', 'SCRAM-SHA-256$100001:' || substr(h, strpos(h, ':') + 1)),
                share_acl._password_check('x', 'SCRAM-SHA-256$10000000:' || substr(h, strpos(h, ':') + 1)),
                clock_timestamp() - t < interval '1 second'],
          ARRAY[false, false, true],
    '_password_check: a hash of more than 100,000 iterations is malformed: false, at once (10,000,000 of them took seconds, uncancellable)')
  FROM (SELECT share_acl._password_hash('x') AS h, clock_timestamp() AS t) s;
SELECT is(share_acl._password_check('x', 'SCRAM-SHA-256$4096:' || substr(h, strpos(h, ':') + 1)), true,
    '_password_check: the same hash with its 4096 iterations matches')
  FROM (SELECT share_acl._password_hash('x') AS h) s;
SELECT is(share_acl._password_check('pässwörd', share_acl._password_hash('pässwörd')), true,
    '_password_check: a non-ASCII password matches its hash');
SELECT isnt(share_acl._password_hash('same'), share_acl._password_hash('same'),
    '_password_hash: salted (two hashes of one password differ)');

-- a key the extension made in another database (a template's, copied with
-- it: made_in names that one) gets a secret of its own at its first
-- signature, which later signatures keep; a key an administrator inserted
-- (made_in NULL: its secret may sign tokens elsewhere) keeps the one it was
-- given
CREATE TEMP TABLE k3 AS SELECT share_acl.rotate_signing_key() AS kid;
UPDATE share_acl.signing_key SET made_in = 1 WHERE kid = (SELECT kid FROM k3);
CREATE TEMP TABLE k3_made AS SELECT secret FROM share_acl.signing_key WHERE kid = (SELECT kid FROM k3);
SELECT pg_temp.act('alice');
INSERT INTO toks VALUES ('t5', share_acl.create_link(pg_temp.id('A'), label => 'copied key'));
INSERT INTO toks VALUES ('t6', share_acl.create_link(pg_temp.id('A'), label => 'copied key, again'));
SELECT share_acl.set_principal(NULL);
SELECT ok((SELECT s.in_use AND s.secret <> (SELECT secret FROM k3_made) AND length(s.secret) = 32
             FROM share_acl.signing_key s WHERE s.kid = (SELECT kid FROM k3))
          AND pg_temp.status(pg_temp.tok('t5')) = 'ok' AND pg_temp.status(pg_temp.tok('t6')) = 'ok',
    'a key made in another database gets a secret of its own at its first signature; both tokens signed with it open');
INSERT INTO share_acl.signing_key (kid, secret) VALUES ((SELECT kid FROM k3) + 1, '\x00112233445566778899aabbccddeeff00112233445566778899aabbccddeeff');
INSERT INTO toks SELECT 'signed_elsewhere', share_acl._token_sign(s.kid, s.secret, pg_temp.id('L2'))
  FROM share_acl.signing_key s WHERE s.kid = (SELECT kid FROM k3) + 1;
SELECT pg_temp.act('alice');
INSERT INTO toks VALUES ('t7', share_acl.create_link(pg_temp.id('A'), label => 'inserted key'));
SELECT share_acl.set_principal(NULL);
SELECT ok((SELECT s.in_use AND s.secret = '\x00112233445566778899aabbccddeeff00112233445566778899aabbccddeeff'::bytea
             FROM share_acl.signing_key s WHERE s.kid = (SELECT kid FROM k3) + 1)
          AND pg_temp.status(pg_temp.tok('signed_elsewhere')) = 'ok',
    'a key an administrator inserted keeps its secret at its first signature here: a token signed with it elsewhere opens');

SELECT * FROM finish();
ROLLBACK;
