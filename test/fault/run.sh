#!/usr/bin/env bash
# test/fault/run.sh — interrupts at every point leave every cache consistent
# (SPEC §12 "Interrupts").
#
# Needs a running cluster (PGHOST etc., as test/run_all.sh provides).  Loads a
# workspace where loads take long enough to be hit: a member of 3,000
# nested teams (each with a share), 40,000 resources with folders,
# collections and restrictions.  A fresh backend records the answers for a
# sample of (principal, resource) pairs.  Then one backend, over and over,
# drops its caches (an empty UPDATE on a model table sends the same
# invalidation as a real change), runs the checks under a statement_timeout
# swept from 1 ms upward — so the structure load, the principal loads and
# the checks are each cut at many points — and after every cut compares all
# its answers with the recorded ones.  The same again with the structure kept
# partial (share_acl.cache_size = 1MB and shared_cache_size = 0, resources
# read on demand), and again
# with a second session cancelling the first at random moments.  Any
# difference, or a backend that died, fails the test.
set -euo pipefail
root=$(cd "$(dirname "$0")/../.." && pwd)
db=share_acl_fault
work=$(mktemp -d /tmp/share_acl_fault.XXXXXX)
trap 'rm -rf "$work"; dropdb --if-exists $db >/dev/null 2>&1' EXIT
SWEEP_MS=${FAULT_SWEEP_MS:-120}		# statement_timeout from 1 to this, in ms
CANCEL_ROUNDS=${FAULT_CANCEL_ROUNDS:-150}
export PGOPTIONS="-c search_path=public,share_acl"	# the permset operators

dropdb --if-exists $db >/dev/null 2>&1
createdb $db
psql -qX -v ON_ERROR_STOP=1 -d $db -c 'CREATE EXTENSION share_acl'
psql -qX -v ON_ERROR_STOP=1 -d $db <<'SQL'
SET search_path = share_acl, public;
INSERT INTO workspace (id, name) VALUES (md5('fault ws')::uuid, 'fault injection');
INSERT INTO principal (id, kind, email)
SELECT md5('fault user ' || i)::uuid, 'user', 'user' || i || '@fault.test' FROM generate_series(1, 6) i;
-- 1 owner, 2 admin, 3 member deep in teams, 4 member, 5 guest, 6 viewer
INSERT INTO member (workspace_id, principal_id, role)
SELECT md5('fault ws')::uuid, md5('fault user ' || i)::uuid,
       (ARRAY['owner', 'admin', 'member', 'member', 'guest', 'viewer'])[i]::workspace_role
FROM generate_series(1, 6) i;
-- 3,000 teams nested 3 deep: user 3 in 2,500 teams, each in one of 400,
-- each of those in one of 100
INSERT INTO principal (id, kind, workspace_id, display_name)
SELECT md5('fault team ' || k)::uuid, 'team', md5('fault ws')::uuid, 'team ' || k
FROM generate_series(1, 3000) k;
INSERT INTO team_member (team_id, member_id)
SELECT md5('fault team ' || k)::uuid, md5('fault user 3')::uuid FROM generate_series(1, 2500) k;
INSERT INTO team_member (team_id, member_id)
SELECT md5('fault team ' || (2501 + k % 400))::uuid, md5('fault team ' || k)::uuid
FROM generate_series(1, 2500) k;
INSERT INTO team_member (team_id, member_id)
SELECT md5('fault team ' || (2901 + k % 100))::uuid, md5('fault team ' || (2501 + k))::uuid
FROM generate_series(0, 399) k;
-- 4 projects, 40 folders (every 7th restricted), 40,000 assets
INSERT INTO resource (id, workspace_id, kind, general_access, owner_id)
SELECT md5('fault project ' || p)::uuid, md5('fault ws')::uuid, 'project',
       (ARRAY['private', 'shared', 'public', 'private'])[p]::general_access, md5('fault user 1')::uuid
FROM generate_series(1, 4) p;
INSERT INTO resource (id, workspace_id, kind, parent_id, restricted, owner_id)
SELECT md5('fault folder ' || f)::uuid, md5('fault ws')::uuid, 'collection',
       md5('fault project ' || (1 + f % 4))::uuid, f % 7 = 0, md5('fault user ' || (1 + f % 4))::uuid
FROM generate_series(1, 40) f;
INSERT INTO resource (id, workspace_id, kind, parent_id, owner_id)
SELECT md5('fault asset ' || a)::uuid, md5('fault ws')::uuid, 'asset',
       md5('fault folder ' || (1 + a % 40))::uuid,
       CASE WHEN a % 11 = 0 THEN md5('fault user 5')::uuid ELSE md5('fault user 2')::uuid END
FROM generate_series(1, 40000) a;
-- 10 collections of 500 assets across projects
INSERT INTO resource (id, workspace_id, kind, parent_id, owner_id)
SELECT md5('fault coll ' || c)::uuid, md5('fault ws')::uuid, 'collection',
       md5('fault project ' || (1 + c % 4))::uuid, md5('fault user 4')::uuid
FROM generate_series(1, 10) c;
INSERT INTO collection_item (collection_id, resource_id)
SELECT md5('fault coll ' || (1 + a % 10))::uuid, md5('fault asset ' || a)::uuid
FROM generate_series(1, 40000, 8) a;
-- a share to every team, on assets and folders; shares to the guest and viewer
INSERT INTO share (resource_id, grantee_id, perms, allow_download)
SELECT CASE WHEN k % 100 = 0 THEN md5('fault folder ' || (1 + k / 100 % 40))::uuid
            ELSE md5('fault asset ' || (k * 13))::uuid END,
       md5('fault team ' || k)::uuid,
       (ARRAY['viewer', 'commenter', 'editor', 'manager'])[1 + k % 4]::permset, k % 3 <> 0
FROM generate_series(1, 3000) k;
INSERT INTO share (resource_id, grantee_id, perms)
SELECT md5('fault folder ' || f)::uuid, md5('fault user ' || (5 + f % 2))::uuid, 'editor'
FROM generate_series(1, 40, 3) f;
INSERT INTO share (resource_id, grantee_id, perms)
SELECT md5('fault coll ' || c)::uuid, md5('fault user 4')::uuid, 'commenter' FROM generate_series(1, 10, 2) c;
ANALYZE;

-- the sample: every principal against 1 resource in 40 (and all containers)
CREATE TABLE public.fault_pairs AS
SELECT p.id AS p, r.id AS r
FROM principal p, resource r
WHERE p.kind = 'user' AND (r.kind <> 'asset' OR abs(hashtext(r.id::text)) % 40 = 0);
SQL

# the answers of a fresh backend
psql -qX -v ON_ERROR_STOP=1 -d $db <<'SQL'
CREATE TABLE fault_expected AS
SELECT p, r, share_acl.effective_permissions(p, r) AS perms FROM fault_pairs;
CREATE TABLE fault_expected_lists AS
SELECT p.id AS p, (SELECT count(*) FROM share_acl.accessible_resources(p.id, 'view')) AS n
FROM share_acl.principal p WHERE p.kind = 'user';
SQL
pairs=$(psql -qXAt -d $db -c 'SELECT count(*) FROM fault_expected')
allowed=$(psql -qXAt -d $db -c "SELECT count(*) FROM fault_expected WHERE perms <> ''")

# what one round runs: drop this backend's caches, cut the checks, compare
# (the lists cost a scan of every resource: compared at the end of each part)
COMPARE="SELECT 'MISMATCH ' || count(*) FROM fault_expected e
         WHERE share_acl.effective_permissions(e.p, e.r) IS DISTINCT FROM e.perms HAVING count(*) > 0;"
COMPARE_LISTS="SELECT 'MISMATCH list ' || count(*) FROM fault_expected_lists l
         WHERE (SELECT count(*) FROM share_acl.accessible_resources(l.p, 'view')) <> l.n HAVING count(*) > 0;"
INVALIDATE="UPDATE share_acl.resource SET owner_id = owner_id WHERE false;
UPDATE share_acl.team_member SET team_id = team_id WHERE false;
UPDATE share_acl.workspace SET name = name WHERE false;"
CUT="SELECT count(*) FROM fault_expected e WHERE share_acl.effective_permissions(e.p, e.r) <> e.perms;
SELECT count(*) FROM share_acl.accessible_resources(md5('fault user 3')::uuid, 'view');"

sweep() {	# sweep MODE_SETTING STEP: one backend, timeouts 1..SWEEP_MS ms
	{
		echo "$1"
		for ms in $(seq 1 "$2" "$SWEEP_MS"); do
			echo "$INVALIDATE"
			echo "SET statement_timeout = $ms;"
			echo "$CUT"
			echo "RESET statement_timeout;"
			echo "$COMPARE"
		done
		echo "$COMPARE_LISTS"
	} >"$work/sweep.sql"
	psql -qXAt -d $db -f "$work/sweep.sql" >"$work/sweep.out" 2>&1 || true
}

check() {	# check LABEL: no mismatch, no dead backend
	local cut
	cut=$(grep -c 'canceling statement' "$work/sweep.out" || true)
	if grep -q 'MISMATCH' "$work/sweep.out"; then
		echo "$1: answers differ from a fresh backend's after an interrupt:"
		grep 'MISMATCH' "$work/sweep.out" | head -5
		exit 1
	fi
	if grep -qE 'server closed the connection|terminating connection|connection to server .* lost' "$work/sweep.out"; then
		echo "$1: the backend died:"
		grep -E 'server closed|terminating|lost' "$work/sweep.out" | head -5
		exit 1
	fi
	if [ "$cut" -eq 0 ]; then
		echo "$1: no statement was interrupted: the test did not test anything"
		exit 1
	fi
	echo "$1: $cut interrupts, answers equal to a fresh backend's after each"
}

sweep "SELECT 1;" 1
check "full structure, statement_timeout 1..${SWEEP_MS} ms"
sweep "SET share_acl.cache_size = '1MB'; SET share_acl.shared_cache_size = 0;" 3
check "partial structure, statement_timeout 1..${SWEEP_MS} ms by 3"

# cancels at random moments from another session
{
	echo "SET application_name = 'fault_victim';"
	for i in $(seq 1 "$CANCEL_ROUNDS"); do
		[ $((i % 2)) -eq 0 ] && echo "SET share_acl.cache_size = '1MB'; SET share_acl.shared_cache_size = 0;" || echo "RESET share_acl.cache_size; RESET share_acl.shared_cache_size;"
		echo "$INVALIDATE"
		echo "$CUT"
	done
	echo "SELECT pg_sleep(0.2);"
	echo "RESET share_acl.cache_size; RESET share_acl.shared_cache_size;"
	echo "$COMPARE"
	echo "$COMPARE_LISTS"
	echo "SET share_acl.cache_size = '1MB'; SET share_acl.shared_cache_size = 0;"
	echo "$COMPARE"
} >"$work/victim.sql"
psql -qXAt -d $db -f "$work/victim.sql" >"$work/sweep.out" 2>&1 &
victim=$!
psql -qXAt -d $db >/dev/null 2>&1 <<'SQL' &
DO $$
BEGIN
    -- (pg_stat_activity is read once per transaction unless the snapshot is cleared)
    FOR i IN 1..6000 LOOP		-- wait for the victim to connect (at most a minute)
        PERFORM pg_stat_clear_snapshot();
        EXIT WHEN EXISTS (SELECT FROM pg_stat_activity WHERE application_name = 'fault_victim');
        PERFORM pg_sleep(0.01);
    END LOOP;
    LOOP				-- until the victim is done
        PERFORM pg_stat_clear_snapshot();
        PERFORM pg_cancel_backend(pid) FROM pg_stat_activity
        WHERE application_name = 'fault_victim' AND state = 'active'
          AND query NOT LIKE '%MISMATCH%' AND query NOT LIKE '%pg_sleep%';
        PERFORM pg_sleep(0.002 + random() * 0.04);
        PERFORM pg_stat_clear_snapshot();
        EXIT WHEN NOT EXISTS (SELECT FROM pg_stat_activity WHERE application_name = 'fault_victim');
    END LOOP;
END $$;
SQL
canceller=$!
wait $victim || true
wait $canceller 2>/dev/null || true
check "random cancels from another session (${CANCEL_ROUNDS} rounds, both structure modes)"

# the uuid hash is keyed per backend: two backends disagree on the same id
h1=$(psql -qXAt -d $db -c "SELECT share_acl._uuid_hash('00000000-0000-0000-0000-000000000001')")
h2=$(psql -qXAt -d $db -c "SELECT share_acl._uuid_hash('00000000-0000-0000-0000-000000000001')")
if [ "$h1" = "$h2" ]; then
	echo "two backends hash the same uuid alike ($h1): the uuid hash is not keyed"
	exit 1
fi

echo "fault: $pairs pairs ($allowed allowed) equal to a fresh backend's after every interrupt"
