"""test/sweep/sweep.py — every SQL function of share_acl called with hostile
arguments (SPEC §12, bad input): NULLs, unknown ids, ids of the wrong kind,
hostile and huge strings, extreme numbers, times and intervals, broken
tokens.  Each call runs in its own transaction (rolled back): as the trusted
administrator, past every permission check, each value at each argument
place (the others drawn at random), then random draws; random draws as an
application role acting for a member, and as a role with no share_acl
rights.  A function passes when every call returned or raised an error
with a specific SQLSTATE: none of class XX (internal) or 58 (system), and
no call lost its connection; the server must not have restarted.  Prints
one TAP line per function: ok/not ok."""
import random
import sys
import uuid

import psycopg
from psycopg.types.string import TextLoader

db = sys.argv[1]
calls = int(sys.argv[2]) if len(sys.argv) > 2 else 12
random.seed(20261204)


def connect():
    conn = psycopg.connect(dbname=db)
    # (results read as text: a time of ±infinity, which a function may rightly
    # return, has no Python datetime, and the client, not the server, would
    # raise on it)
    for t in ('timestamptz', 'timestamp', 'date', 'interval'):
        conn.adapters.register_loader(t, TextLoader)
    return conn


admin = connect()
admin.autocommit = True
ids = {n: (str(i) if i else None, t) for n, i, t in admin.execute("SELECT name, id, token FROM sweep_ids")}
started = admin.execute("SELECT pg_postmaster_start_time()").fetchone()[0]
token = ids['link'][1]
secret = admin.execute("SELECT secret FROM share_acl.signing_key ORDER BY kid LIMIT 1").fetchone()[0]
link_row = admin.execute("SELECT l::text FROM share_acl.link l LIMIT 1").fetchone()[0]
resource_row = admin.execute("SELECT r::text FROM share_acl.resource r WHERE r.id = %s", (ids['asset'][0],)).fetchone()[0]
uuids = [None, str(uuid.uuid4()), '00000000-0000-0000-0000-000000000000',
         'ffffffff-ffff-ffff-ffff-ffffffffffff'] + [i for i, _ in ids.values()]
texts = [None, '', 'x' * 20000, '\x01\x02\x7f', 'view', 'view,comment', 'all', ' view , edit ',
         'member@sweep.example', 'MEMBER@SWEEP.EXAMPLE', 'new@sweep.example', 'a@b', '@', 'x' * 300 + '@x.co',
         'Ünïcödé 🙂', "'; SELECT 1; --", '%s%n%x', '\\', '{"a":1}', 'NaN', '-1', '   ', '\u202e',
         'approve', 'approved', 'changes_requested', 'review_requested', 'share_received',
         'allow_external_sharing', 'allow_public_links', 'true', 'false', 'on', '1', 'null',
         token, token[:-1], token[:-2] + ('A' if token[-2] != 'A' else 'B') + token[-1],
         token + '.', token.replace('.', '..', 1), 'sa1.' + 'A' * 200, '.' * 10, str(uuid.uuid4())]
values = {
    'uuid': uuids,
    'text': texts,
    'name': [None, 'id', 'project_id', 'title', 'nope', 'x' * 100, 'oid', 'ctid'],
    'share_acl.permset': [None, 'view', '', 'view,comment,download,edit,delete,share,change_permissions,make_public',
                          'viewer', 'editor', 'manager', 'owner'],
    'timestamp with time zone': [None, 'infinity', '-infinity', 'now', '1970-01-01', '294276-12-31 23:59:59+00',
                                 '4713-01-01 BC', '2000-01-01', '2999-01-01'],
    'interval': [None, '-1 day', '0', '1000000 years', '1 second', '-178000000 years', '178000000 years'],
    'bytea': [None, b'', b'\x00' * 16, bytes(secret), b'x' * 100000],
    'xid': [None, '0', '1', '2', '3', '4294967295'],
    'share_acl.link': [None, link_row],
    'share_acl.resource': [None, resource_row],
    'integer': [None, 0, -1, 1, 2147483647, -2147483648, 1000000],
    'bigint': [None, 0, -1, 9223372036854775807, -9223372036854775808],
    'boolean': [None, True, False],
    'date': [None, 'infinity', '-infinity', '2000-01-01'],
    'jsonb': [None, '{}', '[]', 'null', '"x"', '{"a":' * 200 + '1' + '}' * 200],
    'regclass': [None, 'sweep_asset', 'sweep_ids', 'pg_class', 'share_acl.resource', 'share_acl.audit_log'],
    'share_acl.general_access': [None, 'private', 'workspace', 'public'],
    'share_acl.resource_kind': [None, 'project', 'asset', 'collection'],
    'share_acl.workspace_role': [None, 'owner', 'admin', 'member', 'guest'],
    'text[]': [None, [], [None], ['member@sweep.example', 'x'], [''], ['new@sweep.example'] * 3],
    'uuid[]': [None, [], [None], [str(uuid.uuid4())], uuids[1:], [ids['member'][0]] * 2],
}
modes = {
    'administrator': [],
    'member': ["SET LOCAL ROLE sweep_app", "SELECT share_acl.set_principal(%s)" % repr(ids['member'][0])],
    'no rights': ["SET LOCAL ROLE sweep_nobody"],
}
funcs = admin.execute("""
    SELECT p.proname, p.prokind, pg_get_function_identity_arguments(p.oid),
           coalesce(array(SELECT format_type(t, NULL) FROM unnest(p.proargtypes) t), '{}')
      FROM pg_proc p
     WHERE p.pronamespace = 'share_acl'::regnamespace AND p.prokind IN ('f', 'p')
       AND p.prorettype NOT IN ('trigger'::regtype, 'event_trigger'::regtype, 'internal'::regtype)
       AND NOT 'cstring'::regtype = ANY (p.proargtypes) AND NOT 'internal'::regtype = ANY (p.proargtypes)
     ORDER BY 1, 3""").fetchall()
conn = connect()
n = 0
failed = 0
total = 0
for name, kind, signature, types in funcs:
    missing = [t for t in types if t not in values]
    problems = []
    if missing:
        problems.append('no hostile values for ' + ', '.join(missing))
    ncalls = 0
    for mode, prologue in modes.items():
        tries = []
        if not missing:
            # as the administrator (past every permission check) each value
            # at each place, the others drawn at random; then random draws
            if mode == 'administrator':
                for i, t in enumerate(types):
                    for v in values[t]:
                        tries.append([v if j == i else random.choice(values[u]) for j, u in enumerate(types)])
            for _ in range(calls if types else 1):
                tries.append([random.choice(values[t]) for t in types])
        for args in tries:
            sql = ('CALL' if kind == 'p' else 'SELECT') + ' share_acl.%s(%s)' % (
                name, ', '.join('%%s::%s' % t for t in types))
            ncalls += 1
            try:
                with conn.transaction(force_rollback=True):
                    conn.execute("SET LOCAL statement_timeout = '10s'")
                    for p in prologue:
                        conn.execute(p)
                    cur = conn.execute(sql, args)
                    if cur.description is not None:
                        cur.fetchall()
            except psycopg.Error as e:
                if conn.broken or conn.closed:
                    problems.append('%s: connection lost: %s %s' % (mode, args, str(e).splitlines()[0][:200]))
                    conn = connect()
                elif e.sqlstate is None or e.sqlstate[:2] in ('XX', '58'):
                    problems.append('%s: SQLSTATE %s %s: %s' % (mode, e.sqlstate, [str(a)[:40] for a in args],
                                                                  str(e).splitlines()[0][:200]))
    n += 1
    total += ncalls
    label = '%s(%s): %d calls with hostile arguments' % (name, signature, ncalls)
    if problems:
        failed += 1
        print('not ok %d - %s' % (n, label))
        for p in problems[:5]:
            print('#   ' + p)
    else:
        print('ok %d - %s' % (n, label))
n += 1
try:
    again = connect().execute("SELECT pg_postmaster_start_time()").fetchone()[0]
except psycopg.Error as e:
    again = None
if again == started:
    print('ok %d - the server did not restart' % n)
else:
    failed += 1
    print('not ok %d - the server did not restart' % n)
print('# %d functions, %d calls' % (n - 1, total))
print('1..%d' % n)
sys.exit(1 if failed else 0)
