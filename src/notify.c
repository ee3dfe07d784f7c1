/*
 * notify.c — who is told of an event, and the notification rows (SPEC §8):
 * share_acl._notify for SQL callers, NotifyRecipients and NotifyPerson
 * (notify.h) for C ones.
 *
 * The people told are the recipients that are not teams and the members of
 * those that are (nested teams too), but the acting principal, those who
 * may not view the resource (asked of the engine; of a share received:
 * those who hold nothing on it, E = ∅) and those who
 * muted it or anything containing it (its parents and collections upwards,
 * through restricted ones too: a mute is no access; share_acl._ancestors); each
 * gets one row, mailed at once, in the digest or not at all by its
 * preference for the kind, and a NOTIFY share_acl with the row's id.  Two
 * statements in the common case (the recipients, the rows, and nothing
 * more when nobody among them muted anything), one when the caller knows
 * its one recipient is a person and whether it muted anything (a share's
 * grantee, a link's creator); each prepared once per backend and looking
 * rows up by index.  The rows themselves are written one by one without a
 * statement (src/row_write.c: the executor's single-row path, its
 * constraints, indexes and foreign keys) after a look-up of the person's
 * preference, unless the tables are not as the extension made them or the
 * kind is written once per link and recipient (ON CONFLICT DO NOTHING).
 * The recipients' rows are read FOR KEY SHARE, as the rows' foreign keys
 * will lock them: a person whose account is being deleted is waited for
 * and, once it is gone, left out (the foreign key failed the whole call
 * with 23503: a cancelled review then stayed open).
 */
#include "postgres.h"

#include "access/genam.h"
#include "access/table.h"
#include "access/xact.h"
#include "catalog/namespace.h"
#include "catalog/pg_type.h"
#include "commands/async.h"
#include "executor/spi.h"
#include "utils/array.h"
#include "utils/builtins.h"
#include "utils/fmgroids.h"
#include "utils/json.h"
#include "utils/jsonb.h"
#include "miscadmin.h"
#include "utils/acl.h"
#include "utils/lsyscache.h"
#include "utils/rel.h"
#include "utils/rls.h"
#include "utils/snapmgr.h"
#include "utils/uuid.h"

#include "catalog.h"
#include "context.h"
#include "engine.h"
#include "kept_plan.h"
#include "notify.h"
#include "row_write.h"

PG_FUNCTION_INFO_V1(notify_people);

typedef enum NotifyPlan
{
	PLAN_RECIPIENTS, PLAN_TEAM_MEMBERS, PLAN_WORKSPACE, PLAN_UNMUTED, PLAN_INSERT, PLAN_INSERT_ONCE,
	PLAN_COUNT
} NotifyPlan;

static KeptPlan plans[PLAN_COUNT];

#define NOTIFY_INSERT \
	"INSERT INTO share_acl.notification AS x (workspace_id, recipient_id, kind, resource_id, payload, email)" \
	" SELECT $1, u.id, $2, $3, coalesce($4, '{}'::pg_catalog.jsonb)," \
	"        CASE WHEN NOT coalesce(pref.email, true) THEN NULL" \
	"             WHEN coalesce(pref.digest, false) THEN 'digest' ELSE 'now' END" \
	"   FROM pg_catalog.unnest($5) WITH ORDINALITY AS u(id, n)" \
	"   LEFT JOIN share_acl.notification_preference pref" \
	"          ON pref.principal_id OPERATOR(pg_catalog.=) u.id AND pref.kind OPERATOR(pg_catalog.=) $2" \
	"  ORDER BY u.n"

/* Run a statement of this file; it must succeed with code expected. */
static void
Run(NotifyPlan which, Datum *values, const char *nulls, int expected)
{
	static const char *const queries[PLAN_COUNT] = {
		/* PLAN_RECIPIENTS: $1 recipients */
		"SELECT p.id, p.kind OPERATOR(pg_catalog.=) 'team',"
		"       EXISTS (SELECT 1 FROM share_acl.notification_mute m"
		"                WHERE m.principal_id OPERATOR(pg_catalog.=) p.id)"
		"  FROM share_acl.principal p WHERE p.id OPERATOR(pg_catalog.=) ANY ($1)"
		"   FOR KEY SHARE OF p",
		/* PLAN_TEAM_MEMBERS: $1 recipients; the people in its teams, nested too */
		"WITH RECURSIVE t(id) AS ("
		"    SELECT p.id FROM share_acl.principal p"
		"     WHERE p.id OPERATOR(pg_catalog.=) ANY ($1) AND p.kind OPERATOR(pg_catalog.=) 'team'"
		"    UNION"
		"    SELECT tm.member_id"
		"      FROM share_acl.team_member tm JOIN t ON tm.team_id OPERATOR(pg_catalog.=) t.id)"
		"SELECT p.id, false,"
		"       EXISTS (SELECT 1 FROM share_acl.notification_mute m"
		"                WHERE m.principal_id OPERATOR(pg_catalog.=) p.id)"
		"  FROM t JOIN share_acl.principal p ON p.id OPERATOR(pg_catalog.=) t.id"
		" WHERE p.kind OPERATOR(pg_catalog.<>) 'team'"
		"   FOR KEY SHARE OF p",
		/* PLAN_WORKSPACE: $1 resource */
		"SELECT r.workspace_id FROM share_acl.resource r WHERE r.id OPERATOR(pg_catalog.=) $1",
		/*
		 * PLAN_UNMUTED: $1 people, $2 resource: those who muted nothing
		 * containing it (what contains it read once, not per person)
		 */
		"SELECT u FROM pg_catalog.unnest($1) AS u"
		" WHERE NOT EXISTS (SELECT 1 FROM share_acl.notification_mute m"
		"                    WHERE m.principal_id OPERATOR(pg_catalog.=) u"
		"                      AND m.resource_id OPERATOR(pg_catalog.=)"
		"                          ANY ((SELECT share_acl._ancestors(ARRAY[$2], true))::pg_catalog.uuid[]))"
		" ORDER BY u",
		/* PLAN_INSERT: $1 workspace, $2 kind, $3 resource, $4 payload, $5 people */
		NOTIFY_INSERT " RETURNING x.id",
		/* PLAN_INSERT_ONCE: the same, once per link and recipient (a unique index) */
		NOTIFY_INSERT " ON CONFLICT DO NOTHING RETURNING x.id"
	};
	static const Oid insert_types[5] = {UUIDOID, TEXTOID, UUIDOID, JSONBOID, UUIDARRAYOID};
	static const Oid uuid_array[1] = {UUIDARRAYOID};
	static const Oid uuid_one[1] = {UUIDOID};
	static const Oid unmuted_types[2] = {UUIDARRAYOID, UUIDOID};
	const Oid  *types;
	int			nargs;
	int			rc;

	switch (which)
	{
		case PLAN_RECIPIENTS:
		case PLAN_TEAM_MEMBERS:
			types = uuid_array;
			nargs = 1;
			break;
		case PLAN_WORKSPACE:
			types = uuid_one;
			nargs = 1;
			break;
		case PLAN_UNMUTED:
			types = unmuted_types;
			nargs = 2;
			break;
		default:
			types = insert_types;
			nargs = 5;
			break;
	}
	rc = SPI_execute_plan(KeptPlanGet(&plans[which], queries[which], nargs, types,
									  CURSOR_OPT_GENERIC_PLAN),
						  values, nulls, false, 0);
	if (rc != expected)
		elog(ERROR, "share_acl notification statement failed: %s", SPI_result_code_string(rc));
}

/* The people among the rows of a recipients or team members statement. */
typedef struct People
{
	pg_uuid_t  *ids;
	int			n;
	bool		has_team;		/* a recipient is a team */
	bool		mutes;			/* someone among them muted something */
	bool		hold_something; /* each holds something on the resource (known: a
								 * share's grantee while guests are enabled) */
} People;

static int
UuidCmp(const void *a, const void *b)
{
	return memcmp(a, b, UUID_LEN);
}

/* Add the people of the last statement's rows (id, is a team, mutes something) but actor. */
static void
AddPeople(People *people, const pg_uuid_t *actor)
{
	uint64		r;

	people->ids = repalloc(people->ids, (people->n + SPI_processed + 1) * sizeof(pg_uuid_t));
	for (r = 0; r < SPI_processed; r++)
	{
		HeapTuple	tup = SPI_tuptable->vals[r];
		TupleDesc	desc = SPI_tuptable->tupdesc;
		bool		isnull;
		const pg_uuid_t *id = DatumGetUUIDP(SPI_getbinval(tup, desc, 1, &isnull));

		if (DatumGetBool(SPI_getbinval(tup, desc, 2, &isnull)))
		{
			people->has_team = true;
			continue;
		}
		if (actor != NULL && memcmp(id, actor, UUID_LEN) == 0)
			continue;
		people->ids[people->n++] = *id;
		if (DatumGetBool(SPI_getbinval(tup, desc, 3, &isnull)))
			people->mutes = true;
	}
}

static Datum
UuidArray(const pg_uuid_t *ids, int n)
{
	Datum	   *elems = palloc((n + 1) * sizeof(Datum));
	int			i;

	for (i = 0; i < n; i++)
		elems[i] = UUIDPGetDatum(&ids[i]);
	return PointerGetDatum(construct_array(elems, n, UUIDOID, UUID_LEN, false, TYPALIGN_CHAR));
}

/*
 * How person's notification of kind is mailed, by its preference (through
 * the primary key of notification_preference, prefs, open): "now" (no
 * preference, the default), "digest", or NULL (not mailed).  false when the
 * table is not as the extension made it.
 */
static bool
MailMode(Relation prefs, Oid pkey, const pg_uuid_t *person, Datum kind, Snapshot snap,
		 const char **mode)
{
	TupleDesc	desc = RelationGetDescr(prefs);
	AttrNumber	principal = ColumnOfType(desc, "principal_id", UUIDOID);
	AttrNumber	kind_column = ColumnOfType(desc, "kind", TEXTOID);
	AttrNumber	email = ColumnOfType(desc, "email", BOOLOID);
	AttrNumber	digest = ColumnOfType(desc, "digest", BOOLOID);
	Relation	index;
	ScanKeyData keys[2];
	SysScanDesc scan;
	HeapTuple	tup;
	bool		ok;

	if (principal == 0 || kind_column == 0 || email == 0 || digest == 0 || !OidIsValid(pkey))
		return false;
	index = index_open(pkey, AccessShareLock);
	ok = index->rd_index->indnkeyatts == 2 && index->rd_index->indkey.values[0] == principal &&
		index->rd_index->indkey.values[1] == kind_column;
	if (ok)
	{
		ScanKeyInit(&keys[0], principal, BTEqualStrategyNumber, F_UUID_EQ, UUIDPGetDatum(person));
		ScanKeyEntryInitialize(&keys[1], 0, kind_column, BTEqualStrategyNumber, InvalidOid,
							   index->rd_indcollation[1], F_TEXTEQ, kind);
		*mode = "now";
		scan = systable_beginscan(prefs, pkey, true, snap, 2, keys);
		if ((tup = systable_getnext(scan)) != NULL)
		{
			bool		email_null,
						digest_null;
			Datum		e = heap_getattr(tup, email, desc, &email_null);
			Datum		d = heap_getattr(tup, digest, desc, &digest_null);

			/* as the statement's CASE: not mailed, in the digest, or now */
			if (!email_null && !DatumGetBool(e))
				*mode = NULL;
			else if (!digest_null && DatumGetBool(d))
				*mode = "digest";
		}
		systable_endscan(scan);
	}
	index_close(index, AccessShareLock);
	return ok;
}

/*
 * Write the rows of Write below (people to tell, in uuid order) one by one
 * without a statement (src/row_write.c), and a NOTIFY per row; false,
 * having written nothing, when the tables are not as the extension made
 * them, or when the table's triggers would see several rows otherwise than
 * as one INSERT statement's (the statement then writes them).
 */
static bool
WriteRows(People *people, const char *kind, const pg_uuid_t *resource, Datum payload,
		  const pg_uuid_t *workspace, int *written)
{
	static const char *const columns[6] = {
		"workspace_id", "recipient_id", "kind", "resource_id", "payload", "email"
	};
	static const Oid types[6] = {UUIDOID, UUIDOID, TEXTOID, UUIDOID, JSONBOID, TEXTOID};
	Oid			table;
	Oid			prefs_table;
	Oid			prefs_pkey;
	Relation	rel;
	Relation	prefs;
	Snapshot	snap;
	Datum		values[6];
	bool		nulls[6] = {false, false, false, false, false, false};
	RowValues	row = {6, columns, types, values, nulls};
	bool		ok = true;
	int			i;

	CatalogLookup();
	table = catalog.oids[MT_NOTIFICATION];
	prefs_table = catalog.oids[MT_NOTIFICATION_PREFERENCE];
	prefs_pkey = ModelRelId(MT_NOTIFICATION_PREFERENCE_PKEY);
	/* read as the statement reads them: RETURNING the id, the preferences under their policies */
	if (pg_class_aclcheck(table, GetUserId(), ACL_SELECT) != ACLCHECK_OK ||
		pg_class_aclcheck(prefs_table, GetUserId(), ACL_SELECT) != ACLCHECK_OK ||
		check_enable_rls(prefs_table, InvalidOid, true) == RLS_ENABLED)
		return false;
	rel = table_open(table, RowExclusiveLock);
	/* (several rows that triggers would see apart: the statement writes them) */
	if (RowInsertsSeenApart(rel, people->n))
	{
		table_close(rel, RowExclusiveLock);
		return false;
	}
	prefs = table_open(prefs_table, AccessShareLock);
	/* the preferences as the statement would read them */
	snap = StatementSnapshot();
	values[0] = workspace ? UUIDPGetDatum(workspace) : (Datum) 0;
	nulls[0] = workspace == NULL;
	values[2] = CStringGetTextDatum(kind);
	values[3] = resource ? UUIDPGetDatum(resource) : (Datum) 0;
	nulls[3] = resource == NULL;
	values[4] = payload ? payload : DirectFunctionCall1(jsonb_in, CStringGetDatum("{}"));
	*written = 0;
	for (i = 0; i < people->n && ok; i++)
	{
		const char *mode;
		Datum		id;
		RowWritten	done;

		ok = MailMode(prefs, prefs_pkey, &people->ids[i], values[2], snap, &mode);
		if (!ok)
			break;
		values[1] = UUIDPGetDatum(&people->ids[i]);
		values[5] = mode ? CStringGetTextDatum(mode) : (Datum) 0;
		nulls[5] = mode == NULL;
		done = RowInsert(rel, &row, InvalidOid, &id, "id");
		ok = done != ROW_BY_STATEMENT;
		if (done == ROW_WRITTEN)
		{
			Async_Notify("share_acl", DatumGetCString(DirectFunctionCall1(uuid_out, id)));
			(*written)++;
		}
	}
	UnregisterSnapshot(snap);
	table_close(prefs, AccessShareLock);
	table_close(rel, NoLock);
	if (!ok && *written > 0)
		elog(ERROR, "could not write the notifications of an event");
	return ok;
}

/*
 * Leave out of people those whom a notification of kind about resource may
 * not reach now: for a share they received, those who hold nothing on the
 * resource (E = ∅: a guest while the workspace disables guests, R3); for
 * every other kind, those who may not view it (a link's creator since
 * removed from the workspace or whose share was narrowed, a requester who
 * lost view): what an event's notification says (a review's note or
 * instructions, a viewer's e-mail) is for those who may see the resource.
 */
static void
KeepThoseWhoMaySee(People *people, const char *kind, const pg_uuid_t *resource)
{
	bool		of_own_share = kind != NULL && strcmp(kind, "share_received") == 0;
	int			i,
				n = 0;

	for (i = 0; i < people->n; i++)
	{
		TargetKind	kind_of_target;
		Permset		have = EnginePermissionsOf(&people->ids[i], resource, &kind_of_target);

		if (kind_of_target != TARGET_NONE && (of_own_share ? have != 0 : (have & PERM_VIEW) != 0))
			people->ids[n++] = people->ids[i];
	}
	people->n = n;
}

/*
 * Write the notifications of an event to people (teams already expanded,
 * the actor left out, each once, in uuid order), but those it may not reach
 * (KeepThoseWhoMaySee) and those who muted it or one above it: a row each, mailed by
 * its preference, and a NOTIFY share_acl with its id.  Returns how many
 * were written.  Runs in the caller's SPI connection.
 */
static int
Write(People *people, const char *kind, const pg_uuid_t *resource, Datum payload,
	  const pg_uuid_t *workspace)
{
	Datum		values[5];
	char		nulls[5] = {' ', ' ', ' ', ' ', ' '};
	bool		workspace_null = workspace == NULL;
	Datum		workspace_datum = workspace ? UUIDPGetDatum(workspace) : (Datum) 0;
	int			written = 0;
	uint64		r;
	bool		isnull;

	if (resource != NULL && !people->hold_something)
		KeepThoseWhoMaySee(people, kind, resource);
	if (people->n == 0)
		return 0;
	values[4] = UuidArray(people->ids, people->n);
	if (resource != NULL)
	{
		if (workspace_null)
		{
			values[0] = UUIDPGetDatum(resource);
			Run(PLAN_WORKSPACE, values, NULL, SPI_OK_SELECT);
			if (SPI_processed == 1)
			{
				workspace_datum = SPI_getbinval(SPI_tuptable->vals[0], SPI_tuptable->tupdesc, 1,
												&isnull);
				workspace_null = isnull;
			}
		}
		/* muted: the resource or one above it, asked only when someone muted something */
		if (people->mutes)
		{
			values[0] = values[4];
			values[1] = UUIDPGetDatum(resource);
			Run(PLAN_UNMUTED, values, NULL, SPI_OK_SELECT);
			people->n = 0;
			for (r = 0; r < SPI_processed; r++)
				people->ids[people->n++] = *DatumGetUUIDP(SPI_getbinval(SPI_tuptable->vals[r],
																		SPI_tuptable->tupdesc, 1,
																		&isnull));
			if (people->n == 0)
				return 0;
			values[4] = UuidArray(people->ids, people->n);
		}
	}

	/* the rows, mailed by each one's preference, and a NOTIFY per row written */
	if (kind != NULL && strcmp(kind, "link_expiring") != 0 &&
		WriteRows(people, kind, resource, payload, workspace_null ? NULL : DatumGetUUIDP(workspace_datum),
				  &written))
		return written;
	values[0] = workspace_datum;
	nulls[0] = workspace_null ? 'n' : ' ';
	values[1] = kind ? CStringGetTextDatum(kind) : (Datum) 0;
	nulls[1] = kind ? ' ' : 'n';
	values[2] = resource ? UUIDPGetDatum(resource) : (Datum) 0;
	nulls[2] = resource ? ' ' : 'n';
	values[3] = payload;
	nulls[3] = payload ? ' ' : 'n';
	Run(kind && strcmp(kind, "link_expiring") == 0 ? PLAN_INSERT_ONCE : PLAN_INSERT,
		values, nulls, SPI_OK_INSERT_RETURNING);
	for (r = 0; r < SPI_processed; r++)
	{
		Datum		id = SPI_getbinval(SPI_tuptable->vals[r], SPI_tuptable->tupdesc, 1, &isnull);

		Async_Notify("share_acl", DatumGetCString(DirectFunctionCall1(uuid_out, id)));
		written++;
	}
	return written;
}

/*
 * When recipients (a uuid[] datum) is one person (a user or an external
 * principal) other than actor, that person into people (with whether it
 * muted anything), read by two index look-ups instead of the recipients'
 * statement: true.  Otherwise (several, a team, unknown, the actor) false,
 * people untouched.
 */
static bool
OnePersonOf(Datum recipients, const pg_uuid_t *actor, People *people)
{
	ArrayType  *a = DatumGetArrayTypeP(recipients);
	Datum	   *elems;
	bool	   *nulls;
	int			n;
	const pg_uuid_t *id;
	RowFacts	facts;
	Snapshot	snap;
	bool		mutes = false;

	if (ARR_NDIM(a) != 1 || ARR_DIMS(a)[0] != 1 || ARR_ELEMTYPE(a) != UUIDOID)
		return false;
	deconstruct_array(a, UUIDOID, UUID_LEN, false, TYPALIGN_CHAR, &elems, &nulls, &n);
	if (n != 1 || nulls[0])
		return false;
	id = DatumGetUUIDP(elems[0]);
	if (actor != NULL && memcmp(id, actor, UUID_LEN) == 0)
		return false;
	snap = StatementSnapshot();
	PrincipalFacts(id, snap, &facts);
	if (facts.found && (facts.kind == PK_USER || facts.kind == PK_EXTERNAL))
		IndexScanEqual(MT_NOTIFICATION_MUTE, MT_NOTIFICATION_MUTE_PKEY, catalog.nm_principal, id,
					   snap, RowExists, &mutes);
	UnregisterSnapshot(snap);
	if (!facts.found || (facts.kind != PK_USER && facts.kind != PK_EXTERNAL))
		return false;
	people->ids[0] = *id;
	people->n = 1;
	people->mutes = mutes;
	return true;
}

/*
 * Tell the people among recipients (a uuid[] datum; teams expanded) of an
 * event of kind (NULL: none, refused by the table) about resource (may be
 * NULL) in workspace (NULL: the resource's); payload is a jsonb datum or 0.
 * hold_something: kind is share_received and the caller knows that each of
 * them holds something on the resource (else the engine is asked of each,
 * KeepThoseWhoMaySee).  Returns how many
 * notifications were written.
 */
int
NotifyRecipients(Datum recipients, bool hold_something, const char *kind,
				 const pg_uuid_t *resource, Datum payload, const pg_uuid_t *workspace)
{
	const pg_uuid_t *actor = ContextCurrentPrincipal();
	People		people = {palloc(sizeof(pg_uuid_t)), 0, false, false, hold_something};
	Datum		values[1];
	int			written;
	int			i,
				n;

	CatalogLookup();
	if (OnePersonOf(recipients, actor, &people))
		return NotifyPerson(&people.ids[0], people.mutes, hold_something, kind, resource, payload,
							workspace);
	SPI_connect();

	/* the people: the recipients that are not teams, and the members of those that are */
	values[0] = recipients;
	Run(PLAN_RECIPIENTS, values, NULL, SPI_OK_SELECT);
	AddPeople(&people, actor);
	if (people.has_team)
	{
		Run(PLAN_TEAM_MEMBERS, values, NULL, SPI_OK_SELECT);
		AddPeople(&people, actor);
	}
	/* each once, in uuid order */
	qsort(people.ids, people.n, sizeof(pg_uuid_t), UuidCmp);
	for (i = 0, n = 0; i < people.n; i++)
		if (n == 0 || memcmp(&people.ids[i], &people.ids[n - 1], UUID_LEN) != 0)
			people.ids[n++] = people.ids[i];
	people.n = n;
	written = Write(&people, kind, resource, payload, workspace);
	SPI_finish();
	return written;
}

/*
 * NotifyRecipients for one person (not a team) whose caller knows whether
 * it muted anything (mutes), and perhaps that it holds something on the
 * resource (holds_something; else the engine is asked): the recipients'
 * statement is not needed.
 */
int
NotifyPerson(const pg_uuid_t *person, bool mutes, bool holds_something, const char *kind,
			 const pg_uuid_t *resource, Datum payload, const pg_uuid_t *workspace)
{
	const pg_uuid_t *actor = ContextCurrentPrincipal();
	People		people = {palloc(sizeof(pg_uuid_t)), 0, false, mutes, holds_something};
	int			written;

	if (actor != NULL && memcmp(person, actor, UUID_LEN) == 0)
		return 0;				/* nobody is told of their own action */
	people.ids[people.n++] = *person;
	CatalogLookup();
	SPI_connect();
	written = Write(&people, kind, resource, payload, workspace);
	SPI_finish();
	return written;
}

/*
 * The jsonb object of the n keys and their values (of type uuid, text or
 * timestamptz; isnull: JSON null), as jsonb_build_object makes it: a
 * notification's payload, an audit row's new value.
 */
Datum
JsonbObjectOf(int n, const char *const *keys, const Datum *values, const Oid *types,
			  const bool *isnull)
{
	JsonbParseState *state = NULL;
	JsonbValue	v;
	int			i;

	pushJsonbValue(&state, WJB_BEGIN_OBJECT, NULL);
	for (i = 0; i < n; i++)
	{
		char	   *str;

		v.type = jbvString;
		v.val.string.val = (char *) keys[i];
		v.val.string.len = strlen(keys[i]);
		pushJsonbValue(&state, WJB_KEY, &v);
		if (isnull[i])
		{
			v.type = jbvNull;
			pushJsonbValue(&state, WJB_VALUE, &v);
			continue;
		}
		switch (types[i])
		{
			case UUIDOID:
				str = DatumGetCString(DirectFunctionCall1(uuid_out, values[i]));
				break;
			case TEXTOID:
				str = TextDatumGetCString(values[i]);
				break;
			case TIMESTAMPTZOID:
				str = JsonEncodeDateTime(NULL, values[i], TIMESTAMPTZOID, NULL);
				break;
			default:
				elog(ERROR, "a notification payload holds no value of type %u", types[i]);
		}
		v.type = jbvString;
		v.val.string.val = str;
		v.val.string.len = strlen(str);
		pushJsonbValue(&state, WJB_VALUE, &v);
	}
	return JsonbPGetDatum(JsonbValueToJsonb(pushJsonbValue(&state, WJB_END_OBJECT, NULL)));
}

/*
 * _notify(recipients uuid[], kind text, resource uuid, payload jsonb,
 *         workspace uuid DEFAULT NULL) → integer
 *
 * Tell the people among recipients (teams expanded) of an event about
 * resource (may be NULL) in workspace (taken from the resource when NULL);
 * returns how many notifications were written.
 */
Datum
notify_people(PG_FUNCTION_ARGS)
{
	if (PG_ARGISNULL(0))
		PG_RETURN_INT32(0);
	PG_RETURN_INT32(NotifyRecipients(PG_GETARG_DATUM(0), false,
									 PG_ARGISNULL(1) ? NULL : text_to_cstring(PG_GETARG_TEXT_PP(1)),
									 PG_ARGISNULL(2) ? NULL : PG_GETARG_UUID_P(2),
									 PG_ARGISNULL(3) ? (Datum) 0 : PG_GETARG_DATUM(3),
									 PG_ARGISNULL(4) ? NULL : PG_GETARG_UUID_P(4)));
}
