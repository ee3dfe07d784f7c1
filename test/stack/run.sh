#!/usr/bin/env bash
# test/stack/run.sh — teams nested as deep as anyone makes them, on a server
# with a small stack: every function that walks teams answers, none crashes
# the server.
#
# Nothing bounds how deep teams nest (each add_team_member of a new, empty
# team costs one look-up), so any walk over teams that recurses in C would
# overflow the stack of a deep enough chain: a SIGSEGV, which restarts the
# whole cluster.  This suite starts its own throwaway cluster under
# `ulimit -s 768` (so PostgreSQL's max_stack_depth is 256kB, and a chain of
# DEPTH (6,000) teams is deep enough to overflow a walk that recurses), puts
# a person at the bottom of the chain, shares an asset with the top team and
# asks every function that walks teams about that person.
set -uo pipefail
. "$(dirname "$0")/../lib.sh"
. "$(dirname "$0")/../checks.sh"
DEPTH=${DEPTH:-6000}
# (a cluster of the calling suite is not ours to stop)
unset SA_CLUSTER_DIR

if [ ! -f "$("$PG_CONFIG" --sharedir)/extension/share_acl.control" ]; then
	sa_build_install || exit 1
fi
ulimit -s 768 || { echo "cannot lower the stack limit"; exit 1; }
sa_start_cluster "shared_preload_libraries = 'share_acl'"
started=$(psql -qXAt -c "SELECT pg_postmaster_start_time()")

stack=$(psql -qXAt -c "SELECT setting::int FROM pg_settings WHERE name = 'max_stack_depth'")
if [ "${stack:-9999}" -le 256 ]; then ok "the server runs with a small stack (max_stack_depth ${stack}kB)"; else
	not_ok "the server runs with a small stack (max_stack_depth: '${stack}' kB)"; fi

psql -qX -v ON_ERROR_STOP=1 >/dev/null <<SQL || { echo "setup failed"; exit 1; }
CREATE EXTENSION share_acl;
CREATE TABLE ids (name text PRIMARY KEY, id uuid);
INSERT INTO ids VALUES ('owner', share_acl.create_user('owner@stack.test')),
                       ('deep', share_acl.create_user('deep@stack.test'));
INSERT INTO ids SELECT 'ws', share_acl.create_workspace('stack', id) FROM ids WHERE name = 'owner';
SELECT share_acl.set_principal(id) FROM ids WHERE name = 'owner';
SELECT share_acl.add_member((SELECT id FROM ids WHERE name = 'ws'), id, 'member') FROM ids WHERE name = 'deep';
INSERT INTO ids SELECT 'P', share_acl.create_resource((SELECT id FROM ids WHERE name = 'ws'), 'project');
INSERT INTO ids SELECT 'A', share_acl.create_resource((SELECT id FROM ids WHERE name = 'ws'), 'asset',
                                                     (SELECT id FROM ids WHERE name = 'P'));
-- the chain: team 0 at the top, each next team in the one before it, the
-- person in the last
DO \$\$
DECLARE
    ws uuid := (SELECT id FROM ids WHERE name = 'ws');
    prev uuid;
    t uuid;
BEGIN
    prev := share_acl.create_team(ws, 'team 0');
    INSERT INTO ids VALUES ('top', prev);
    FOR i IN 1 .. $DEPTH - 1 LOOP
        t := share_acl.create_team(ws, 'team ' || i);
        PERFORM share_acl.add_team_member(prev, t);
        prev := t;
    END LOOP;
    PERFORM share_acl.add_team_member(prev, (SELECT id FROM ids WHERE name = 'deep'));
END
\$\$;
SQL
[ $? -eq 0 ] || exit 1

# one statement: "t" when the answer is the one expected
check() {	# name sql
	local got
	got=$(psql -qXAt -c "$2" 2>&1 | tail -1)	# (the last statement's)
	if [ "$got" = t ]; then ok "$1"; else not_ok "$1 (got: $got)"; fi
}
ID() { echo "(SELECT id FROM ids WHERE name = '$1')"; }
AS_OWNER="SELECT share_acl.set_principal($(ID owner));"

check "share with the top team: the person $DEPTH teams below is notified" \
	"$AS_OWNER SELECT share_acl.share($(ID A), $(ID top), 'viewer');
	 SELECT EXISTS (SELECT 1 FROM share_acl.notification WHERE recipient_id = $(ID deep) AND kind = 'share_received')"
check "has_access: the person views the asset through the top team" \
	"SELECT share_acl.has_access($(ID deep), $(ID A), 'view')"
check "effective_permissions: holds view" \
	"SELECT share_acl.effective_permissions($(ID deep), $(ID A)) OPERATOR(share_acl.@>) 'view'::share_acl.permset"
check "explain_access answers" \
	"SELECT count(*) > 0 FROM share_acl.explain_access($(ID deep), $(ID A), 'view')"
check "accessible_resources lists the asset" \
	"SELECT $(ID A) IN (SELECT * FROM share_acl.accessible_resources($(ID deep), 'view'))"
check "who_has_access lists the person" \
	"SELECT $(ID deep) IN (SELECT principal FROM share_acl.who_has_access($(ID A)))"
check "request_review of the top team: the person is notified" \
	"$AS_OWNER SELECT share_acl.request_review($(ID A), ARRAY[$(ID top)]);
	 SELECT EXISTS (SELECT 1 FROM share_acl.notification WHERE recipient_id = $(ID deep) AND kind = 'review_requested')"
check "submit_review: the person decides for the top team" \
	"SELECT share_acl.set_principal($(ID deep));
	 SELECT share_acl.submit_review((SELECT id FROM share_acl.review WHERE resource_id = $(ID A)), 'approved');
	 SELECT decided_by = $(ID deep) FROM share_acl.review_reviewer WHERE reviewer_id = $(ID top)"
check "a cycle through the whole chain (the top team into the bottom one) is refused" \
	"$AS_OWNER DO \$\$ BEGIN
	    PERFORM share_acl.add_team_member((SELECT team_id FROM share_acl.team_member WHERE member_id = $(ID deep)), $(ID top));
	    RAISE EXCEPTION 'no error';
	  EXCEPTION WHEN OTHERS THEN
	    IF SQLSTATE <> '42P19' OR SQLERRM NOT LIKE '%would make a cycle' THEN RAISE; END IF;
	  END \$\$;
	 SELECT true"
check "the top team into another team, outsiders refused by the policy: the walk down the chain finds none" \
	"$AS_OWNER SELECT share_acl.set_workspace_policy($(ID ws), 'allow_external_sharing', 'false');
	 SELECT share_acl.add_team_member(share_acl.create_team($(ID ws), 'outer'), $(ID top));
	 SELECT count(*) = 1 FROM share_acl.team_member WHERE member_id = $(ID top)"
check "remove the person from the bottom team: access ends" \
	"$AS_OWNER SELECT share_acl.remove_team_member(tm.team_id, tm.member_id)
	   FROM share_acl.team_member tm WHERE tm.member_id = $(ID deep);
	 SELECT NOT share_acl.has_access($(ID deep), $(ID A), 'view')"

# wide rather than deep: an asset in 1,000 collections of a workspace of
# 4,000 members, all of whom see it (its project public): who_has_access
# answers for every one of them without keeping each one's trace (a walk
# through every collection) until it ends — its backend's peak memory stays
# under 64 MB (each trace kept: 156 MB, and 1.3 GB with 10,000 members and
# 5,000 collections)
psql -qX -v ON_ERROR_STOP=1 >/dev/null <<'SQL'
SELECT share_acl.create_user('wide-owner@stack.test') AS o \gset
SELECT share_acl.create_workspace('wide', :'o') AS w \gset
INSERT INTO share_acl.principal (id, kind, email, display_name)
    SELECT md5('wide member ' || g)::uuid, 'user', 'm' || g || '@wide.test', 'm' || g FROM generate_series(1, 4000) g;
INSERT INTO share_acl.member (workspace_id, principal_id, role)
    SELECT :'w', md5('wide member ' || g)::uuid, 'member' FROM generate_series(1, 4000) g;
SELECT share_acl.set_principal(:'o');
SELECT share_acl.create_resource(:'w', 'project') AS p \gset
SELECT share_acl.set_general_access(:'p', 'public');
SELECT share_acl.create_resource(:'w', 'asset', :'p', md5('wide asset')::uuid);
INSERT INTO share_acl.resource (id, workspace_id, kind, parent_id, owner_id)
    SELECT md5('wide collection ' || g)::uuid, :'w', 'collection', :'p', :'o' FROM generate_series(1, 1000) g;
INSERT INTO share_acl.collection_item (collection_id, resource_id)
    SELECT md5('wide collection ' || g)::uuid, md5('wide asset')::uuid FROM generate_series(1, 1000) g;
SQL
read -r wide_rows wide_peak < <(/usr/bin/python3 - "$SA_CLUSTER_DIR" <<'PY' 2>&1
import sys
import psycopg
c = psycopg.connect(host=sys.argv[1], dbname="postgres", autocommit=True)
pid = c.execute("SELECT pg_backend_pid()").fetchone()[0]
rows = c.execute("SELECT count(*) FROM share_acl.who_has_access(md5('wide asset')::uuid)").fetchone()[0]
peak = next(int(l.split()[1]) for l in open(f"/proc/{pid}/status") if l.startswith("VmHWM:"))
print(rows, peak // 1024)
PY
)
if [ "${wide_rows:-}" = 4001 ] && [ "${wide_peak:-999}" -lt 64 ]; then
	ok "who_has_access of an asset in 1,000 collections: 4,001 people, its backend's peak ${wide_peak} MB"; else
	not_ok "who_has_access of an asset in 1,000 collections: ${wide_rows:-?} people (4,001), peak ${wide_peak:-?} MB (< 64)"; fi

now=$(psql -qXAt -c "SELECT pg_postmaster_start_time()" 2>&1)
if [ "$now" = "$started" ] && ! grep -q "terminated by signal" "$SA_CLUSTER_DIR/server.log"; then
	ok "no server process crashed"; else
	not_ok "no server process crashed: $(grep -m1 'terminated by signal' "$SA_CLUSTER_DIR/server.log")"; fi

echo "stack: $checks checks, $failures failed: teams $DEPTH deep under max_stack_depth ${stack}kB"
[ $failures -eq 0 ]
