"""R13 across the moment a commit is visible but its invalidation not yet sent
(test/visibility/run.sh says why).  Each case: a warm reader session runs
REPEATABLE READ transactions one after the other, each asking has_access and
reading, in the same statement, the rows that decide it under its snapshot;
meanwhile a prepared transaction that makes a change and drops many tables
is committed (COMMIT PREPARED unlinks their files before it sends the
invalidation).  Every answer must agree with the rows the same transaction
sees.  Prints one 'ok' or 'not ok' line per case."""
import os
import sys
import threading
import time

import psycopg

DB = sys.argv[1]
DSN = f"dbname={DB}"
TABLES = 300        # dropped by each prepared transaction
ROUNDS = 4          # commits per case

admin = psycopg.connect(DSN, autocommit=True)


def one(sql, *args):
    return admin.execute(sql, args).fetchone()[0]


owner = one("SELECT share_acl.create_user('owner@visibility.test')")
bob = one("SELECT share_acl.create_user('bob@visibility.test')")
ws = one("SELECT share_acl.create_workspace('visibility', %s)", owner)
# (bob is no member: his rights are his share's alone, which a member's role
# would cap)
admin.execute("SELECT share_acl.set_principal(%s)", (owner,))


def as_owner(sql, *args):
    with admin.transaction():
        admin.execute("SELECT share_acl.set_principal(%s)", (owner,))
        return admin.execute(sql, args).fetchone()[0]


def commit_prepared(change, *args):
    """Make the change in a prepared transaction that also drops TABLES tables,
    and commit it."""
    with admin.transaction():
        for i in range(TABLES):
            admin.execute(f"CREATE TABLE public.visibility_ballast_{i} (x int)")
    w = psycopg.connect(DSN, autocommit=True)
    w.execute("BEGIN")
    w.execute("SELECT share_acl.set_principal(%s)", (owner,))
    w.execute(change, args or None)     # (no arguments: several statements)
    for i in range(TABLES):
        w.execute(f"DROP TABLE public.visibility_ballast_{i}")
    w.execute("PREPARE TRANSACTION 'share_acl_visibility'")
    w.execute("COMMIT PREPARED 'share_acl_visibility'")
    w.close()


def race(name, check, setup, change, stale):
    """check: a statement giving (answer, truth) booleans; stale(answer, truth)
    says the answer is the state before the change while the snapshot holds
    the one after (an answer newer than the snapshot is allowed: checks read
    the latest committed state).  setup() before each round, change(args) =
    (sql, args)."""
    wrong = 0
    seen = 0
    for _ in range(ROUNDS):
        args = setup()
        reader = psycopg.connect(DSN)
        reader.execute(check, args)          # warm
        reader.commit()
        stop = threading.Event()
        counts = {'n': 0, 'wrong': 0}

        def read():
            while not stop.is_set():
                reader.execute("BEGIN ISOLATION LEVEL REPEATABLE READ")
                answer, truth = reader.execute(check, args).fetchone()
                reader.commit()
                counts['n'] += 1
                if stale(answer, truth):
                    counts['wrong'] += 1
        t = threading.Thread(target=read)
        t.start()
        time.sleep(0.2)
        sql, cargs = change(args)
        commit_prepared(sql, *cargs)
        time.sleep(0.2)
        stop.set()
        t.join()
        reader.close()
        wrong += counts['wrong']
        seen += counts['n']
    line = f"{name}: {wrong} of {seen} transactions answered from before the change their snapshot sees"
    print(("ok " if wrong == 0 and seen > 0 else "not ok ") + line, flush=True)


project = as_owner("SELECT share_acl.create_resource(%s, 'project')", ws)
other = as_owner("SELECT share_acl.create_resource(%s, 'project')", ws)


def editor_share():
    """bob's share on the project, an editor one (made again)"""
    with admin.transaction():
        admin.execute("SELECT share_acl.set_principal(%s)", (owner,))
        admin.execute("SELECT share_acl.unshare(s.id) FROM share_acl.share s"
                      " WHERE s.resource_id = %s AND s.grantee_id = %s", (project, bob))
    return as_owner("SELECT share_acl.share(%s, %s, 'editor')", project, bob)


def stale_allow(answer, truth):
    return answer and not truth


def asset_and_share():
    """a new asset below the project, and bob's editor share on the project"""
    asset = as_owner("SELECT share_acl.create_resource(%s, 'asset', %s)", ws, project)
    return (bob, asset, editor_share())


# 1. a share revoked (unshare): bob's edit on an asset below the project


race("a revoked share denies at once",
     "SELECT share_acl.has_access(%s, %s, 'edit'),"
     " EXISTS (SELECT 1 FROM share_acl.share WHERE id = %s)",
     asset_and_share,
     lambda a: ("SELECT share_acl.unshare(%s)", (a[2],)), stale_allow)


# 2. a share narrowed (update_share to viewer)


race("a narrowed share denies the flag at once",
     "SELECT share_acl.has_access(%s, %s, 'edit'),"
     " (SELECT perms::text FROM share_acl.share WHERE id = %s) LIKE '%%edit%%'",
     asset_and_share,
     lambda a: ("SELECT share_acl.update_share(%s, perms => 'viewer')", (a[2],)), stale_allow)


# 3. an asset moved out of the shared project (the structure)
def move_setup():
    asset = as_owner("SELECT share_acl.create_resource(%s, 'asset', %s)", ws, project)
    return (bob, asset, project)


editor_share()
race("a moved asset answers from its new place at once",
     "SELECT share_acl.has_access(%s, %s, 'edit'),"
     " (SELECT parent_id FROM share_acl.resource WHERE id = %s) = %s",
     lambda: (lambda s: (s[0], s[1], s[1], s[2]))(move_setup()),
     lambda a: ("SELECT share_acl.move_resource(%s, %s)", (a[1], other)), stale_allow)


# 4. a new asset in the shared project is known at once
def new_setup():
    asset = os.urandom(16).hex()
    return (bob, asset, asset)


race("a new asset is known at once",
     "SELECT coalesce(share_acl.has_access(%s, %s::uuid, 'edit'), false),"
     " EXISTS (SELECT 1 FROM share_acl.resource WHERE id = %s::uuid)",
     new_setup,
     lambda a: ("SELECT share_acl.create_resource(%s, 'asset', %s, %s::uuid)", (ws, project, a[1])),
     lambda answer, truth: truth and not answer)


# 5. the same move written by hand by an owner, with the log's counting
# trigger and the resource's log trigger off, its entry inserted by hand,
# both triggers on again (a reader with the library preloaded skips the log
# only while the counting trigger's row, as its snapshot sees it, says every
# writer it had not seen was counted)
HAND_MOVE = """
ALTER TABLE share_acl.change_log DISABLE TRIGGER change_log_written;
ALTER TABLE share_acl.resource DISABLE TRIGGER zz_change_log_update;
UPDATE share_acl.resource SET parent_id = '{other}' WHERE id = '{asset}';
INSERT INTO share_acl.change_log (kind, id) VALUES ('r', '{asset}');
ALTER TABLE share_acl.resource ENABLE ALWAYS TRIGGER zz_change_log_update;
ALTER TABLE share_acl.change_log ENABLE ALWAYS TRIGGER change_log_written;
"""
race("a move written by hand with the log's triggers off answers from its new place at once",
     "SELECT share_acl.has_access(%s, %s, 'edit'),"
     " (SELECT parent_id FROM share_acl.resource WHERE id = %s) = %s",
     lambda: (lambda s: (s[0], s[1], s[1], s[2]))(move_setup()),
     lambda a: (HAND_MOVE.format(other=other, asset=a[1]), ()), stale_allow)
