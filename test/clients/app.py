"""test/clients/app.py — share_acl from psycopg 3 and asyncpg through PgBouncer
in transaction pooling mode (run by test/clients/run.sh, which starts the pooler).

Sets up, directly as the superuser, a workspace (an owner, a member, a guest
with one asset shared to her, an outsider), an application table app.asset
behind share_acl.protect(), and the role clients_app (share_acl_user) that the
application connects as.  Then, through the pooler as clients_app, runs the
requests of a web application: each one a transaction that sets its principal
with set_principal() and reads app.asset.  What each principal must see is
what share_acl.has_access() says, asked directly.  Also through the pooler: a
multi-statement query in autocommit keeps its principal to its end only; a
share link's context (open_link) lasts its transaction; ten wrong passwords,
each rolled back by the client, lock the link; psycopg's AsyncConnection;
with share_acl.session_principal = refuse (set for clients_app, as the README
advises behind a pooler), a principal one client SETs for the session is
refused to the transactions that set none (55000), never acted as.  Directly:
asyncpg with the README's binary codec reads a permset inside a record.

Prints one "ok N - ..." / "not ok N - ..." line per check and a summary line;
exits 1 when a check failed.
"""
import asyncio
import os
import random
import struct
import sys
import uuid

import asyncpg
import psycopg
from psycopg import errors

DB = os.environ["CLIENTS_DB"]
DIRECT = dict(host=os.environ["PGHOST"], port=int(os.environ["PGPORT"]), dbname=DB,
              user=os.environ.get("PGUSER", "postgres"))
# prepare_threshold=None: psycopg prepares no statement, as a transaction
# pooler needs (a prepared statement lives on one server connection)
POOLED = dict(host=os.environ["BOUNCER_HOST"], port=int(os.environ["BOUNCER_PORT"]),
              dbname="clients", user="clients_app", prepare_threshold=None)

PASSWORD = "correct horse battery"
# the principals of the data set: the owner, a member, a guest, an outsider
PRINCIPALS = ("owner", "alice", "bob", "carol")

checks = 0
failures = 0


def check(ok, name, detail=""):
    global checks, failures
    checks += 1
    if ok:
        print(f"ok {checks} - {name}")
    else:
        failures += 1
        print(f"not ok {checks} - {name}" + (f": {detail}" if detail else ""))


def setup():
    """The model and the application table, as the superuser; returns the ids."""
    ids = {}
    with psycopg.connect(**DIRECT, autocommit=True) as c:
        for name in PRINCIPALS:
            ids[name] = c.execute("SELECT share_acl.create_user(%s)", (f"{name}@clients.test",)).fetchone()[0]
        ws = c.execute("SELECT share_acl.create_workspace('clients', %s)", (ids["owner"],)).fetchone()[0]
        c.execute("SELECT share_acl.add_member(%s, %s, 'member')", (ws, ids["alice"]))
        c.execute("SELECT share_acl.add_member(%s, %s, 'guest')", (ws, ids["bob"]))
        c.execute("CREATE SCHEMA app")
        c.execute("CREATE TABLE app.asset (id uuid PRIMARY KEY, project_id uuid NOT NULL, title text NOT NULL)")
        c.execute("SELECT share_acl.protect('app.asset', 'id', 'project_id')")
        c.execute("GRANT USAGE ON SCHEMA app TO share_acl_user")
        c.execute("GRANT SELECT, INSERT, UPDATE, DELETE ON app.asset TO share_acl_user")
        # (before any pooled server connection exists: each starts with it)
        c.execute("ALTER ROLE clients_app SET share_acl.session_principal = refuse")
        with c.transaction():
            c.execute("SELECT share_acl.set_principal(%s)", (ids["owner"],))
            shared = c.execute("SELECT share_acl.create_resource(%s, 'project')", (ws,)).fetchone()[0]
            private = c.execute("SELECT share_acl.create_resource(%s, 'project')", (ws,)).fetchone()[0]
            c.execute("SELECT share_acl.share(%s, %s, 'viewer')", (shared, ids["alice"]))
            assets = []
            for i in range(12):
                project = shared if i < 8 else private
                a = c.execute("SELECT share_acl.create_resource(%s, 'asset', %s)", (ws, project)).fetchone()[0]
                c.execute("INSERT INTO app.asset VALUES (%s, %s, %s)", (a, project, f"cut {i}"))
                assets.append(a)
            ids["bob_share"] = c.execute("SELECT share_acl.share(%s, %s, 'viewer')",
                                         (assets[9], ids["bob"])).fetchone()[0]
            ids["bob_asset"] = assets[9]
            ids["shared"] = shared
            # a password-less link and one with a password, on the shared project
            ids["link_token"] = c.execute("SELECT share_acl.create_link(%s)", (shared,)).fetchone()[0]
            ids["pw_token"] = c.execute("SELECT share_acl.create_link(%s, password => %s)",
                                        (shared, PASSWORD)).fetchone()[0]
    return ids


def expected(ids):
    """Per principal, the ids of app.asset it may view, as has_access() says."""
    with psycopg.connect(**DIRECT, autocommit=True) as c:
        return {name: {r[0] for r in c.execute(
            "SELECT id FROM app.asset WHERE share_acl.has_access(%s, id, 'view') ORDER BY id",
            (ids[name],))}
            for name in PRINCIPALS}


def request(conn, principal):
    """One request: its principal for its transaction, the rows it sees and the backend."""
    with conn.transaction():
        conn.execute("SELECT share_acl.set_principal(%s)", (principal,))
        rows = {r[0] for r in conn.execute("SELECT id FROM app.asset")}
        pid = conn.execute("SELECT pg_backend_pid()").fetchone()[0]
    return rows, pid


def psycopg_checks(ids, want):
    check(len(want["owner"]) == 12 and len(want["alice"]) == 8 and want["bob"] == {ids["bob_asset"]}
          and not want["carol"],
          "the data set: the owner views 12 assets, the member 8, the guest her one, the outsider none",
          repr({k: len(v) for k, v in want.items()}))

    # many clients, two server connections: principals alternate on each backend
    conns = [psycopg.connect(**POOLED) for _ in range(6)]
    rng = random.Random(7)
    wrong, pids, by_pid = [], set(), {}
    for i in range(120):
        name = rng.choice(PRINCIPALS)
        rows, pid = request(conns[i % len(conns)], ids[name])
        pids.add(pid)
        by_pid.setdefault(pid, set()).add(name)
        if rows != want[name]:
            wrong.append((i, name, len(rows)))
    check(not wrong, "psycopg through the pooler: 120 requests by 6 clients each see exactly what "
          "has_access allows their principal", repr(wrong[:5]))
    check(len(pids) <= 2 and all(len(v) > 1 for v in by_pid.values()),
          "... on at most two server backends, each serving several principals in turn",
          repr({p: sorted(v) for p, v in by_pid.items()}))

    # a request that sets no principal, right after others did on the same backends
    leaked = []
    for i in range(4):
        request(conns[i], ids["owner"])
        with conns[(i + 1) % len(conns)].transaction():
            n = conns[(i + 1) % len(conns)].execute("SELECT count(*) FROM app.asset").fetchone()[0]
            who = conns[(i + 1) % len(conns)].execute("SELECT share_acl.current_principal()").fetchone()[0]
        if n != 0 or who is not None:
            leaked.append((n, who))
    check(not leaked, "a request that sets no principal sees no row and no principal, "
          "whoever used the backend before", repr(leaked))

    # autocommit: the principal lasts one statement (its transaction), then nothing
    auto = psycopg.connect(**POOLED, autocommit=True)
    auto.execute("SELECT share_acl.set_principal(%s)", (ids["owner"],))
    n = auto.execute("SELECT count(*) FROM app.asset").fetchone()[0]
    check(n == 0, "autocommit: set_principal in one statement does not carry to the next (fails closed)",
          f"{n} rows")
    # ... but a multi-statement query is one implicit transaction: it lasts to its end
    cur = auto.execute(f"SELECT share_acl.set_principal('{ids['owner']}'); SELECT count(*) FROM app.asset")
    cur.nextset()
    n_in = cur.fetchone()[0]
    n_after = auto.execute("SELECT count(*) FROM app.asset").fetchone()[0]
    check(n_in == len(want["owner"]) and n_after == 0,
          "autocommit: a multi-statement query keeps its principal to its end, not past it",
          f"{n_in} rows in it, {n_after} after")

    # an error from the API reaches the client with its SQLSTATE; the connection goes on
    c = conns[0]
    try:
        with c.transaction():
            c.execute("SELECT share_acl.set_principal(%s)", (ids["bob"],))
            c.execute("SELECT share_acl.share(%s, %s, 'viewer')", (ids["bob_asset"], ids["carol"]))
        check(False, "a guest's share() is refused with 42501 (InsufficientPrivilege)", "no error")
    except errors.InsufficientPrivilege as e:
        check(e.sqlstate == "42501", "a guest's share() is refused with 42501 (InsufficientPrivilege)",
              e.sqlstate)
    rows, _ = request(c, ids["bob"])
    check(rows == want["bob"], "... and the same client's next request works as before", repr(len(rows)))

    # a revoke by one client reaches every pooled backend at its next statement
    for i in range(6):
        request(conns[i], ids["bob"])  # warm both backends' caches with bob's view
    with conns[1].transaction():
        conns[1].execute("SELECT share_acl.set_principal(%s)", (ids["owner"],))
        conns[1].execute("SELECT share_acl.unshare(%s)", (ids["bob_share"],))
    seen = [request(conns[i], ids["bob"])[0] for i in range(6)]
    check(all(not s for s in seen), "after the owner's unshare, the guest's next requests on every "
          "backend see nothing (R13)", repr([len(s) for s in seen]))
    for c in conns:
        c.close()
    auto.close()


def link_checks(ids, link_rows):
    """open_link through the pooler: a link context lasts its transaction, and
    wrong passwords lock a link even when each attempt is rolled back."""
    conns = [psycopg.connect(**POOLED) for _ in range(4)]
    wrong = []
    for i in range(40):
        c = conns[i % len(conns)]
        with c.transaction():
            if i % 2 == 0:
                status = c.execute("SELECT status FROM share_acl.open_link(%s)", (ids["link_token"],)).fetchone()[0]
                if status != "ok":
                    wrong.append((i, status))
            rows = {r[0] for r in c.execute("SELECT id FROM app.asset")}
            link = c.execute("SELECT share_acl.current_link()").fetchone()[0]
        if rows != (link_rows if i % 2 == 0 else set()) or (link is None) != (i % 2 == 1):
            wrong.append((i, len(rows), link))
    check(not wrong, "open_link through the pooler: 20 requests that open the link see its project's "
          "assets, the 20 between them on the same backends see none and have no link context",
          repr(wrong[:5]))

    statuses = []
    for i in range(10):
        c = conns[i % len(conns)]
        with c.transaction(force_rollback=True):
            statuses.append(c.execute("SELECT status FROM share_acl.open_link(%s, %s)",
                                      (ids["pw_token"], "wrong guess")).fetchone()[0])
    with conns[0].transaction():
        after = conns[0].execute("SELECT status FROM share_acl.open_link(%s, %s)",
                                 (ids["pw_token"], PASSWORD)).fetchone()[0]
        rows = conns[0].execute("SELECT count(*) FROM app.asset").fetchone()[0]
    check(statuses == ["wrong_password"] * 10 and after == "locked" and rows == 0,
          "10 wrong passwords through the pooler, each rolled back by the client, lock the link: "
          "the right password is then refused and opens nothing", repr((statuses, after, rows)))
    for c in conns:
        c.close()


async def psycopg_async_checks(ids, want):
    """psycopg's AsyncConnection through the pooler: concurrent requests, each its principal."""
    conns = [await psycopg.AsyncConnection.connect(**POOLED) for _ in range(5)]
    rng = random.Random(13)
    wrong = []

    async def one(i, conn, name):
        async with conn.transaction():
            await conn.execute("SELECT share_acl.set_principal(%s)", (ids[name],))
            cur = await conn.execute("SELECT id FROM app.asset")
            rows = {r[0] for r in await cur.fetchall()}
        if rows != want[name]:
            wrong.append((i, name, len(rows)))

    for start in range(0, 100, len(conns)):
        await asyncio.gather(*(one(start + k, conns[k], rng.choice(PRINCIPALS)) for k in range(len(conns))))
    for c in conns:
        await c.close()
    check(not wrong, "psycopg async through the pooler: 100 requests on 5 connections at once each see "
          "exactly what has_access allows their principal", repr(wrong[:5]))


async def asyncpg_checks(ids, want):
    # statement_cache_size=0: what asyncpg needs behind a transaction pooler
    pool = await asyncpg.create_pool(host=POOLED["host"], port=POOLED["port"], database="clients",
                                     user="clients_app", min_size=8, max_size=8, statement_cache_size=0)
    rng = random.Random(11)
    wrong = []

    async def one(i):
        name = rng.choice(PRINCIPALS)
        async with pool.acquire() as conn:
            async with conn.transaction():
                await conn.execute("SELECT share_acl.set_principal($1)", ids[name])
                rows = {r["id"] for r in await conn.fetch("SELECT id FROM app.asset")}
        if rows != want[name]:
            wrong.append((i, name, len(rows)))

    await asyncio.gather(*(one(i) for i in range(200)))
    await pool.close()
    check(not wrong, "asyncpg through the pooler: 200 concurrent requests on 8 connections each see "
          "exactly what has_access allows their principal", repr(wrong[:5]))

    # a permset and a uuid as asyncpg decodes them, straight from the server
    conn = await asyncpg.connect(host=DIRECT["host"], port=DIRECT["port"], database=DB, user=DIRECT["user"])
    try:
        perms = await conn.fetchval("SELECT share_acl.effective_permissions($1::uuid, $2::uuid)",
                                    ids["alice"], next(iter(want["alice"])))
        check(isinstance(perms, str) and "view" in perms,
              "asyncpg reads a permset (its text form) without a codec of its own", repr(perms))
        ok = await conn.fetchval("SELECT share_acl.has_access($1, $2, $3)", ids["alice"],
                                 next(iter(want["alice"])), "view")
        check(ok is True, "asyncpg: has_access(uuid, uuid, text) with Python uuid and str arguments", repr(ok))
    except Exception as e:  # noqa: BLE001 - any failure is the check's
        check(False, "asyncpg reads a permset (its text form) without a codec of its own", repr(e))
    finally:
        await conn.close()

    # inside a record PostgreSQL sends a permset in binary: the README's codec
    conn = await asyncpg.connect(host=DIRECT["host"], port=DIRECT["port"], database=DB, user=DIRECT["user"])
    try:
        await conn.set_type_codec("permset", schema="share_acl", format="binary",
                                  encoder=lambda v: struct.pack("!q", v),
                                  decoder=lambda b: struct.unpack("!q", b)[0])
        asset = next(iter(want["alice"]))
        record = await conn.fetchval("SELECT share_acl.explain_access($1::uuid, $2::uuid, 'view') LIMIT 1",
                                     ids["alice"], asset)
        column, text = await conn.fetchrow("SELECT perms, perms::text FROM share_acl.explain_access($1::uuid, $2::uuid, 'view') LIMIT 1",
                                           ids["alice"], asset)
        back = await conn.fetchval("SELECT $1::share_acl.permset::text", record[3])
        check(isinstance(record[3], int) and record[3] == column and back == text and "view" in text,
              "asyncpg with the binary permset codec: a permset in a record is the bit mask a column "
              "gives, and goes back as a parameter", repr((record, column, back, text)))
    except Exception as e:  # noqa: BLE001 - any failure is the check's
        check(False, "asyncpg with the binary permset codec reads a permset in a record", repr(e))
    finally:
        await conn.close()


def session_principal_checks(ids, want):
    """A principal one client sets for the session (SET, not SET LOCAL) stays on
    its server connection; share_acl.session_principal = refuse makes every
    later transaction there that sets none fail (55000) instead of acting as
    it, whichever client sends it; a request that sets its own works."""
    conns = [psycopg.connect(**POOLED, autocommit=True) for _ in range(4)]
    conns[0].execute(f"SET share_acl.principal = '{ids['owner']}'")
    outcomes = []
    for i in range(40):
        c = conns[i % len(conns)]
        try:
            with c.transaction():
                outcomes.append(c.execute("SELECT count(*) FROM app.asset").fetchone()[0])
        except errors.ObjectNotInPrerequisiteState:
            outcomes.append("55000")
        if "55000" in outcomes and i >= 7:
            break
    check("55000" in outcomes and all(o in ("55000", 0) for o in outcomes),
          "session_principal = refuse: behind the pooler, transactions that set no principal on the "
          "backend where a client SET one for the session fail with 55000, the others see nothing; "
          "none sees the session principal's rows", repr(outcomes))
    for c in conns:
        c.close()
    conns = [psycopg.connect(**POOLED) for _ in range(4)]
    wrong = []
    for i in range(12):
        name = PRINCIPALS[i % len(PRINCIPALS)]
        rows, _ = request(conns[i % len(conns)], ids[name])
        if rows != want[name]:
            wrong.append((i, name, len(rows)))
    check(not wrong, "... and requests that set their principal see exactly their rows on those backends",
          repr(wrong))
    for c in conns:
        c.close()


def main():
    ids = setup()
    for k in (*PRINCIPALS, "bob_asset", "bob_share", "shared"):
        ids[k] = uuid.UUID(str(ids[k]))
    want = expected(ids)
    with psycopg.connect(**DIRECT, autocommit=True) as c:
        link_rows = {r[0] for r in c.execute("SELECT id FROM app.asset WHERE project_id = %s", (ids["shared"],))}
    psycopg_checks(ids, want)
    want["bob"] = set()  # unshared by the psycopg checks
    link_checks(ids, link_rows)
    asyncio.run(psycopg_async_checks(ids, want))
    asyncio.run(asyncpg_checks(ids, want))
    session_principal_checks(ids, want)
    print(f"clients: {checks} checks, {failures} failed: psycopg (sync and async) and asyncpg "
          "through PgBouncer (transaction pooling)")
    sys.exit(1 if failures else 0)


if __name__ == "__main__":
    main()
