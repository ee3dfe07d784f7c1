#!/usr/bin/env bash
# test/dump/run.sh — pg_dump / restore keeps every answer (SPEC §2, §12).
#
# Needs a running cluster (PGHOST etc., as test/run_all.sh provides).  Loads a
# small data set, records effective_permissions for many (principal,
# resource) pairs, dumps the database as plain SQL, restores it into a fresh
# database with psql, and compares the answers and the row counts; then the
# same with a custom-format dump restored with pg_restore -j 2 the way the
# README says (share_acl's rows serially, in foreign-key order, the rest in
# parallel); then a reinstall of the extension: DROP and CREATE EXTENSION
# and a data-only restore of share_acl's rows, the way the README says, with
# a session connected throughout that writes before and after; and
# a dump of share_acl's schema with the extension named (pg_dump -n
# share_acl -e share_acl: -n alone crashes pg_dump 15, README) restored with
# psql; and a LATIN1 database whose model and audited application rows hold
# non-ASCII text, restored into a UTF8 database and that one's dump into a
# LATIN1 one again (the restores convert the text; the chains must verify:
# they hash text in UTF-8); and a WIN1252 database holding a character
# UTF-8 has none for (0x81), whose rows are hashed as their bytes: its
# commits work and its chains verify, also restored into WIN1252 again; and
# an EUC_JP database, where two codes are one character in Unicode: an edit of
# an audited character into its twin is found.
set -euo pipefail
root=$(cd "$(dirname "$0")/../.." && pwd)
work=$(mktemp -d /tmp/share_acl_dump.XXXXXX)
trap 'rm -rf "$work"; for d in src dst par rei sch lat utf lat2 win win2 eucjp; do dropdb --if-exists share_acl_dump_$d >/dev/null 2>&1; done' EXIT

for d in src dst par rei sch lat utf lat2 win win2 eucjp; do dropdb --if-exists share_acl_dump_$d >/dev/null 2>&1; done
createdb share_acl_dump_src
psql -qX -v ON_ERROR_STOP=1 -d share_acl_dump_src -c 'CREATE EXTENSION share_acl'
psql -qX -v ON_ERROR_STOP=1 -d share_acl_dump_src -v scale=0.002 -f "$root/test/bench/generate.sql" >/dev/null
# move a few resources so that some children come before their parents on disk
psql -qX -v ON_ERROR_STOP=1 -d share_acl_dump_src <<'SQL'
INSERT INTO share_acl.resource (id, workspace_id, kind, parent_id)
SELECT md5('late:' || i)::uuid, md5('ws:0')::uuid, 'collection', md5('project:0')::uuid
FROM generate_series(1, 3) i;
UPDATE share_acl.resource SET parent_id = md5('late:' || (1 + abs(hashtext(id::text)) % 3))::uuid
WHERE id IN (SELECT id FROM share_acl.resource WHERE kind = 'asset' ORDER BY id LIMIT 50);
SQL

ANSWERS="COPY (SELECT p.id, r.id, share_acl.effective_permissions(p.id, r.id)
               FROM share_acl.principal p, share_acl.resource r
               WHERE p.kind <> 'team' AND (hashtext(p.id::text) % 50) = 0
               ORDER BY 1, 2) TO STDOUT"
COUNTS="SELECT (SELECT count(*) FROM share_acl.workspace), (SELECT count(*) FROM share_acl.principal),
               (SELECT count(*) FROM share_acl.member), (SELECT count(*) FROM share_acl.team_member),
               (SELECT count(*) FROM share_acl.resource), (SELECT count(*) FROM share_acl.collection_item),
               (SELECT count(*) FROM share_acl.share)"
# the audit log: month partitions (audit_retain makes them; they are no
# members of the extension) besides the default partition, a refused call
psql -qX -v ON_ERROR_STOP=1 -d share_acl_dump_src -c "SELECT share_acl.audit_retain('1 year')" >/dev/null
# a chain of one row dated 2100 (written as a superuser, correctly chained):
# no month partition holds it, so it stays in the default partition
psql -qX -v ON_ERROR_STOP=1 -d share_acl_dump_src >/dev/null <<'SQL'
INSERT INTO share_acl.audit_log (id, at, workspace_id, db_role, action, object_type, hash)
SELECT i, t, w, 'postgres', 'note', 'dump test',
       share_acl._audit_row_hash(NULL, i, t, w, NULL, 'postgres', 'note', 'dump test', NULL, NULL, NULL, NULL, NULL)
  FROM (SELECT nextval('share_acl.audit_log_id_seq') AS i, timestamptz '2100-01-01 00:00+00' AS t,
               'd0000000-0000-0000-0000-000000002100'::uuid AS w) x;
INSERT INTO share_acl.audit_chain (workspace_id, last_id, last_at, last_hash)
SELECT workspace_id, id, at, hash FROM share_acl.audit_log WHERE workspace_id = 'd0000000-0000-0000-0000-000000002100';
SQL
psql -qX -d share_acl_dump_src -c "SELECT share_acl.create_user('nobody@dump.example')" \
	-c "SET ROLE share_acl_user" -c "SELECT share_acl.create_user('refused@dump.example')" >/dev/null 2>&1 || true
sleep 1
AUDIT="COPY (SELECT id, at, workspace_id, action, object_type, object_id, encode(hash, 'hex')
              FROM share_acl.audit_log WHERE id <= :max ORDER BY id) TO STDOUT"
max_audit=$(psql -qXAt -d share_acl_dump_src -c "SELECT max(id) FROM share_acl.audit_log")
psql -qXAt -d share_acl_dump_src -c "$ANSWERS" >"$work/before"
psql -qXAt -d share_acl_dump_src -c "$COUNTS" >"$work/counts_before"
psql -qXAt -d share_acl_dump_src -v max="$max_audit" -f - <<<"$AUDIT" >"$work/audit_before"

# the answers, row counts and audit rows of database share_acl_dump_$1 are
# those of the source (what: how it was restored, for the message)
same_as_before() {
	local db=share_acl_dump_$1
	psql -qXAt -d "$db" -c "$ANSWERS" >"$work/after_$1"
	psql -qXAt -d "$db" -c "$COUNTS" >"$work/counts_$1"
	psql -qXAt -d "$db" -v max="$max_audit" -f - <<<"$AUDIT" >"$work/audit_$1"
	if ! diff -q "$work/counts_before" "$work/counts_$1" >/dev/null || ! diff -q "$work/before" "$work/after_$1" >/dev/null ||
		! diff -q "$work/audit_before" "$work/audit_$1" >/dev/null; then
		echo "dump: row counts, answers or audit rows differ after $2:"
		diff "$work/counts_before" "$work/counts_$1"; diff "$work/before" "$work/after_$1" | head -10
		diff "$work/audit_before" "$work/audit_$1" | head -10; exit 1
	fi
}
# every audit chain of database share_acl_dump_$1 verifies
chains_verify() {
	local verify
	verify=$(psql -qXAt -d "share_acl_dump_$1" -c "SELECT ok::text || '|' || coalesce(first_bad_id::text, '') FROM share_acl.audit_verify()")
	if [ "$verify" != "true|" ]; then
		echo "dump: audit_verify after $2: $verify"; exit 1
	fi
}

pg_dump -d share_acl_dump_src -f "$work/dump.sql" 2>"$work/pg_dump.log" || { cat "$work/pg_dump.log"; exit 1; }
createdb share_acl_dump_dst
psql -qX -v ON_ERROR_STOP=1 -d share_acl_dump_dst -f "$work/dump.sql" >/dev/null

psql -qXAt -d share_acl_dump_dst -c "$ANSWERS" >"$work/after"
psql -qXAt -d share_acl_dump_dst -c "$COUNTS" >"$work/counts_after"
psql -qXAt -d share_acl_dump_dst -v max="$max_audit" -f - <<<"$AUDIT" >"$work/audit_after"

pairs=$(wc -l <"$work/before")
if [ "$pairs" -lt 1000 ]; then
	echo "dump: too few pairs compared ($pairs)"; exit 1
fi
if ! diff -q "$work/counts_before" "$work/counts_after" >/dev/null; then
	echo "dump: row counts differ:"; diff "$work/counts_before" "$work/counts_after"; exit 1
fi
if ! diff -q "$work/before" "$work/after" >/dev/null; then
	echo "dump: answers differ after restore:"; diff "$work/before" "$work/after" | head -20; exit 1
fi
# every audit row is back, with its id, time and hash; the chains verify
# (the restore's own inserts are audited too, after the restored rows);
# and writing goes on
audit_rows=$(wc -l <"$work/audit_before")
if [ "$audit_rows" -lt 100 ] || ! grep -q refused "$work/audit_before" || ! grep -q '^[0-9]*	2100-' "$work/audit_before"; then
	echo "dump: too few audit rows before the dump ($audit_rows), or no refused call, or no row in the default partition"; exit 1
fi
if ! diff -q "$work/audit_before" "$work/audit_after" >/dev/null; then
	echo "dump: audit rows differ after restore:"; diff "$work/audit_before" "$work/audit_after" | head -10; exit 1
fi
psql -qX -v ON_ERROR_STOP=1 -d share_acl_dump_dst -c "SELECT share_acl.create_user('after@dump.example')" >/dev/null
chains_verify dst restore

# a custom-format dump restored in parallel: pg_restore -j orders no data by
# the extension's foreign keys, so share_acl's rows go first, serially, in
# the archive's order (README, "Dump and restore")
pg_dump -Fc -d share_acl_dump_src -f "$work/dump.fc" 2>>"$work/pg_dump.log" || { cat "$work/pg_dump.log"; exit 1; }
createdb share_acl_dump_par
pg_restore -l "$work/dump.fc" | grep -E '^[0-9]+; [0-9]+ [0-9]+ TABLE DATA share_acl ' >"$work/share_acl.list"
pg_restore -l "$work/dump.fc" | grep -v -E '^[0-9]+; [0-9]+ [0-9]+ TABLE DATA share_acl ' >"$work/rest.list"
pg_restore -e -d share_acl_dump_par --section=pre-data "$work/dump.fc"
pg_restore -e -d share_acl_dump_par -L "$work/share_acl.list" "$work/dump.fc"
pg_restore -e -d share_acl_dump_par -j 2 -L "$work/rest.list" --section=data --section=post-data "$work/dump.fc"
same_as_before par "pg_restore -j"
chains_verify par "pg_restore -j"

# a reinstall (README, "Reinstalling"): a dump whose partitions load through
# audit_log (--load-via-partition-root), DROP EXTENSION ... CASCADE, CREATE
# EXTENSION, and share_acl's rows restored alone into the new extension,
# also those of the month partitions the new extension does not have
# (with a session that stays connected throughout, as a pool's would, idle
# while the reinstall runs: it has sealed rows before, and seals after)
createdb -T share_acl_dump_src share_acl_dump_rei
coproc KEPT { psql -qXAt -v ON_ERROR_STOP=1 -d share_acl_dump_rei 2>&1; }
# bash unsets KEPT and KEPT_PID once it has reaped the coprocess: keep copies
kept_pid=$KEPT_PID kept_in=${KEPT[1]} kept_out=${KEPT[0]}
kept() {	# SQL: run it in the kept session, answer its one line of output
	local line
	echo "$1;" >&"$kept_in"
	read -r -t 60 line <&"$kept_out" || { echo "dump: the kept session did not answer $1"; exit 1; }
	echo "$line"
}
kept "SELECT share_acl.create_user('kept-before@reinstall.example') IS NOT NULL" >/dev/null
pg_dump -Fc --load-via-partition-root -d share_acl_dump_rei -f "$work/rei.fc" 2>>"$work/pg_dump.log" ||
	{ cat "$work/pg_dump.log"; exit 1; }
psql -qX -v ON_ERROR_STOP=1 -d share_acl_dump_rei -c 'DROP EXTENSION share_acl CASCADE' -c 'CREATE EXTENSION share_acl' 2>/dev/null
if ! pg_restore -e -d share_acl_dump_rei --data-only -n share_acl "$work/rei.fc" 2>"$work/rei.log"; then
	echo "dump: the data-only restore into the reinstalled extension failed:"; head -5 "$work/rei.log"; exit 1
fi
kept_after=$(kept "SELECT share_acl.create_user('kept-after@reinstall.example') IS NOT NULL")
echo '\q' >&"$kept_in"
wait "$kept_pid" 2>/dev/null || true
if [ "$kept_after" != t ]; then
	echo "dump: the session kept through the reinstall could not write: $kept_after"; exit 1
fi
psql -qX -v ON_ERROR_STOP=1 -d share_acl_dump_rei -c "DELETE FROM share_acl.principal WHERE email LIKE 'kept-%@reinstall.example'" >/dev/null
same_as_before rei "the reinstall"
psql -qX -v ON_ERROR_STOP=1 -d share_acl_dump_rei -c "SELECT share_acl.create_user('after@reinstall.example')" \
	-c "SELECT share_acl.audit_retain('1 year')" >/dev/null
twice=$(psql -qXAt -d share_acl_dump_rei -c "SELECT count(*) - count(DISTINCT id) FROM share_acl.audit_log")
if [ "$twice" != 0 ]; then
	echo "dump: after the reinstall $twice audit ids are taken twice (the kept session's seal)"; exit 1
fi
chains_verify rei "the reinstall, a session kept through it writing after it"

# one schema, the extension named (README, "Dump and restore")
pg_dump -n share_acl -e share_acl -d share_acl_dump_src -f "$work/schema.sql" 2>>"$work/pg_dump.log" ||
	{ echo "dump: pg_dump -n share_acl -e share_acl failed ($?)"; tail -3 "$work/pg_dump.log"; exit 1; }
createdb share_acl_dump_sch
psql -qX -v ON_ERROR_STOP=1 -d share_acl_dump_sch -f "$work/schema.sql" >/dev/null
same_as_before sch "pg_dump -n share_acl -e share_acl"
chains_verify sch "pg_dump -n share_acl -e share_acl"
# another encoding: LATIN1 to UTF8 and back
createdb -E LATIN1 --locale=C -T template0 share_acl_dump_lat
PGCLIENTENCODING=UTF8 psql -qX -v ON_ERROR_STOP=1 -d share_acl_dump_lat >/dev/null <<'SQL'
CREATE EXTENSION share_acl;
SELECT share_acl.create_user('zoe@encoding.example', 'Zoë') AS z \gset
SELECT share_acl.create_workspace('Équipe Café', :'z') AS w \gset
SELECT share_acl.create_team(:'w', 'Régie façade');
CREATE TABLE public.note (id uuid, "résumé" text);
CREATE TRIGGER audited AFTER INSERT OR UPDATE OR DELETE ON public.note
    FOR EACH ROW EXECUTE FUNCTION share_acl.audit_trigger('id');
BEGIN;
SELECT share_acl.set_principal(:'z');
SELECT share_acl.create_resource(:'w', 'project') AS p \gset
INSERT INTO public.note VALUES (:'p', 'déjà vu, naïve');
UPDATE public.note SET "résumé" = 'Ça va';
COMMIT;
SQL
chains_verify lat "writing in a LATIN1 database"
pg_dump -Fc -d share_acl_dump_lat -f "$work/lat.fc" 2>>"$work/pg_dump.log"
createdb share_acl_dump_utf
pg_restore -d share_acl_dump_utf "$work/lat.fc"
names=$(PGCLIENTENCODING=UTF8 psql -qXAt -d share_acl_dump_utf -c "SELECT string_agg(coalesce(display_name, ''), ',' ORDER BY display_name) FROM share_acl.principal")
[ "$names" = "Régie façade,Zoë" ] || { echo "dump: LATIN1 to UTF8 restored the names as \"$names\""; exit 1; }
chains_verify utf "a LATIN1 database's dump restored into a UTF8 database"
pg_dump -Fc -d share_acl_dump_utf -f "$work/utf.fc" 2>>"$work/pg_dump.log"
createdb -E LATIN1 --locale=C -T template0 share_acl_dump_lat2
pg_restore -d share_acl_dump_lat2 "$work/utf.fc"
chains_verify lat2 "that UTF8 database's dump restored into a LATIN1 database"
createdb -E WIN1252 --locale=C -T template0 share_acl_dump_win
psql -qX -v ON_ERROR_STOP=1 -d share_acl_dump_win >/dev/null <<'SQL'
CREATE EXTENSION share_acl;
SELECT convert_from('\x4181'::bytea, 'WIN1252') AS t \gset
SELECT share_acl.create_user('u81@encoding.example', :'t') AS z \gset
SELECT share_acl.create_workspace('W' || :'t', :'z') AS w \gset
CREATE TABLE public.note (id uuid, body text, j jsonb);
CREATE TRIGGER audited AFTER INSERT OR UPDATE OR DELETE ON public.note
    FOR EACH ROW EXECUTE FUNCTION share_acl.audit_trigger('id');
BEGIN;
SELECT share_acl.set_principal(:'z');
SELECT share_acl.create_resource(:'w', 'project') AS p \gset
INSERT INTO public.note VALUES (:'p', :'t', pg_catalog.jsonb_build_object(:'t', :'t'));
COMMIT;
SQL
chains_verify win "writing characters UTF-8 has none for in a WIN1252 database"
pg_dump -Fc -d share_acl_dump_win -f "$work/win.fc" 2>>"$work/pg_dump.log"
createdb -E WIN1252 --locale=C -T template0 share_acl_dump_win2
pg_restore -d share_acl_dump_win2 "$work/win.fc"
chains_verify win2 "that WIN1252 database's dump restored into another"
createdb -E EUC_JP --locale=C -T template0 share_acl_dump_eucjp
psql -qX -v ON_ERROR_STOP=1 -d share_acl_dump_eucjp >/dev/null <<'SQL'
CREATE EXTENSION share_acl;
SELECT share_acl.create_user('twins@encoding.example') AS z \gset
SELECT share_acl.create_workspace('twins', :'z') AS w \gset
CREATE TABLE public.note (id uuid, body text);
CREATE TRIGGER audited AFTER INSERT ON public.note FOR EACH ROW EXECUTE FUNCTION share_acl.audit_trigger('id');
BEGIN;
SELECT share_acl.set_principal(:'z');
SELECT share_acl.create_resource(:'w', 'project') AS p \gset
INSERT INTO public.note VALUES (:'p', convert_from('\xa2e8', 'EUC_JP'));
COMMIT;
SQL
chains_verify eucjp "writing in an EUC_JP database"
psql -qX -v ON_ERROR_STOP=1 -d share_acl_dump_eucjp >/dev/null <<'SQL'
ALTER TABLE share_acl.audit_log DISABLE TRIGGER USER;
UPDATE share_acl.audit_log SET new = jsonb_set(new, '{body}', to_jsonb(convert_from('\xadfa', 'EUC_JP')))
 WHERE object_type = 'public.note';
ALTER TABLE share_acl.audit_log ENABLE TRIGGER USER;
SQL
twin=$(psql -qXAt -d share_acl_dump_eucjp -c "SELECT ok FROM share_acl.audit_verify()")
[ "$twin" = f ] || { echo "dump: an EUC_JP audited character edited into its Unicode twin (A2E8 to ADFA) was not found: $twin"; exit 1; }

echo "dump: $pairs answers, all row counts ($(cat "$work/counts_after")) and $audit_rows audit rows identical after pg_dump and restore (plain SQL with psql, custom format with pg_restore -j 2, a reinstall of the extension with a data-only restore and a session kept connected through it, a dump of the share_acl schema with the extension named, LATIN1 to UTF8 and back with non-ASCII text, WIN1252 with a character UTF-8 has none for, and an EUC_JP character edited into its Unicode twin found); the audit chains verify"
