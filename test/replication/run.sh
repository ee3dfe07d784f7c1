#!/usr/bin/env bash
# test/replication/run.sh — R13 under logical replication (SPEC §3 R13).
#
# The apply worker of a logical replication subscription runs with
# session_replication_role = replica and fires row triggers only, never
# statement triggers.  This starts its own throwaway cluster with
# wal_level = logical (share_acl must be installed: test/run_all.sh does it
# first), publishes the model tables of one database to another, warms a
# backend's cache on the subscriber, and checks that changes applied by the
# apply worker — a share deleted, a resource restricted, a share granted —
# are seen by that backend at once.  It also checks that the initial copy
# filled the subscriber's id registry (one id names one thing), and that the
# signing keys replicate: the subscriber's own unused key is replaced by the
# publisher's, whose tokens name their links there.
set -euo pipefail
. "$(dirname "$0")/../lib.sh"
sa_start_cluster "wal_level = logical"
work=$(mktemp -d /tmp/share_acl_replication.XXXXXX)
trap 'rm -rf "$work"; sa_stop_cluster' EXIT

createdb share_acl_pub
createdb share_acl_sub
for d in share_acl_pub share_acl_sub; do
	psql -qX -v ON_ERROR_STOP=1 -d "$d" -c 'CREATE EXTENSION share_acl'
done

# owner o owns workspace w; u (no role) has an editor share on project p,
# which holds asset a
psql -qX -v ON_ERROR_STOP=1 -d share_acl_pub >/dev/null <<'SQL'
INSERT INTO share_acl.workspace (id, name) VALUES ('7e000000-0000-0000-0000-000000000001', 'replicated');
INSERT INTO share_acl.principal (id, kind, email) VALUES
    ('7e000000-0000-0000-0001-000000000001', 'user', 'o@replication.example'),
    ('7e000000-0000-0000-0001-000000000002', 'user', 'u@replication.example');
INSERT INTO share_acl.member (workspace_id, principal_id, role) VALUES
    ('7e000000-0000-0000-0000-000000000001', '7e000000-0000-0000-0001-000000000001', 'owner');
INSERT INTO share_acl.resource (id, workspace_id, kind, parent_id) VALUES
    ('7e000000-0000-0000-0002-000000000001', '7e000000-0000-0000-0000-000000000001', 'project', NULL),
    ('7e000000-0000-0000-0002-000000000002', '7e000000-0000-0000-0000-000000000001', 'asset', '7e000000-0000-0000-0002-000000000001'),
    ('7e000000-0000-0000-0002-000000000003', '7e000000-0000-0000-0000-000000000001', 'asset', '7e000000-0000-0000-0002-000000000001');
INSERT INTO share_acl.share (id, resource_id, grantee_id, perms) VALUES
    ('7e000000-0000-0000-0003-000000000001', '7e000000-0000-0000-0002-000000000001', '7e000000-0000-0000-0001-000000000002', 'editor'),
    ('7e000000-0000-0000-0003-000000000002', '7e000000-0000-0000-0002-000000000001', '7e000000-0000-0000-0001-000000000002', 'viewer');
CREATE PUBLICATION share_acl_pub FOR TABLE
    share_acl.workspace, share_acl.principal, share_acl.member, share_acl.team_member,
    share_acl.resource, share_acl.collection_item, share_acl.share, share_acl.link,
    share_acl.signing_key;
SELECT pg_create_logical_replication_slot('share_acl_sub', 'pgoutput');
SQL
# the slot is made apart: a subscription to the same cluster cannot make it
psql -qX -v ON_ERROR_STOP=1 -d share_acl_sub -c "CREATE SUBSCRIPTION share_acl_sub
    CONNECTION 'host=$PGHOST port=$PGPORT dbname=share_acl_pub user=$PGUSER'
    PUBLICATION share_acl_pub WITH (create_slot = false, slot_name = 'share_acl_sub')"

# wait_for QUERY ANSWER: wait until a query on the subscriber answers so (at
# most 60 s); a command on the PATH, so that psql's \! can run it too
mkdir "$work/bin"
cat >"$work/bin/wait_for" <<'EOF2'
#!/usr/bin/env bash
for i in $(seq 1 600); do
	[ "$(psql -qXAt -d share_acl_sub -c "$1")" = "$2" ] && exit 0
	sleep 0.1
done
echo "replication: timed out waiting for: $1 = $2" >&2
exit 1
EOF2
chmod +x "$work/bin/wait_for"
export PATH="$work/bin:$PATH"
wait_for "SELECT count(*) FROM pg_subscription_rel WHERE srsubstate <> 'r'" 0
wait_for "SELECT count(*) FROM share_acl.share" 2

# One subscriber session: warm, let the publisher change and the apply
# worker replay it, check again.
psql -qXAt -v ON_ERROR_STOP=1 -d share_acl_sub >"$work/out" <<'SQL'
SELECT 'registry ' || count(*) FROM share_acl.id_registry;
SELECT 'warm edit ' || share_acl.has_access('7e000000-0000-0000-0001-000000000002', '7e000000-0000-0000-0002-000000000002', 'edit');
\! psql -qX -d share_acl_pub -c "DELETE FROM share_acl.share WHERE id = '7e000000-0000-0000-0003-000000000001'"
\! wait_for "SELECT count(*) FROM share_acl.share" 1
SELECT 'deleted edit ' || share_acl.has_access('7e000000-0000-0000-0001-000000000002', '7e000000-0000-0000-0002-000000000002', 'edit');
SELECT 'warm view ' || share_acl.has_access('7e000000-0000-0000-0001-000000000002', '7e000000-0000-0000-0002-000000000002', 'view');
\! psql -qX -d share_acl_pub -c "UPDATE share_acl.resource SET restricted = true WHERE id = '7e000000-0000-0000-0002-000000000002'"
\! wait_for "SELECT count(*) FROM share_acl.resource WHERE restricted" 1
SELECT 'restricted view ' || share_acl.has_access('7e000000-0000-0000-0001-000000000002', '7e000000-0000-0000-0002-000000000002', 'view');
SELECT 'warm other ' || share_acl.has_access('7e000000-0000-0000-0001-000000000002', '7e000000-0000-0000-0002-000000000003', 'edit');
\! psql -qX -d share_acl_pub -c "INSERT INTO share_acl.share (resource_id, grantee_id, perms) VALUES ('7e000000-0000-0000-0002-000000000003', '7e000000-0000-0000-0001-000000000002', 'editor')"
\! wait_for "SELECT count(*) FROM share_acl.share" 2
SELECT 'granted other ' || share_acl.has_access('7e000000-0000-0000-0001-000000000002', '7e000000-0000-0000-0002-000000000003', 'edit');
SQL
# The signing keys: the initial copy replaced the subscriber's own unused key
# (it conflicted with the publisher's for good), and a link's token made on
# the publisher, whose key got its secret at that first signature, names its
# link on the subscriber.
psql -qXAt -v ON_ERROR_STOP=1 -d share_acl_pub >"$work/token" <<'SQL'
BEGIN;
SELECT share_acl.set_principal('7e000000-0000-0000-0001-000000000001') \g /dev/null
SELECT share_acl.create_link('7e000000-0000-0000-0002-000000000001');
COMMIT;
SQL
token=$(tail -1 "$work/token")
wait_for "SELECT count(*) FROM share_acl.link" 1
wait_for "SELECT count(*) FROM share_acl.signing_key WHERE in_use" 1
printf 'token names %s\n' "$(psql -qXAt -d share_acl_sub -c "SELECT share_acl.link_id('$token') = l.id FROM share_acl.link l")" >>"$work/out"

cat >"$work/expected" <<'EOF2'
registry 6
warm edit true
deleted edit false
warm view true
restricted view false
warm other false
granted other true
token names t
EOF2
if ! diff -u "$work/expected" "$work/out"; then
	echo "replication: a change applied by logical replication was not seen at once"
	exit 1
fi
psql -qX -d share_acl_sub -c 'SET client_min_messages = warning' -c 'DROP SUBSCRIPTION share_acl_sub'
echo "replication: changes applied by logical replication invalidate the caches at once (R13)"
