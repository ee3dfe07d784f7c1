#!/usr/bin/env bash
# test/image/run.sh — a damaged image is never used, and never crashes a
# backend; the image writer writes the images a backend cannot.
#
# Needs a running cluster (PGHOST etc. and SA_CLUSTER_DIR, as test/run_all.sh
# provides).  Builds a database with 25,000 assets and 2,100 people, so that
# a backend writes its three images (the structure's, the principals' and
# the workspaces'), keeps a copy of each, and then, one damage at a time, puts a damaged copy in place
# and asks a fresh backend: it must give the answers of an undamaged one,
# report that it does not use the damaged image (cache_stats), and the server
# must not have restarted.  Damages: the file cut short, another magic
# number, counts and offsets out of the file, an empty file; a principal's
# range out of its array, a role this build does not know, a workspace's
# record or buckets changed, each found when it is looked up; with
# share_acl.shared_cache_size lowered below them, none is mapped.  Then, with the
# structure's and the principals' images removed, a fresh backend's first
# check and a scan in parallel mode each get both written by the image
# writer, which a later fresh backend maps; a structure image more than 16
# changes behind is written again from itself and its changes, and one
# 5,000 changes behind is replaced without a full read in a check; a
# principal image 5,000 changed principals behind is replaced by the image
# writer, not written in a check; a backend that started partial beside a
# structure image too far behind maps the newer one after 256 nodes read.  A structure bigger than a backend's own
# bound (share_acl.cache_size) but within share_acl.shared_cache_size gets
# its image written by the image writer, and backends with that bound map it.
set -uo pipefail
db=share_acl_image
dir=${SA_CLUSTER_DIR:?needs SA_CLUSTER_DIR (run from test/run_all.sh)}/data/base/pgsql_tmp
. "$(dirname "$0")/../checks.sh"

fresh_db $db
psql -qX -v ON_ERROR_STOP=1 -d $db >/dev/null <<'SQL'
CREATE EXTENSION share_acl;
INSERT INTO share_acl.workspace (id, name) VALUES ('e1000000-0000-0000-0000-000000000001', 'images');
INSERT INTO share_acl.principal (id, kind, email)
SELECT ('e1000000-0000-0000-0001-' || lpad(to_hex(i), 12, '0'))::uuid, 'user', 'u' || i || '@image.test'
  FROM generate_series(0, 2100) i;
INSERT INTO share_acl.member (workspace_id, principal_id, role)
SELECT 'e1000000-0000-0000-0000-000000000001', ('e1000000-0000-0000-0001-' || lpad(to_hex(i), 12, '0'))::uuid,
       CASE WHEN i = 0 THEN 'owner' ELSE 'guest' END::share_acl.workspace_role
  FROM generate_series(0, 2100) i;
INSERT INTO share_acl.principal (id, kind, display_name, workspace_id) VALUES
    ('e1000000-0000-0000-0002-000000000001', 'team', 't', 'e1000000-0000-0000-0000-000000000001');
INSERT INTO share_acl.team_member (team_id, member_id) VALUES
    ('e1000000-0000-0000-0002-000000000001', 'e1000000-0000-0000-0001-000000000002');
INSERT INTO share_acl.resource (id, workspace_id, kind, parent_id) VALUES
    ('e1000000-0000-0000-0003-000000000001', 'e1000000-0000-0000-0000-000000000001', 'project', NULL);
INSERT INTO share_acl.resource (id, workspace_id, kind, parent_id)
SELECT ('e1000000-0000-0000-0004-' || lpad(to_hex(i), 12, '0'))::uuid, 'e1000000-0000-0000-0000-000000000001',
       'asset', 'e1000000-0000-0000-0003-000000000001'
  FROM generate_series(1, 25000) i;
INSERT INTO share_acl.share (resource_id, grantee_id, perms) VALUES
    ('e1000000-0000-0000-0003-000000000001', 'e1000000-0000-0000-0001-000000000001', 'viewer'),
    ('e1000000-0000-0000-0003-000000000001', 'e1000000-0000-0000-0002-000000000001', 'editor');
ANALYZE;
SQL

# what a fresh backend answers: u1 views an asset (direct share), u2 edits it
# (through its team), u3 does not view it; and which images it maps
ANSWER_Q="SELECT share_acl.has_access('e1000000-0000-0000-0001-000000000001', 'e1000000-0000-0000-0004-000000000007', 'view')
             || ' ' || share_acl.has_access('e1000000-0000-0000-0001-000000000002', 'e1000000-0000-0000-0004-000000000007', 'edit')
             || ' ' || share_acl.has_access('e1000000-0000-0000-0001-000000000003', 'e1000000-0000-0000-0004-000000000007', 'view')"
MODE_Q="SELECT mode || ' ' || principals || ' ' || workspaces FROM share_acl.cache_stats()"
# (its share_acl DEBUG lines kept in $debug_file, for a failure's report)
debug_file=$(mktemp)
trap 'rm -f "$debug_file"' EXIT
fresh() {
	psql -qXAt -d $db -c "SET client_min_messages = debug1" -c "$ANSWER_Q" -c "$MODE_Q" 2>"$debug_file" | tr '\n' '|'
	grep -v '^DEBUG:  share_acl:\|^DEBUG:  ' "$debug_file" >&2
}
# why a fresh backend does not use an image (its DEBUG lines), for a failure's report
why() {
	sed 's/^/#   (the failing backend) /' "$debug_file"
	psql -qXAt -d $db -c "SET client_min_messages = debug1" -c "$ANSWER_Q" 2>&1 | grep 'share_acl:' | sed 's/^/#   /'
	ls -l "$dir" | sed 's/^/#   /'
}
# a check of what a backend answered: name, what it got, what was wanted
answered() {
	if [ "$2" = "$3" ]; then ok "$1: $2"; else not_ok "$1: got $2, want $3"; fi
}
# a check that image file $2 is no longer the one whose stamp was $3
written_again() {
	if [ "$(stat -c %Y.%i "$2")" != "$3" ]; then ok "$1"; else not_ok "$1 ($(ls -l "$dir" 2>&1 | tr '\n' ' '))"; fi
}

# a backend that scans every resource and checks 100 people writes both images
psql -qXAt -d $db >/dev/null <<'SQL'
SELECT count(*) FROM share_acl.accessible_resources('e1000000-0000-0000-0001-000000000001', 'view');
SELECT count(*) FILTER (WHERE share_acl.has_access(('e1000000-0000-0000-0001-' || lpad(to_hex(i), 12, '0'))::uuid,
                                                    'e1000000-0000-0000-0004-000000000001', 'view'))
  FROM generate_series(1, 100) i;
SQL
# until no image writer works for this database (at most 30 s)
wait_writer() {
	local i
	for i in $(seq 300); do
		[ "$(psql -qXAt -d postgres -c "SELECT count(*) FROM pg_stat_activity
		      WHERE backend_type = 'share_acl image writer' AND datname = '$db'")" = 0 ] && return
		sleep 0.1
	done
}
# until the files are there and no image writer works (at most 10 s, then 30 s)
wait_images() {
	local i f missing
	for i in $(seq 100); do
		missing=0
		for f in "$@"; do [ -s "$f" ] || missing=1; done
		[ "$missing" = 0 ] && break
		sleep 0.1
	done
	wait_writer
}
wait_writer
oid=$(psql -qXAt -d $db -c "SELECT oid FROM pg_database WHERE datname = current_database()")
simg=$dir/pgsql_tmp_share_acl_$oid
pimg=${simg}_p
wimg=${simg}_w
if [ -s "$simg" ] && [ -s "$pimg" ] && [ -s "$wimg" ]; then ok "the three images written"
else not_ok "the three images written ($(ls "$dir" 2>&1))"; fi
cp "$simg" "$simg.good"; cp "$pimg" "$pimg.good"; cp "$wimg" "$wimg.good"
good="true true false|shared shared shared|"
got=$(fresh)
if [ "$got" = "$good" ]; then ok "a fresh backend maps both: $got"; else not_ok "a fresh backend maps both: got $got, want $good"; why; fi
# share_acl.shared_cache_size lowered below the images: a fresh backend maps
# none of them (and writes none), with the same answers
want="true true false|backend backend backend|"
got=$(psql -qXAt -d $db -c "SET share_acl.shared_cache_size = 0" -c "$ANSWER_Q" -c "$MODE_Q" | tr '\n' '|')
if [ "$got" = "$want" ]; then ok "shared_cache_size = 0: no image mapped, same answers"
else not_ok "shared_cache_size = 0: got $got, want $want"; fi
if cmp -s "$simg" "$simg.good" && cmp -s "$pimg" "$pimg.good"; then ok "shared_cache_size = 0: the images left as they were"
else not_ok "shared_cache_size = 0: an image was written again"; fi
started=$(psql -qXAt -d postgres -c "SELECT pg_postmaster_start_time()")
# a process that crashed (a backend or a worker: the postmaster then resets
# every backend, but keeps its start time) says so in the server log
crashes() { grep -c 'terminated by signal\|exited with exit code [^01]' "$SA_CLUSTER_DIR/server.log" 2>/dev/null; }
crashed_before=$(crashes)

# write bytes (hex, little-endian as the file holds them) at offset of file
poke() { printf "$(printf '%s' "$3" | sed 's/../\\x&/g')" | dd of="$1" bs=1 seek="$2" conv=notrunc status=none; }
# the 64-bit little-endian number at offset of file
peek8() { od -An -t u8 -j "$2" -N 8 "$1" | tr -d ' '; }

# damage name file-kind how: restore both, damage one, ask a fresh backend
damage() {
	local name=$1 which=$2 how=$3 f want got
	wait_writer
	cp "$simg.good" "$simg"; cp "$pimg.good" "$pimg"; cp "$wimg.good" "$wimg"
	case $which in
	s) f=$simg want="true true false|backend shared shared|" ;;
	p) f=$pimg want="true true false|shared backend shared|" ;;
	w) f=$wimg want="true true false|shared shared backend|" ;;
	esac
	eval "$how"
	chown postgres "$simg" "$pimg" "$wimg" 2>/dev/null
	got=$(fresh)
	if [ "$got" = "$want" ]; then ok "$name: not used, same answers"; else not_ok "$name: got $got, want $want"; why; fi
}
# ImageCommon: magic at 0, header_size 12, size 48, the making of the
# server's shared memory (uint32) at 60, nxip 112, xip 120; the
# kind's fields from 128: the structure's nresources (int32) at 128; the
# principals' nprincipals (int32) at 128, nmemberships 132, the principals
# array's offset (int64) at 152, the memberships' at 160, the index's mask at
# 192.  A principal record: id (16 bytes), kind, nmemberships, memberships, ...
# The workspaces': nworkspaces (int32) at 128, the records' offset (int64)
# at 136, the index's mask (uint32) at 144 and its buckets' offset (int64)
# at 160; a record: id, four bools, its checksum, the public access level (a
# permset, int64) at 24.
damage "structure image cut short" s 'truncate -s 4096 "$f"'
damage "structure image: another magic number" s 'poke "$f" 0 00000000'
damage "structure image: node count beyond the file" s 'poke "$f" 128 ffffff7f'
damage "structure image: xip count beyond the file" s 'poke "$f" 112 ffffff7f'
damage "structure image: empty file" s ': > "$f"'
# an image of this server run from before a crash restart (kept in pgsql_tmp
# when remove_temp_files_after_crash is off): each hex digit of its shared
# memory's mark turned into the next
other_memory='poke "$f" 60 $(od -An -t x1 -j 60 -N 4 "$f" | tr -d " \n" | tr 0-9a-f 1-9a-f0)'
damage "structure image: made before a crash restart" s "$other_memory"
damage "principal image: made before a crash restart" p "$other_memory"
damage "workspace image: made before a crash restart" w "$other_memory"
damage "principal image cut short" p 'truncate -s 4096 "$f"'
damage "principal image: another magic number" p 'poke "$f" 0 00000000'
damage "principal image: header size changed" p 'poke "$f" 12 08000000'
damage "principal image: principal count beyond the file" p 'poke "$f" 128 ffffff7f'
damage "principal image: principals' offset beyond the file" p 'poke "$f" 152 00000000ffff0000'
damage "principal image: index mask beyond the file" p 'poke "$f" 192 ffffff7f'
# A principal's entry (64 bytes: id, kind at 16, nmemberships at 20,
# memberships at 24, ...) is checked when it is looked up: a damaged one is
# not used, that principal is read from the tables, the rest of the image
# stays in use.
# the id of entry $2 of principal image $1
entry_id() {
	od -An -t x1 -j $(( $(peek8 "$1" 152) + $2 * 64 )) -N 16 "$1" | tr -d ' \n' |
		sed -E 's/(.{8})(.{4})(.{4})(.{4})(.{12})/\1-\2-\3-\4-\5/'
}
# the entry whose memberships start the array
membership_owner() {
	od -An -t d4 -v -w64 -j "$(peek8 "$1" 152)" -N $(( $(od -An -t d4 -j 128 -N 4 "$1" | tr -d ' ') * 64 )) "$1" |
		awk '$6 > 0 && $7 == 0 { print NR - 1; exit }'
}
entry_damage() {
	local name=$1 entry=$2 how=$3 f=$pimg who q good got want
	wait_writer
	cp "$simg.good" "$simg"; cp "$pimg.good" "$pimg"; cp "$wimg.good" "$wimg"
	who=$(entry_id "$pimg" "$entry")
	q="SELECT share_acl.effective_permissions('$who', 'e1000000-0000-0000-0004-000000000007')::text"
	good=$(psql -qXAt -d $db -c "$q")
	eval "$how"
	chown postgres "$pimg"
	got=$(psql -qXAt -d $db -c "SET client_min_messages = debug1" -c "$ANSWER_Q" -c "$MODE_Q" -c "$q" \
		2>"$debug_file" | tr '\n' '|')
	want="true true false|shared shared shared|$good|"
	if [ "$got" = "$want" ] && grep -q "entry of a principal is damaged" "$debug_file"; then
		ok "$name: that entry not used, same answers (of $who too)"
	else not_ok "$name: got $got, want $want (and the damage found)"; why; fi
}
entry_damage "principal image: a principal's roles beyond the array" 0 \
	'poke "$f" $(( $(peek8 "$f" 152) + 20 )) ffffff7f'
entry_damage "principal image: a principal of an unknown kind" 0 \
	'poke "$f" $(( $(peek8 "$f" 152) + 16 )) 09000000'
entry_damage "principal image: a role this build does not know" "$(membership_owner "$pimg.good")" \
	'poke "$f" $(( $(peek8 "$f" 160) + 16 )) 63000000'
# a role changed into another known one (a bit flipped: a guest made an
# admin), and the grant table of a principal with grants: slots naming grants
# past its own (a read past the arrays), or no slot left empty (a probe that
# never ends); each entry carries a checksum of itself and of its rows
entry_damage "principal image: a role changed into another known role" "$(membership_owner "$pimg.good")" \
	'poke "$f" $(( $(peek8 "$f" 160) + 16 )) $( [ "$(od -An -t d4 -j $(( $(peek8 "$f" 160) + 16 )) -N 4 "$f" | tr -d " ")" = 1 ] && echo 02000000 || echo 01000000)'
# the entry whose grant table starts the slots, and its table's size
grant_owner() {
	od -An -t d4 -v -w64 -j "$(peek8 "$1" 152)" -N $(( $(od -An -t d4 -j 128 -N 4 "$1" | tr -d ' ') * 64 )) "$1" |
		awk '$10 > 0 && $13 == 0 { print NR - 1, $12 + 1; exit }'
}
read -r gowner gslots < <(grant_owner "$pimg.good")
entry_damage "principal image: grant slots naming grants past the principal's" "$gowner" \
	'head -c $((gslots * 4)) /dev/zero | tr "\0" "\020" | dd of="$f" bs=4 seek=$(( $(peek8 "$f" 184) / 4 )) conv=notrunc status=none'
entry_damage "principal image: a grant table with no empty slot" "$gowner" \
	'head -c $((gslots * 4)) /dev/zero | dd of="$f" bs=4 seek=$(( $(peek8 "$f" 184) / 4 )) conv=notrunc status=none'
damage "principal image: empty file" p ': > "$f"'

damage "workspace image cut short" w 'truncate -s 100 "$f"'
damage "workspace image: another magic number" w 'poke "$f" 0 00000000'
damage "workspace image: workspace count beyond the file" w 'poke "$f" 128 ffffff7f'
damage "workspace image: workspaces' offset beyond the file" w 'poke "$f" 136 00000000ffff0000'
# a record is checked when it is looked up (a fresh backend does not read the
# whole image): the statement that finds it damaged fails (XX001) without
# using it, the next reads the table and writes a new image, which a fresh
# backend then maps
wait_writer
cp "$simg.good" "$simg"; cp "$pimg.good" "$pimg"; cp "$wimg.good" "$wimg"
poke "$wimg" $(( $(peek8 "$wimg" 136) + 24 )) ffffffffffffffff
chown postgres "$wimg"
got=$(psql -qXAt -d $db -c "$ANSWER_Q" -c "$ANSWER_Q" -c "$MODE_Q" 2>&1 | grep -v '^DETAIL' | tr '\n' '|')
want="ERROR:  share_acl: a record of the workspace image is damaged|true true false|shared shared backend|"
if [ "$got" = "$want" ]; then ok "workspace image: a record's public access level changed: that statement fails, the next answers from the table"
else not_ok "workspace image: a record's public access level changed: got $got, want $want"; why; fi
got=$(fresh)
if [ "$got" = "true true false|shared shared shared|" ]; then ok "workspace image: written again after the damage, and mapped: $got"
else not_ok "workspace image: written again after the damage: got $got"; why; fi
# buckets are checked as a look-up probes them: each naming a record past
# the count (bytes 0x7f), the statement fails as for a damaged record
wait_writer
cp "$simg.good" "$simg"; cp "$pimg.good" "$pimg"; cp "$wimg.good" "$wimg"
nbuckets=$(( $(od -An -t u4 -j 144 -N 4 "$wimg" | tr -d ' ') + 1 ))
head -c $((nbuckets * 4)) /dev/zero | tr '\0' '\177' |
	dd of="$wimg" bs=4 seek=$(( $(peek8 "$wimg" 160) / 4 )) conv=notrunc status=none
chown postgres "$wimg"
got=$(psql -qXAt -d $db -c "$ANSWER_Q" -c "$ANSWER_Q" -c "$MODE_Q" 2>&1 | grep -v '^DETAIL' | tr '\n' '|')
want="ERROR:  share_acl: a record of the workspace image is damaged|true true false|shared shared backend|"
if [ "$got" = "$want" ]; then ok "workspace image: its buckets name records past the count: that statement fails, the next answers from the table"
else not_ok "workspace image: its buckets name records past the count: got $got, want $want"; why; fi
# ... and when a change to a workspace since the image makes a fresh backend
# copy the records out of it first, every record is checked then: the
# damaged image is not used, the table is read
wait_writer
cp "$simg.good" "$simg"; cp "$pimg.good" "$pimg"; cp "$wimg.good" "$wimg"
poke "$wimg" $(( $(peek8 "$wimg" 136) + 24 )) ffffffffffffffff
chown postgres "$wimg"
psql -qX -d $db -c "UPDATE share_acl.workspace SET members_can_share = NOT members_can_share" \
	-c "UPDATE share_acl.workspace SET members_can_share = NOT members_can_share" >/dev/null
got=$(fresh)
if [ "$got" = "true true false|shared shared backend|" ]; then ok "workspace image: a damaged record found while the changes since are applied: not used, same answers"
else not_ok "workspace image: a damaged record found while the changes since are applied: got $got"; why; fi
damage "workspace image: empty file" w ': > "$f"'

cp "$simg.good" "$simg"; cp "$pimg.good" "$pimg"; cp "$wimg.good" "$wimg"
rm -f "$simg.good" "$pimg.good" "$wimg.good"

# the image writer: with no image, a fresh backend's first check (partial: it
# loads nothing in full) asks for both, and a later fresh backend maps them;
# likewise a scan in parallel mode, which never writes an image itself
writer() {	# name, then the statement of the backend that finds no image
	local name=$1 got
	rm -f "$simg" "$pimg"
	psql -qXAt -d $db -c "$2" >/dev/null
	wait_images "$simg" "$pimg"
	if [ -s "$simg" ] && [ -s "$pimg" ]; then ok "$name: the image writer wrote both images"
	else not_ok "$name: the image writer wrote both images ($(ls "$dir" 2>&1 | tr '\n' ' '))"; fi
	got=$(fresh)
	if [ "$got" = "$good" ]; then ok "$name: a later fresh backend maps them: $got"
	else not_ok "$name: a later fresh backend maps them: got $got, want $good"; why; fi
}
writer "a fresh backend's first check" "$ANSWER_Q"
# a structure bigger than a backend's own bound (share_acl.cache_size) but
# within share_acl.shared_cache_size is shared all the same: its backends ask
# the image writer for it, and map it (the image is not their memory)
rm -f "$simg"
psql -qXAt -d $db -c "SET share_acl.cache_size = '1MB'" -c "$ANSWER_Q" >/dev/null
wait_images "$simg"
got=$(psql -qXAt -d $db -c "SET share_acl.cache_size = '1MB'" -c "SET client_min_messages = debug1" \
	-c "$ANSWER_Q" -c "$MODE_Q" -c "SELECT private_bytes < 1024 * 1024 FROM share_acl.cache_stats()" 2>"$debug_file" | tr '\n' '|')
if [ -s "$simg" ] && [ "$got" = "${good}t|" ]; then
	ok "a structure bigger than share_acl.cache_size (1MB): its image written and mapped, the backend within its bound: $got"
else
	not_ok "a structure bigger than share_acl.cache_size (1MB): got $got, want ${good}t| ($(ls "$dir" 2>&1 | tr '\n' ' '))"; why
fi
writer "a scan in parallel mode" "SET parallel_setup_cost = 0; SET parallel_tuple_cost = 0;
	SET min_parallel_table_scan_size = 0; SET max_parallel_workers_per_gather = 2;
	SELECT count(*) FROM share_acl.resource r
	 WHERE share_acl.has_access('e1000000-0000-0000-0001-000000000001', r.id, 'view')"

# the principal image missing, the structure's a few changes behind: the
# image writer brings the structure's up to date as a backend would (it
# does not write it again) and writes the principal image
rm -f "$pimg"
stamp=$(stat -c %Y.%i "$simg")
psql -qX -d $db -c "INSERT INTO share_acl.resource (id, workspace_id, kind, parent_id)
	SELECT ('e1000000-0000-0000-0005-' || lpad(to_hex(i), 12, '0'))::uuid, 'e1000000-0000-0000-0000-000000000001',
	       'asset', 'e1000000-0000-0000-0003-000000000001' FROM generate_series(1, 3) i" >/dev/null
psql -qXAt -d $db -c "$ANSWER_Q" >/dev/null
wait_images "$pimg"
if [ -s "$pimg" ] && [ "$(stat -c %Y.%i "$simg")" = "$stamp" ]; then
	ok "a structure image a few changes behind: kept; the missing principal image written"
else
	not_ok "a structure image a few changes behind: kept; the missing principal image written ($(ls -l "$dir" 2>&1 | tr '\n' ' '))"
fi
got=$(psql -qXAt -d $db -c "SELECT share_acl.has_access('e1000000-0000-0000-0001-000000000001', 'e1000000-0000-0000-0005-000000000002', 'view')" -c "$MODE_Q" | tr '\n' '|')
if [ "$got" = "t|shared shared shared|" ]; then ok "a fresh backend maps both and sees the new asset: $got"
else not_ok "a fresh backend maps both and sees the new asset: got $got, want t|shared shared shared|"; why; fi
# a structure image more than 16 changes behind (the 3 assets above, 40 new
# ones and a project, a deleted asset, one moved out of the shared project:
# 46): the fresh backend that applied them
# asks the image writer, which writes the image again from itself and the
# changes (it does not read the tables); a later fresh backend maps it with
# no change to apply and answers as the tables say
wait_writer
sleep 2.1	# the image is written again at most every 2 s
stamp=$(stat -c %Y.%i "$simg")
psql -qX -d $db >/dev/null <<'SQL'
INSERT INTO share_acl.resource (id, workspace_id, kind, parent_id) VALUES
    ('e1000000-0000-0000-0003-000000000002', 'e1000000-0000-0000-0000-000000000001', 'project', NULL);
INSERT INTO share_acl.resource (id, workspace_id, kind, parent_id)
SELECT ('e1000000-0000-0000-0007-' || lpad(to_hex(i), 12, '0'))::uuid, 'e1000000-0000-0000-0000-000000000001',
       'asset', 'e1000000-0000-0000-0003-000000000001' FROM generate_series(1, 40) i;
DELETE FROM share_acl.resource WHERE id = 'e1000000-0000-0000-0004-000000000008';
UPDATE share_acl.resource SET parent_id = 'e1000000-0000-0000-0003-000000000002'
 WHERE id = 'e1000000-0000-0000-0004-000000000009';
SQL
INCREMENT_Q="SELECT share_acl.has_access('e1000000-0000-0000-0001-000000000001', 'e1000000-0000-0000-0007-000000000028', 'view')
             || ' ' || share_acl.has_access('e1000000-0000-0000-0001-000000000001', 'e1000000-0000-0000-0004-000000000008', 'view')
             || ' ' || share_acl.has_access('e1000000-0000-0000-0001-000000000001', 'e1000000-0000-0000-0004-000000000009', 'view')
             || ' ' || share_acl.has_access('e1000000-0000-0000-0001-000000000001', 'e1000000-0000-0000-0004-000000000007', 'view')"
DELTAS_Q="SELECT mode || ' ' || structure || ' ' || deltas_applied || ' ' || full_loads FROM share_acl.cache_stats()"
first=$(psql -qXAt -d $db -c "$INCREMENT_Q" -c "$DELTAS_Q" | tr '\n' '|')
# until the image is replaced (the writer starts asynchronously; at most 10 s)
for i in $(seq 100); do [ "$(stat -c %Y.%i "$simg")" != "$stamp" ] && break; sleep 0.1; done
wait_writer
after=$(stat -c %Y.%i "$simg")
later=$(psql -qXAt -d $db -c "$INCREMENT_Q" -c "$DELTAS_Q" | tr '\n' '|')
want="true false false true|shared full 46 0|"
if [ "$first" = "$want" ]; then ok "a structure image 46 changes behind: a fresh backend applies them: $first"
else not_ok "a structure image 46 changes behind: a fresh backend applies them: got $first, want $want"; why; fi
if [ "$after" != "$stamp" ]; then ok "the image writer wrote the structure image again"
else not_ok "the image writer wrote the structure image again ($(ls -l "$dir" 2>&1 | tr '\n' ' '))"; fi
want="true false false true|shared full 0 0|"
if [ "$later" = "$want" ]; then ok "a later fresh backend maps it with no change to apply: $later"
else not_ok "a later fresh backend maps it with no change to apply: got $later, want $want"; why; fi

# a backend whose mapped structure image falls more than 5,000 changes
# behind reads no table in the middle of a check: it asks the image writer
# for a newer image and goes on applying the changes, and maps that image
# once it is there (at a check after 256 changes more)
wait_writer
stamp=$(stat -c %Y.%i "$simg")
batch() {	# first count: new assets first .. first+count-1, in one statement
	echo "\\! psql -qX -d $db -c \"INSERT INTO share_acl.resource (id, workspace_id, kind, parent_id) SELECT ('e1000000-0000-0000-0006-' || lpad(to_hex(i), 12, '0'))::uuid, 'e1000000-0000-0000-0000-000000000001', 'asset', 'e1000000-0000-0000-0003-000000000001' FROM generate_series($1, $1 + $2 - 1) i\" >/dev/null"
}
CHECK_NEW="SELECT share_acl.has_access('e1000000-0000-0000-0001-000000000001', ('e1000000-0000-0000-0006-' || lpad(to_hex(:n), 12, '0'))::uuid, 'view')"
got=$( {
	echo "SELECT share_acl.has_access('e1000000-0000-0000-0001-000000000001', 'e1000000-0000-0000-0004-000000000007', 'view');"
	echo "SELECT full_loads AS loads0 FROM share_acl.cache_stats() \\gset"
	batch 1 5100
	echo "\\set n 5100"
	echo "$CHECK_NEW;"
	batch 5101 10
	echo "\\set n 5110"
	echo "$CHECK_NEW;"
	echo "SELECT 'loads ' || (full_loads - :loads0) || ' ' || structure FROM share_acl.cache_stats();"
	echo "SELECT private_bytes AS private1 FROM share_acl.cache_stats() \\gset"
	echo "\\! sleep 0.5"
	echo "\\! for i in \$(seq 300); do [ \"\$(psql -qXAt -d postgres -c \"SELECT count(*) FROM pg_stat_activity WHERE backend_type = 'share_acl image writer'\")\" = 0 ] && break; sleep 0.1; done"
	batch 5111 300
	echo "\\set n 5410"
	echo "$CHECK_NEW;"
	batch 5411 10
	echo "\\set n 5420"
	echo "$CHECK_NEW;"
	echo "SELECT 'loads ' || (full_loads - :loads0) || ' ' || structure || ' ' || (shared_bytes > 0)
	      || ' ' || (private_bytes < :private1) FROM share_acl.cache_stats();"
} | psql -qXAt -d $db 2>&1 | tr '\n' '|')
want="t|t|t|loads 0 full|t|t|loads 0 full true true|"
answered "a structure image 5,000 changes behind: no full read in a check, deltas go on, the newer image mapped" "$got" "$want"
written_again "the image writer wrote a newer structure image" "$simg" "$stamp"
# likewise a backend whose mapped principal image falls more than 5,000
# changed principals behind (5,100 new guests, the last given a share): it
# writes no image in the middle of a check, reads those principals from the
# tables, asks the image writer for a newer image and maps it at a check
# after 256 changes more (its images' size grows by the new guests'); the
# images fresh before (a fresh backend's check, the writer it may start)
wait_writer
psql -qXAt -d $db -c "$ANSWER_Q" >/dev/null
wait_writer
stamp=$(stat -c %Y.%i "$pimg")
guests() {	# first count: new guests first .. first+count-1, the last with a share of the project
	echo "\\! psql -qX -d $db -c \"INSERT INTO share_acl.principal (id, kind, email) SELECT ('e1000000-0000-0000-0008-' || lpad(to_hex(i), 12, '0'))::uuid, 'user', 'p' || i || '@image.test' FROM generate_series($1, $1 + $2 - 1) i\" -c \"INSERT INTO share_acl.member (workspace_id, principal_id, role) SELECT 'e1000000-0000-0000-0000-000000000001', ('e1000000-0000-0000-0008-' || lpad(to_hex(i), 12, '0'))::uuid, 'guest' FROM generate_series($1, $1 + $2 - 1) i\" -c \"INSERT INTO share_acl.share (resource_id, grantee_id, perms) VALUES ('e1000000-0000-0000-0003-000000000001', ('e1000000-0000-0000-0008-' || lpad(to_hex($1 + $2 - 1), 12, '0'))::uuid, 'viewer')\" >/dev/null"
}
CHECK_GUESTS="SELECT share_acl.has_access(('e1000000-0000-0000-0008-' || lpad(to_hex(:n), 12, '0'))::uuid, 'e1000000-0000-0000-0004-000000000007', 'view')
       || ' ' || share_acl.has_access(('e1000000-0000-0000-0008-' || lpad(to_hex(:n - 1), 12, '0'))::uuid, 'e1000000-0000-0000-0004-000000000007', 'view')
       || ' ' || share_acl.has_access('e1000000-0000-0000-0001-000000000001', 'e1000000-0000-0000-0004-000000000007', 'view')"
got=$( {
	echo "SET client_min_messages = debug1;"
	echo "$ANSWER_Q;"
	echo "SELECT shared_bytes AS shared0 FROM share_acl.cache_stats() \\gset"
	guests 1 5100
	echo "\\set n 5100"
	echo "$CHECK_GUESTS;"
	echo "SELECT principals || ' ' || (shared_bytes = :shared0) FROM share_acl.cache_stats();"
	echo "\\! for i in \$(seq 100); do [ \"\$(stat -c %Y.%i '$pimg')\" != '$stamp' ] && break; sleep 0.1; done"
	echo "\\! for i in \$(seq 300); do [ \"\$(psql -qXAt -d postgres -c \"SELECT count(*) FROM pg_stat_activity WHERE backend_type = 'share_acl image writer'\")\" = 0 ] && break; sleep 0.1; done"
	guests 5101 300
	echo "\\set n 5400"
	echo "$CHECK_GUESTS;"
	echo "SELECT principals || ' ' || (shared_bytes > :shared0) FROM share_acl.cache_stats();"
} | psql -qXAt -d $db 2>&1 | awk '!/^DEBUG:/ || /principal image written/' | tr '\n' '|')
want="true true false|true false true|shared true|true false true|shared true|"
answered "a principal image 5,000 changes behind: not written in a check, the changed principals read, a newer image asked for and mapped" "$got" "$want"
written_again "the image writer wrote a newer principal image" "$pimg" "$stamp"
# a fresh backend that starts partial (its first check finds the structure
# image 400 changes behind, more than the 256 a first check applies) asks the
# image writer for a newer one, and maps it once it has read 256 nodes on
# demand: no full read, nothing of the partial structure kept, the new assets
# seen (before, it read nodes on demand up to 1,024 here, 15,625 on the SPEC
# section 10 data set, and then read the whole table into its own memory when
# the image had fallen further behind meanwhile)
wait_writer
sleep 2.1	# (the first check asks the image writer only for an image older than 2 s)
stamp=$(stat -c %Y.%i "$simg")
psql -qX -d $db -c "INSERT INTO share_acl.resource (id, workspace_id, kind, parent_id)
	SELECT ('e1000000-0000-0000-0009-' || lpad(to_hex(i), 12, '0'))::uuid, 'e1000000-0000-0000-0000-000000000001',
	       'asset', 'e1000000-0000-0000-0003-000000000001' FROM generate_series(1, 400) i" >/dev/null
STRUCTURE_Q="SELECT structure || ' ' || full_loads || ' ' || mode || ' ' || (private_bytes < 1024 * 1024) FROM share_acl.cache_stats()"
got=$( {
	echo "SELECT share_acl.has_access('e1000000-0000-0000-0001-000000000001', 'e1000000-0000-0000-0004-000000000007', 'view');"
	echo "$STRUCTURE_Q;"
	echo "\\! for i in \$(seq 100); do [ \"\$(stat -c %Y.%i $simg)\" != \"$stamp\" ] && break; sleep 0.1; done"
	echo "\\! for i in \$(seq 300); do [ \"\$(psql -qXAt -d postgres -c \"SELECT count(*) FROM pg_stat_activity WHERE backend_type = 'share_acl image writer'\")\" = 0 ] && break; sleep 0.1; done"
	echo "SELECT count(*) FILTER (WHERE share_acl.has_access('e1000000-0000-0000-0001-000000000001',
	        ('e1000000-0000-0000-0004-' || lpad(to_hex(i), 12, '0'))::uuid, 'view')) FROM generate_series(100, 399) i;"
	echo "SELECT share_acl.has_access('e1000000-0000-0000-0001-000000000001', 'e1000000-0000-0000-0009-000000000190', 'view');"
	echo "$STRUCTURE_Q;"
} | psql -qXAt -d $db 2>&1 | tr '\n' '|')
want="t|partial 0 backend true|300|t|full 0 shared true|"
answered "a backend started partial beside an image 400 changes behind maps the newer image after 256 nodes read" "$got" "$want"
written_again "the image writer wrote a newer structure image for it" "$simg" "$stamp"
# a database made with the OID of a dropped one (CREATE DATABASE … OID; the
# OIDs wrapping around) does not use the dropped one's images, which stay in
# pgsql_tmp until a restart: a copy of the same template has the same
# relation OIDs.  The dropped copy took u1's share away and gave u3 one.
wait_writer
dba=${db}_a
psql -qX -d postgres -c "SET client_min_messages = warning" -c "DROP DATABASE IF EXISTS $dba" -c "DROP DATABASE IF EXISTS ${db}_b" -c "CREATE DATABASE $dba TEMPLATE $db" >/dev/null
psql -qXAt -d $dba >/dev/null <<'SQL'
DELETE FROM share_acl.share WHERE grantee_id = 'e1000000-0000-0000-0001-000000000001';
INSERT INTO share_acl.share (resource_id, grantee_id, perms) VALUES
    ('e1000000-0000-0000-0003-000000000001', 'e1000000-0000-0000-0001-000000000003', 'viewer');
SELECT count(*) FROM share_acl.accessible_resources('e1000000-0000-0000-0001-000000000001', 'view');
SELECT count(*) FILTER (WHERE share_acl.has_access(('e1000000-0000-0000-0001-' || lpad(to_hex(i), 12, '0'))::uuid,
                                                    'e1000000-0000-0000-0004-000000000001', 'view'))
  FROM generate_series(1, 100) i;
SQL
oid_a=$(psql -qXAt -d postgres -c "SELECT oid FROM pg_database WHERE datname = '$dba'")
for _ in $(seq 300); do
	[ -s "$dir/pgsql_tmp_share_acl_$oid_a" ] && [ -s "$dir/pgsql_tmp_share_acl_${oid_a}_p" ] &&
		[ "$(psql -qXAt -d postgres -c "SELECT count(*) FROM pg_stat_activity WHERE datname = '$dba' AND pid <> pg_backend_pid()")" = 0 ] && break
	sleep 0.1
done
got_a=$(psql -qXAt -d $dba -c "$ANSWER_Q")
psql -qX -d postgres -c "DROP DATABASE $dba" -c "CREATE DATABASE ${db}_b OID $oid_a TEMPLATE $db" >/dev/null
got_b=$(psql -qXAt -d ${db}_b -c "$ANSWER_Q" -c "SELECT mode || ' ' || principals FROM share_acl.cache_stats()" | tr '\n' '|')
if [ "$got_a" = "false true true" ] && [ -s "$dir/pgsql_tmp_share_acl_${oid_a}_p" ] && [ "$got_b" = "true true false|backend backend|" ]; then
	ok "a database made with a dropped one's OID does not use its images: $got_b (the dropped one: $got_a)"
else
	not_ok "a database made with a dropped one's OID does not use its images: got $got_b (the dropped one: $got_a; its images: $(ls "$dir" | grep -c "_${oid_a}"))"
fi
psql -qX -d postgres -c "DROP DATABASE ${db}_b" >/dev/null
# the next image written (here: the structure's, removed, again) removes
# the images of databases that no longer exist
wait_writer
left=$(ls "$dir" | grep -c "_share_acl_${oid_a}")
rm -f "$simg"
psql -qXAt -d $db -c "$ANSWER_Q" >/dev/null
wait_images "$simg"
if [ "$left" -gt 0 ] && [ -s "$simg" ] && [ "$(ls "$dir" | grep -c "_share_acl_${oid_a}")" = 0 ]; then
	ok "the next image written removes the $left images of the dropped databases"
else
	not_ok "the next image written removes the $left images of the dropped databases ($(ls "$dir" | tr '\n' ' '))"
fi

# a structure loaded in bulk after the planner's estimate was made (ANALYZE of
# the table when it held one resource): the backend that loads it in full
# writes its image, which the next fresh backend maps instead of loading it
fresh_db ${db}_bulk
psql -qX -v ON_ERROR_STOP=1 -d ${db}_bulk >/dev/null <<'SQL'
CREATE EXTENSION share_acl;
-- (the estimate stays the ANALYZE's below: no autovacuum's in between)
ALTER TABLE share_acl.resource SET (autovacuum_enabled = false);
INSERT INTO share_acl.workspace (id, name) VALUES ('e2000000-0000-0000-0000-000000000001', 'bulk');
INSERT INTO share_acl.principal (id, kind, email) VALUES ('e2000000-0000-0000-0001-000000000001', 'user', 'o@bulk.test');
INSERT INTO share_acl.member (workspace_id, principal_id, role)
VALUES ('e2000000-0000-0000-0000-000000000001', 'e2000000-0000-0000-0001-000000000001', 'owner');
INSERT INTO share_acl.resource (id, workspace_id, kind, parent_id) VALUES
    ('e2000000-0000-0000-0003-000000000001', 'e2000000-0000-0000-0000-000000000001', 'project', NULL);
ANALYZE share_acl.resource;
INSERT INTO share_acl.resource (id, workspace_id, kind, parent_id)
SELECT ('e2000000-0000-0000-0004-' || lpad(to_hex(i), 12, '0'))::uuid, 'e2000000-0000-0000-0000-000000000001',
       'asset', 'e2000000-0000-0000-0003-000000000001'
  FROM generate_series(1, 25000) i;
SQL
BULK_Q="SELECT share_acl.has_access('e2000000-0000-0000-0001-000000000001', 'e2000000-0000-0000-0004-000000000007', 'edit'),
               (SELECT reltuples FROM pg_class WHERE oid = 'share_acl.resource'::regclass)"
first=$(psql -qXAt -d ${db}_bulk -c "$BULK_Q" -c "SELECT mode || ' ' || full_loads FROM share_acl.cache_stats()" | tr '\n' '|')
second=$(psql -qXAt -d ${db}_bulk -c "$BULK_Q" -c "SELECT mode || ' ' || full_loads || ' ' || resources FROM share_acl.cache_stats()" | tr '\n' '|')
if [ "$second" = "t|1|shared 0 25001|" ]; then
	ok "a structure loaded in bulk after its table's estimate: the image one backend wrote is mapped by the next ($first $second)"
else
	not_ok "a structure loaded in bulk after its table's estimate: the image one backend wrote is mapped by the next (got $first $second)"
fi
# ... and, that image more than 16 changes behind, later backends apply the
# changes without asking the image writer, which writes no image for a table
# estimated small (each asked for it in vain, a worker slot taken each time)
psql -qX -d ${db}_bulk -c "INSERT INTO share_acl.resource (workspace_id, kind, parent_id)
    SELECT 'e2000000-0000-0000-0000-000000000001', 'asset', 'e2000000-0000-0000-0003-000000000001'
      FROM generate_series(1, 50)" >/dev/null
sleep 3
third=$(psql -qXAt -d ${db}_bulk -c "SET client_min_messages = debug1" -c "$BULK_Q" \
	-c "SELECT mode || ' ' || full_loads || ' ' || deltas_applied FROM share_acl.cache_stats()" 2>&1 |
	grep -o 'image writer started\|^shared.*\|^backend.*' | tr '\n' '|')
if [ "$third" = "shared 0 50|" ]; then
	ok "... 50 changes later a fresh backend applies them to that image, asking no image writer ($third)"
else
	not_ok "... 50 changes later a fresh backend applies them to that image, asking no image writer (got $third)"
fi
psql -qX -d postgres -c "DROP DATABASE ${db}_bulk" >/dev/null

if [ "$(psql -qXAt -d postgres -c "SELECT pg_postmaster_start_time()")" = "$started" ] &&
	[ "$(crashes)" = "$crashed_before" ]; then
	ok "the server did not restart, and no process crashed"
else
	not_ok "the server did not restart, and no process crashed ($(grep 'terminated by signal\|exited with exit code [^01]' "$SA_CLUSTER_DIR/server.log" | tail -3))"
fi
psql -qX -d postgres -c "DROP DATABASE $db" >/dev/null
echo "image: $checks checks, $failures failed: a damaged image is never used; the image writer writes the missing ones"
[ "$failures" -eq 0 ]
