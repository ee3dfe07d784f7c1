-- pgTAP: which e-mail names which principal (SPEC §6 share_with_email,
-- create_user).  Addresses are one principal with their ASCII letters
-- folded, and only those: a look-alike (a non-ASCII letter that a locale's
-- lower() folds into an ASCII one) is another address, so one tenant cannot
-- take over the shares another sends to a real address.  An external
-- principal made by share_with_email becomes a user through create_user of
-- its address (someone invited who signs up), so that no tenant can keep
-- another from making that person a member.
--
-- pg_temp.act(name) acts as a principal, pg_temp.id(name) names ids.
BEGIN;
SELECT plan(36);

CREATE TEMP TABLE ids (name text PRIMARY KEY, id uuid NOT NULL);
CREATE FUNCTION pg_temp.id(text) RETURNS uuid LANGUAGE sql STABLE
    AS $$ SELECT id FROM ids WHERE name = $1 $$;
CREATE FUNCTION pg_temp.act(text) RETURNS void LANGUAGE sql
    AS $$ SELECT share_acl.set_principal(pg_temp.id($1)) $$;

-- two tenants: ann owns A, ben owns B
INSERT INTO ids VALUES
    ('ann', share_acl.create_user('ann@t37.test')),
    ('ben', share_acl.create_user('ben@t37.test'));
INSERT INTO ids VALUES ('A', share_acl.create_workspace('t37 a', pg_temp.id('ann')));
INSERT INTO ids VALUES ('B', share_acl.create_workspace('t37 b', pg_temp.id('ben')));
SELECT pg_temp.act('ann');
INSERT INTO ids VALUES ('PA', share_acl.create_resource(pg_temp.id('A'), 'project'));
SELECT pg_temp.act('ben');
INSERT INTO ids VALUES ('PB', share_acl.create_resource(pg_temp.id('B'), 'project'));

-- look-alikes: dotted capital I (U+0130), another letter, and the Kelvin sign
-- (U+212A), whose composed form (NFC) is K itself: refused
SELECT pg_temp.act('ann');
INSERT INTO ids SELECT 'sa', share_acl.share_with_email(pg_temp.id('PA'), U&'l\0130sa@victim.t37.test', 'viewer');
SELECT throws_ok(format('SELECT share_acl.share_with_email(%L, %L, %L)', pg_temp.id('PA'), U&'\212Aim@victim.t37.test', 'viewer'),
    '22023', NULL, 'share_with_email: the Kelvin sign (U+212A), K in composed form, is refused');
SELECT pg_temp.act('ben');
INSERT INTO ids SELECT 'sb', share_acl.share_with_email(pg_temp.id('PB'), 'lisa@victim.t37.test', 'editor');
INSERT INTO ids SELECT 'sb2', share_acl.share_with_email(pg_temp.id('PB'), 'kim@victim.t37.test', 'editor');
SELECT isnt((SELECT grantee_id FROM share_acl.share WHERE id = pg_temp.id('sb')),
            (SELECT grantee_id FROM share_acl.share WHERE id = pg_temp.id('sa')),
    'share_with_email: a look-alike address (U+0130) is another principal');
SELECT is((SELECT count(*) FROM share_acl.share s JOIN share_acl.principal p ON p.id = s.grantee_id
            WHERE p.email = 'kim@victim.t37.test'), 1::bigint,
    'share_with_email: the real address has only its own share (none of the look-alike''s)');
SELECT is((SELECT email FROM share_acl.principal p JOIN share_acl.share s ON s.grantee_id = p.id
            WHERE s.id = pg_temp.id('sb')), 'lisa@victim.t37.test',
    'share_with_email: the share goes to the address named');
SELECT is(share_acl.has_access((SELECT grantee_id FROM share_acl.share WHERE id = pg_temp.id('sa')),
                               pg_temp.id('PB'), 'view'), false,
    'share_with_email: the look-alike principal gets nothing of the other tenant''s share');
INSERT INTO ids SELECT 'sb3', share_acl.share_with_email(pg_temp.id('PB'), 'LISA@Victim.T37.test', 'viewer');
SELECT is((SELECT grantee_id FROM share_acl.share WHERE id = pg_temp.id('sb3')),
          (SELECT grantee_id FROM share_acl.share WHERE id = pg_temp.id('sb')),
    'share_with_email: ASCII letters are matched case-insensitively');

-- an address another tenant invited: its owner signs up, and B makes it a member
SELECT pg_temp.act('ann');
SELECT share_acl.share_with_email(pg_temp.id('PA'), 'NewHire@t37.test', 'viewer');
INSERT INTO ids SELECT 'new', id FROM share_acl.principal WHERE email = 'NewHire@t37.test';
SELECT set_config('share_acl.principal', '', true);
SELECT is(share_acl.create_user('newhire@T37.test', 'New Hire'), pg_temp.id('new'),
    'create_user: the address of an external principal makes that principal a user');
SELECT is((SELECT kind::text || ' ' || display_name FROM share_acl.principal WHERE id = pg_temp.id('new')),
    'user New Hire', 'create_user: ... of kind user, with the display name given');
SELECT is(share_acl.has_access(pg_temp.id('new'), pg_temp.id('PA'), 'view'), true,
    'create_user: ... keeping the shares and the guest role it had');
SELECT pg_temp.act('ben');
SELECT lives_ok($$SELECT share_acl.add_member(pg_temp.id('B'), pg_temp.id('new'), 'member')$$,
    'add_member: another tenant makes it a member');
SELECT is((SELECT role::text FROM share_acl.member WHERE workspace_id = pg_temp.id('B') AND principal_id = pg_temp.id('new')),
    'member', 'add_member: ... with the role member');
SELECT set_config('share_acl.principal', '', true);
SELECT throws_ok($$SELECT share_acl.create_user('NEWHIRE@t37.test')$$, '23505',
    'a principal with e-mail "NEWHIRE@t37.test" already exists',
    'create_user: the address of a user is taken (23505)');
SELECT throws_ok($$SELECT share_acl.create_user('Ann@T37.TEST')$$, '23505', NULL,
    'create_user: ... with its ASCII letters in any case');

-- addresses that would display as another, or break what shows them
SELECT pg_temp.act('ann');
SELECT throws_ok(format('SELECT share_acl.share_with_email(%L, %L, %L)', pg_temp.id('PA'), U&'ceo\202E@evil.t37.test', 'viewer'),
    '22023', NULL, 'share_with_email: a right-to-left override is refused (22023)');
SELECT throws_ok(format('SELECT share_acl.share_with_email(%L, %L, %L)', pg_temp.id('PA'), U&'an\200Bn@t37.test', 'viewer'),
    '22023', NULL, 'share_with_email: a zero-width space is refused');
SELECT throws_ok(format('SELECT share_acl.share_with_email(%L, %L, %L)', pg_temp.id('PA'), '<b>x</b>@t37.test', 'viewer'),
    '22023', NULL, 'share_with_email: < > are refused');
SELECT throws_ok(format('SELECT share_acl.share_with_email(%L, %L, %L)', pg_temp.id('PA'), U&'an\034Fn@t37.test', 'viewer'),
    '22023', NULL, 'share_with_email: a combining grapheme joiner (shows nothing) is refused');
SELECT throws_ok(format('SELECT share_acl.share_with_email(%L, %L, %L)', pg_temp.id('PA'), U&'an\2800n@t37.test', 'viewer'),
    '22023', NULL, 'share_with_email: a blank braille pattern is refused');
SELECT throws_ok($$INSERT INTO share_acl.principal (kind, email) VALUES ('external', U&'ceo\202E@evil.t37.test')$$,
    '23514', NULL, 'a direct INSERT meets the same rule (the CHECK of principal.email)');
SELECT lives_ok(format('SELECT share_acl.share_with_email(%L, %L, %L)', pg_temp.id('PA'), U&'m\00FCller@t37.test', 'viewer'),
    'share_with_email: a non-ASCII letter is fine');
SELECT throws_ok(format('SELECT share_acl.share_with_email(%L, %L, %L)', pg_temp.id('PA'), U&'mu\0308ller@t37.test', 'viewer'),
    '22023', NULL, 'share_with_email: the same letter decomposed (u and a combining diaeresis), which displays as it, is refused');
SELECT throws_ok($$INSERT INTO share_acl.principal (kind, email) VALUES ('external', U&'mu\0308ller@t37.test')$$,
    '23514', NULL, '... also by a direct INSERT (the CHECK of principal.email)');

-- other spellings of one mailbox, each of which would be a second principal
-- for it (a member's alias of itself, past "not to oneself"): refused
SELECT is(array_agg(a ORDER BY a) FILTER (WHERE share_acl.is_valid_email(a)), NULL,
    'is_valid_email: a trailing dot, an empty label, a port, an address literal, a non-ASCII domain, a hyphen at a label''s end, a comment, a dot first, last or doubled in the name: none is an address')
  FROM unnest(ARRAY['ann@t37.test.', 'ann@t37..test', 'ann@.t37.test', 'ann@t37.test:25', 'ann@[192.0.2.1]',
                    U&'ann@t\FF13\FF17.test', U&'ann@t37.t\00E9st', 'ann@-t37.test', 'ann@t37-.test', 'ann@t37.test-',
                    'ann(x)@t37.test', 'ann@(x)t37.test', '.ann@t37.test', 'ann.@t37.test', 'a..nn@t37.test',
                    'ann\@t37.test', 'ann,bo@t37.test', 'ann;@t37.test', 'ann@t37_x.test']) a;
SELECT throws_ok(format('SELECT share_acl.share_with_email(%L, %L, %L)', pg_temp.id('PA'), 'ann@t37.test.', 'viewer'),
    '22023', NULL, 'share_with_email: the owner''s own address with a trailing dot is refused (22023), not a new principal');
SELECT throws_ok(format('SELECT share_acl.request_review(%L, %L, reviewer_emails => %L)', pg_temp.id('PA'), '{}', ARRAY['ANN@T37.TEST.']),
    '22023', NULL, 'request_review: ... also as a reviewer''s e-mail');
SELECT throws_ok(format('SELECT share_acl.share_with_email(%L, %L, %L)', pg_temp.id('PA'), U&'ben@t\FF13\FF17.test', 'viewer'),
    '22023', NULL, 'share_with_email: a domain in fullwidth letters (IDNA maps them to ASCII) is refused');
SELECT throws_ok($$INSERT INTO share_acl.principal (kind, email) VALUES ('external', 'ben@t37.test.')$$,
    '23514', NULL, '... and a direct INSERT of a trailing dot (the CHECK of principal.email)');
SELECT is(array_agg(a ORDER BY a) FILTER (WHERE NOT share_acl.is_valid_email(a)), NULL,
    'is_valid_email: a one-label domain, a hyphen inside a label, an xn-- domain, the signs of a dot-atom and a non-ASCII name are addresses')
  FROM unnest(ARRAY['x@y', 'ann@t-37.test', 'ann@xn--mnchen-3ya.de', 'ann+tag@t37.test', U&'o''brien!#$%&*/=?^_`{|}~-@t37.test',
                    'first.last@T37.TEST', U&'m\00FCller@t37.test', '1@2.3']) a;
-- the lengths mail and DNS allow: a name of 64 bytes, a label of 63, a domain of 253
SELECT is(array_agg(length(a) ORDER BY a) FILTER (WHERE NOT share_acl.is_valid_email(a)), NULL,
    'is_valid_email: a name of 64 bytes, a label of 63 characters and a domain of 253 are addresses')
  FROM unnest(ARRAY[repeat('n', 64) || '@t37.test', repeat('n', 31) || U&'\00FC' || '@t37.test',
                    'ann@' || repeat('d', 63) || '.test',
                    'ann@' || repeat(repeat('d', 62) || '.', 4) || 'x']) a;
SELECT is(array_agg(length(a) ORDER BY a) FILTER (WHERE share_acl.is_valid_email(a)), NULL,
    'is_valid_email: a name of 65 bytes (also of 33 two-byte letters), a label of 64 characters and a domain of 254 are not')
  FROM unnest(ARRAY[repeat('n', 65) || '@t37.test', repeat(U&'\00FC', 33) || '@t37.test',
                    'ann@' || repeat('d', 64) || '.test',
                    'ann@' || repeat(repeat('d', 62) || '.', 4) || 'xy']) a;
SELECT set_config('share_acl.principal', '', true);
SELECT throws_ok(format('SELECT share_acl.create_user(%L)', repeat('n', 65) || '@t37.test'), '22023', NULL,
    'create_user: a name of 65 bytes is refused (22023)');
SELECT set_config('share_acl.principal', '', true);
SELECT throws_ok(format('SELECT share_acl.create_user(%L)', 'new@t37.test.'), '22023', NULL,
    'create_user: a trailing dot is refused (22023)');
SELECT pg_temp.act('ann');
CREATE TEMP TABLE tok AS SELECT share_acl.create_link(pg_temp.id('PA')) AS t;
SELECT throws_ok(format('SELECT * FROM share_acl.open_link(%L, viewer_email => %L)', (SELECT t FROM tok), 'ann@t37.test.'),
    '22023', NULL, 'open_link: a viewer e-mail with a trailing dot is refused');
SELECT throws_ok(format('SELECT * FROM share_acl.open_link(%L, viewer_email => %L)', (SELECT t FROM tok), U&'ceo\202E@evil.t37.test'),
    '22023', NULL, 'open_link: a viewer e-mail with a right-to-left override is refused');

-- a long address is shown cut at 320 bytes, the cut marked
SELECT throws_ok(format('SELECT share_acl.create_user(%L)', repeat('a', 1000) || '@t37.test'), '22023',
    format('invalid e-mail address: "%s..."', repeat('a', 320)),
    'create_user: an over-long address is shown cut, with "..." where it is cut');
SELECT throws_ok(format('SELECT share_acl.create_user(%L)', repeat('a', 65) || '@t37.test'), '22023',
    format('invalid e-mail address: "%s@t37.test"', repeat('a', 65)),
    '... and one that fits is shown whole');

SELECT * FROM finish();
ROLLBACK;
