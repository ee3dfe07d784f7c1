#!/usr/bin/env bash
# test/install/run.sh — CREATE EXTENSION as provisioning runs it: on a fresh
# cluster (no share_acl role yet), in several databases at the same time.
#
# share_acl's roles (share_acl_user, share_acl_admin) are cluster-wide and
# made by the first CREATE EXTENSION; installs running at once in other
# databases wait for that one's roles and must then take them as they are,
# not fail with 23505 on pg_authid.  This suite starts its own throwaway
# cluster, runs CREATE EXTENSION in DATABASES (4) databases at once, ROUNDS
# (3) times (dropping the databases and the roles between rounds), and checks
# that every install succeeded and works; then installs it in databases of
# other encodings (LATIN1, WIN1252, EUC_JP, SQL_ASCII, MULE_INTERNAL, which has no
# conversion to UTF-8 for the audit hash): the install script,
# which holds UTF-8 text, is read as UTF-8 in each.
set -uo pipefail
. "$(dirname "$0")/../lib.sh"
. "$(dirname "$0")/../checks.sh"
DATABASES=${DATABASES:-4}
ROUNDS=${ROUNDS:-3}
# (a cluster of the calling suite is not ours to stop)
unset SA_CLUSTER_DIR

if [ ! -f "$("$PG_CONFIG" --sharedir)/extension/share_acl.control" ]; then
	sa_build_install || exit 1
fi
sa_start_cluster
out=$(mktemp -d /tmp/share_acl_install.XXXXXX)
trap 'rm -rf "$out"; sa_stop_cluster' EXIT

for round in $(seq "$ROUNDS"); do
	for i in $(seq "$DATABASES"); do createdb "install_$i"; done
	for i in $(seq "$DATABASES"); do
		psql -qXAt -d "install_$i" -c 'CREATE EXTENSION share_acl' \
			-c "SELECT share_acl.create_user('first@install.example') IS NOT NULL" >"$out/$i" 2>&1 &
	done
	wait
	failed=$(for i in $(seq "$DATABASES"); do [ "$(cat "$out/$i")" = t ] || echo "install_$i: $(head -2 "$out/$i" | tr '\n' ' ')"; done)
	if [ -z "$failed" ]; then
		ok "round $round: CREATE EXTENSION in $DATABASES databases at once on a cluster without share_acl's roles: every one installed and works"
	else
		not_ok "round $round: CREATE EXTENSION in $DATABASES databases at once: $failed"
	fi
	roles=$(psql -qXAt -d postgres -c "SELECT string_agg(rolname, ',' ORDER BY rolname) FROM pg_roles WHERE rolname LIKE 'share_acl%'")
	if [ "$roles" = "share_acl_admin,share_acl_user" ]; then ok "round $round: the two roles, once each"; else
		not_ok "round $round: the roles are '$roles'"; fi
	for i in $(seq "$DATABASES"); do dropdb "install_$i"; done
	psql -qX -d postgres -c 'DROP ROLE share_acl_user' -c 'DROP ROLE share_acl_admin' >/dev/null
done

for enc in LATIN1 WIN1252 EUC_JP SQL_ASCII MULE_INTERNAL; do
	createdb -E "$enc" --locale=C -T template0 "install_$enc"
	got=$(psql -qXAt -d "install_$enc" -c 'CREATE EXTENSION share_acl' \
		-c "SELECT share_acl.create_user('first@install.example') IS NOT NULL" \
		-c "SELECT ok FROM share_acl.audit_verify()" 2>&1 | tr '\n' ' ')
	if [ "$got" = "t t " ]; then ok "CREATE EXTENSION in a $enc database: installed, works, its audit chain verifies"; else
		not_ok "CREATE EXTENSION in a $enc database: $got"; fi
	dropdb "install_$enc"
done

# a database whose collation is Turkish (ICU tr-TR): its lower() makes I a
# dotless i, which share_acl's ASCII keywords must not go through (a policy
# name in capitals; the action of an audited statement of several rows)
if createdb --locale-provider=icu --icu-locale=tr-TR --locale=C.UTF-8 -E UTF8 -T template0 install_tr 2>/dev/null; then
	got=$(psql -qXAt -d install_tr -c 'CREATE EXTENSION share_acl' \
		-c "SELECT share_acl.set_workspace_policy(share_acl.create_workspace('W', share_acl.create_user('o@tr.example')),
		                                          'REQUIRE_LINK_PASSWORD', 'TRUE')" \
		-c "INSERT INTO share_acl.principal (id, kind, email)
		    SELECT gen_random_uuid(), 'user', 'bulk' || i || '@tr.example' FROM generate_series(1, 2) i" \
		-c "SELECT string_agg(DISTINCT action, ',') FROM share_acl.audit_log WHERE object_type = 'principal'" \
		-c "SELECT require_link_password FROM share_acl.workspace" 2>&1 | tr '\n' ' ')
	if [ "$got" = " insert t " ]; then ok "a Turkish-collation database: a policy named in capitals is set, audit rows say insert ($got)"; else
		not_ok "a Turkish-collation database: a policy named in capitals is set, audit rows say insert (got $got)"; fi
	dropdb install_tr
else
	not_ok "a Turkish-collation database (ICU tr-TR) could not be made"
fi

# databases made from a template holding the extension (template1, say): a
# key that signed nothing there gets a secret of its own in each copy at its
# first signature, so no copy can sign another's tokens
createdb install_tpl
psql -qX -d install_tpl -c 'CREATE EXTENSION share_acl' >/dev/null
createdb -T install_tpl install_copy1
createdb -T install_tpl install_copy2
for d in install_copy1 install_copy2; do
	psql -qXAt -d $d -v ON_ERROR_STOP=1 >/dev/null <<'SQL'
SELECT share_acl.create_user('o@copy.example') AS o \gset
SELECT share_acl.create_workspace('W', :'o') AS w \gset
BEGIN;
SELECT share_acl.set_principal(:'o');
SELECT share_acl.create_link(share_acl.create_resource(:'w', 'project'));
COMMIT;
SQL
done
keys=$(for d in install_tpl install_copy1 install_copy2; do
	psql -qXAt -d $d -c "SELECT md5(secret) FROM share_acl.signing_key WHERE kid = 1"; done | sort -u | wc -l)
if [ "$keys" = 3 ]; then ok "two databases made from one template sign their links with keys of their own"; else
	not_ok "two databases made from one template sign their links with keys of their own ($keys distinct secrets of 3)"; fi
for d in install_copy1 install_copy2 install_tpl; do dropdb $d; done

echo "install: $checks checks, $failures failed: CREATE EXTENSION in $DATABASES databases at once on a fresh cluster, $ROUNDS rounds, in LATIN1, WIN1252, EUC_JP, SQL_ASCII and MULE_INTERNAL databases, a Turkish-collation one, and in copies of a template"
[ $failures -eq 0 ]
