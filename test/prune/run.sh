#!/usr/bin/env bash
# test/prune/run.sh — the change log's prune in batches (README "The change
# log"), on a cluster of its own with the library preloaded.
#
#   batch per database: database a's log is left behind by a prune (old
#     entries remain, so its next write prunes again); a write in database b,
#     whose prune finds nothing old, does not make a forget it (a's next
#     one-row write prunes: a new marker); nor does a prune of a that took
#     the last old entries and rolled back;
#   no growth: rounds of 4 sessions each filing 2,000 assets in one
#     statement and ending, 50,010 transaction ids burnt between rounds (each
#     round's entries grow old): after 6 rounds the log holds fewer than
#     26,000 entries (with a batch owed by each session alone it grew by
#     5,000 a round: 33,006).
#
# Prints "prune: ... ok" / "prune: ... FAILED" lines and a last line; the
# exit status is non-zero when a check failed.
set -uo pipefail
. "$(dirname "$0")/../lib.sh"
# (a cluster of the calling suite is not ours to stop)
unset SA_CLUSTER_DIR
sa_start_cluster "shared_preload_libraries = 'share_acl'" >/dev/null || exit 1
trap 'sa_stop_cluster' EXIT
failed=0
check() {	# name condition-result
	if [ "$2" = t ]; then echo "prune: $1 ok"; else echo "prune: $1 FAILED ($2)"; failed=1; fi
}
setup() {	# database: the extension, workspace W, owner o, project P
	psql -qX -d "$1" -v ON_ERROR_STOP=1 >/dev/null <<'SQL'
CREATE EXTENSION share_acl;
CREATE TABLE burn (n int);
INSERT INTO share_acl.workspace (id, name) VALUES ('91000000-0000-0000-0000-000000000000', 'prune');
INSERT INTO share_acl.principal (id, kind, email) VALUES ('91000000-0000-0000-0001-000000000001', 'user', 'o@prune.test');
INSERT INTO share_acl.member VALUES ('91000000-0000-0000-0000-000000000000', '91000000-0000-0000-0001-000000000001', 'owner');
INSERT INTO share_acl.resource (id, workspace_id, kind, parent_id, owner_id) VALUES
 ('91000000-0000-0000-0005-000000000001', '91000000-0000-0000-0000-000000000000', 'project', NULL, '91000000-0000-0000-0001-000000000001');
SQL
}
file() {	# database n k: n assets under P in one statement, ids of batch k
	psql -qX -d "$1" -v ON_ERROR_STOP=1 -c "INSERT INTO share_acl.resource (id, workspace_id, kind, parent_id, owner_id)
	  SELECT ('91000000-' || lpad('$3', 4, '0') || '-0000-0007-' || lpad(i::text, 12, '0'))::uuid,
	         '91000000-0000-0000-0000-000000000000', 'asset', '91000000-0000-0000-0005-000000000001',
	         '91000000-0000-0000-0001-000000000001' FROM generate_series(1, $2) i" >/dev/null
}
burn() {	# 50,010 transaction ids
	psql -qX -d a -c "DO \$\$ BEGIN FOR i IN 1..50010 LOOP BEGIN INSERT INTO burn VALUES (i); EXCEPTION WHEN OTHERS THEN RAISE; END; END LOOP; END \$\$" >/dev/null
}
markers() { psql -qXAt -d "$1" -c "SELECT count(*) FROM share_acl.change_log WHERE kind = '-'"; }
entries() { psql -qXAt -d "$1" -c "SELECT count(*) FROM share_acl.change_log"; }
flip() {	# database from to: one statement changing assets from .. to of batch 1
	psql -qX -d "$1" -c "UPDATE share_acl.resource SET restricted = NOT restricted
	  WHERE id BETWEEN '91000000-0001-0000-0007-$(printf %012d "$2")' AND '91000000-0001-0000-0007-$(printf %012d "$3")'" >/dev/null
}

psql -qX -c "CREATE DATABASE a" -c "CREATE DATABASE b" >/dev/null || exit 1
setup a && setup b || exit 1

# --- the batch is each database's
for k in 1 2 3 4; do file a 2000 "$k"; done
file b 2000 1
before=$(psql -qXAt -d a -c "SELECT max(txid) FROM share_acl.change_log")
burn
flip a 1 1000	# 1,000 entries: a prune of at most 2,000 of a's 8,000 old ones
m0=$(markers a)
left=$(psql -qXAt -d a -c "SELECT count(*) FROM share_acl.change_log WHERE kind <> '-' AND txid <= '$before'")
flip b 1 1000	# b's prune: what is old in b (its 2,001 entries), not a's
flip a 1001 1001	# one entry: a is still behind, so this write prunes
m1=$(markers a)
check "a write in another database leaves this one's prune behind ($left old entries were left; markers $m0 -> $m1)" \
	"$([ "$left" -gt 0 ] && [ "$m1" -gt "$m0" ] && echo t || echo "left $left, markers $m0 -> $m1")"
# a prune that took the rest but rolled back leaves the log behind still
left=$(psql -qXAt -d a -c "SELECT count(*) FROM share_acl.change_log WHERE kind <> '-' AND txid <= '$before'")
gone=$(psql -qXAt -d a -c "BEGIN" \
	-c "UPDATE share_acl.resource SET restricted = NOT restricted WHERE id = '91000000-0001-0000-0007-000000001002'" \
	-c "UPDATE share_acl.resource SET restricted = NOT restricted WHERE id = '91000000-0001-0000-0007-000000001002'" \
	-c "UPDATE share_acl.resource SET restricted = NOT restricted WHERE id = '91000000-0001-0000-0007-000000001002'" \
	-c "SELECT count(*) FROM share_acl.change_log WHERE kind <> '-' AND txid <= '$before'" -c "ROLLBACK")
flip a 1003 1003
m2=$(markers a)
check "a prune that took the last old entries and rolled back leaves the next write to prune ($left old entries, none seen in the transaction: $gone; markers $m1 -> $m2)" \
	"$([ "$left" -gt 0 ] && [ "$gone" = 0 ] && [ "$m2" -gt "$m1" ] && echo t || echo "left $left, in the transaction $gone, markers $m1 -> $m2")"

# --- no growth with sessions that write in bulk and end
psql -qX -d a -c "DELETE FROM share_acl.change_log" >/dev/null
sizes=""
k=100
for round in 1 2 3 4 5 6; do
	burn
	for s in 1 2 3 4; do
		k=$((k + 1))
		file a 2000 "$k" &
	done
	wait
	sizes="$sizes $(entries a)"
done
last=$(echo $sizes | awk '{ print $NF }')
max=$(echo $sizes | tr ' ' '\n' | sort -n | tail -1)
check "rounds of 4 one-statement sessions filing 2,000 assets each keep the log bounded (entries after each round:$sizes)" \
	"$([ "$max" -lt 26000 ] && echo t || echo "at most $max")"

[ $failed = 0 ] && echo "prune: all checks passed" || echo "prune: some checks FAILED"
exit $failed
