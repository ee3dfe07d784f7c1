#!/usr/bin/env bash
# test/prepared/run.sh — a prepared transaction holds up the commits of its
# own workspaces only, also when a bulk commit waits for it.
#
# Needs a running cluster with max_prepared_transactions > 0 (PGHOST etc., as
# test/run_all.sh provides).  A commit takes, per workspace it audited (and
# per workspace whose changes it rechecks), a lock under a lock of the
# workspace's partition (one of 256); a bulk commit (more than 1,000
# workspaces) locks the partitions themselves, exclusively.  A prepared
# transaction keeps its locks until COMMIT PREPARED.  Workspaces A and D fall
# in the last partition (255), B and C in partition 7, and 1,000 more
# workspaces in all partitions.  For the audit seal, then for the recheck:
# s1 writes in A and prepares; s2 writes in B, D and the 1,000 and commits,
# and waits for s1; meanwhile s3 writes in C and commits.  s3 must not wait
# (lock_timeout 3 s): s2 waits holding none of the partitions before 255.
# Once s1 is committed, s2 commits too, and every chain verifies.
set -uo pipefail
db=share_acl_prepared
. "$(dirname "$0")/../checks.sh"

fresh_db $db
psql -qX -v ON_ERROR_STOP=1 -d $db >/dev/null <<'SQL' || { echo "setup failed"; exit 1; }
CREATE EXTENSION share_acl;
INSERT INTO share_acl.principal (id, kind, email)
VALUES ('b0e20000-0000-0000-0001-000000000001', 'user', 'u@prepared.test');
-- A and D in partition 255, B and C in partition 7 (the partition of a
-- workspace: the unkeyed hash of its id, modulo 256), and 1,000 more
CREATE TEMP TABLE pick AS
SELECT name, (SELECT id FROM (SELECT md5('prepared ' || name || ' ' || i)::uuid AS id, i
                                FROM generate_series(1, 5000) AS i) s
               WHERE uuid_hash_extended(s.id, 0) & 255 = part ORDER BY i LIMIT 1) AS id
  FROM (VALUES ('A', 255), ('D', 255), ('B', 7), ('C', 7)) AS v(name, part);
INSERT INTO share_acl.workspace (id, name) SELECT id, name FROM pick;
INSERT INTO share_acl.workspace (id, name)
SELECT md5('prepared bulk ' || i)::uuid, 'bulk ' || i FROM generate_series(1, 1000) AS i;
INSERT INTO share_acl.member (workspace_id, principal_id, role)
SELECT id, 'b0e20000-0000-0000-0001-000000000001', 'owner' FROM share_acl.workspace;
INSERT INTO share_acl.resource (id, workspace_id, kind, owner_id)
SELECT md5('project of ' || id)::uuid, id, 'project', 'b0e20000-0000-0000-0001-000000000001'
  FROM share_acl.workspace;
SQL
[ "$(psql -qXAt -d $db -c "SELECT string_agg(name || (uuid_hash_extended(id, 0) & 255), ',' ORDER BY name)
                            FROM share_acl.workspace WHERE name IN ('A', 'B', 'C', 'D')")" = "A255,B7,C7,D255" ] ||
	{ echo "setup failed: the workspaces' partitions"; exit 1; }

work=$(mktemp -d)
trap 'rm -rf "$work"; for g in seal recheck; do psql -qX -d $db -c "ROLLBACK PREPARED '"'"'share_acl_prepared_$g'"'"'" >/dev/null 2>&1; done' EXIT

U=b0e20000-0000-0000-0001-000000000001
# one round: $1 its name, $2 s1's write in A, $3 s2's writes (in B, D and
# the 1,000), $4 s3's write in C
round() {
	local name=$1 gid=share_acl_prepared_$1 waiting="" t0 t1 s2 got
	psql -qX -v ON_ERROR_STOP=1 -d $db -c "BEGIN" -c "$2" -c "PREPARE TRANSACTION '$gid'" >/dev/null ||
		{ not_ok "$name: s1 prepares"; return; }
	PGAPPNAME="s2 $name" psql -qX -v ON_ERROR_STOP=1 -d $db -c "BEGIN" -c "$3" -c "COMMIT" >"$work/s2" 2>&1 &
	s2=$!
	for _ in $(seq 100); do
		waiting=$(psql -qXAt -d $db -c "SELECT wait_event_type FROM pg_stat_activity
		                                 WHERE application_name = 's2 $name' AND query = 'COMMIT'")
		[ "$waiting" = Lock ] && break
		sleep 0.1
	done
	if [ "$waiting" = Lock ]; then ok "$name: the bulk commit waits for the prepared transaction"; else
		not_ok "$name: the bulk commit waits for the prepared transaction (wait: '$waiting')"; fi
	t0=$(date +%s%N)
	got=$(psql -qXAt -v ON_ERROR_STOP=1 -d $db -c "SET lock_timeout = '3s'" -c "BEGIN" -c "$4" -c "COMMIT" 2>&1 |
		grep -v '^$' | tr '\n' ' ')
	t1=$(date +%s%N)
	if ! echo "$got" | grep -q ERROR; then
		ok "$name: meanwhile another workspace of the bulk commit's partitions commits (in $(( (t1 - t0) / 1000000 )) ms)"
	else not_ok "$name: meanwhile another workspace of the bulk commit's partitions commits: $got"; fi
	if kill -0 $s2 2>/dev/null; then ok "$name: the bulk commit still waits"; else
		not_ok "$name: the bulk commit still waits: $(cat "$work/s2")"; fi
	psql -qX -d $db -c "COMMIT PREPARED '$gid'" >/dev/null
	if wait $s2; then ok "$name: once the prepared transaction is committed, the bulk commit commits"; else
		not_ok "$name: once the prepared transaction is committed, the bulk commit commits: $(cat "$work/s2")"; fi
}

round seal \
	"UPDATE share_acl.workspace SET members_can_share = NOT members_can_share WHERE name = 'A'" \
	"UPDATE share_acl.workspace SET allow_guest_uploads = NOT allow_guest_uploads WHERE name LIKE 'bulk %' OR name IN ('B', 'D')" \
	"UPDATE share_acl.workspace SET members_can_share = NOT members_can_share WHERE name = 'C'"
[ "$(psql -qXAt -d $db -c "SELECT count(*) FROM share_acl.audit_log WHERE object_type = 'workspace' AND action = 'update'")" = 1004 ] &&
	ok "seal: 1,004 workspace updates audited" ||
	not_ok "seal: 1,004 workspace updates audited (got $(psql -qXAt -d $db -c "SELECT count(*) FROM share_acl.audit_log WHERE object_type = 'workspace' AND action = 'update'"))"

RECHECK="SELECT count(share_acl._recheck_at_commit('$U', r.id)) FROM share_acl.resource r JOIN share_acl.workspace w ON w.id = r.workspace_id WHERE"
round recheck "$RECHECK w.name = 'A'" "$RECHECK w.name LIKE 'bulk %' OR w.name IN ('B', 'D')" "$RECHECK w.name = 'C'"

if [ "$(psql -qXAt -d $db -c "SELECT bool_and(ok) FROM share_acl.audit_verify()")" = t ]; then ok "every chain verifies"; else
	not_ok "every chain verifies"; fi

echo "prepared: $checks checks, $failures failed: a prepared transaction holds up only its own workspaces' commits, also behind a bulk commit"
[ $failures -eq 0 ]
