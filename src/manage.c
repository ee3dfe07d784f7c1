/*
 * manage.c — the hot management paths in C (sql/install/040_api.sql says
 * which): share, _share (behind share_with_email), unshare and
 * create_resource.
 *
 * Each is one look-up (index scans), the authorisation step (authorize.c)
 * and the checks in C, one INSERT or DELETE, and for a share the
 * notification (notify.c).  Their statements are prepared once per backend
 * (again after the extension is re-created) and run with SPI where a row
 * cannot be written below the statement (row_write.c); the triggers on the
 * tables (checks, change log, audit) fire as for any other writer.  Names,
 * defaults, SQLSTATEs and messages are those of the PL/pgSQL functions they
 * replaced; the management tests are their contract.
 */
#include "postgres.h"

#include "access/htup_details.h"
#include "access/tableam.h"
#include "access/table.h"
#include "access/transam.h"
#include "access/xact.h"
#include "catalog/pg_type.h"
#include "executor/tuptable.h"
#include "executor/spi.h"
#include "miscadmin.h"
#include "storage/lmgr.h"
#include "utils/array.h"
#include "utils/builtins.h"
#include "utils/fmgroids.h"
#include "utils/snapmgr.h"
#include "utils/timestamp.h"
#include "utils/uuid.h"

#include "app_references.h"
#include "authorize.h"
#include "catalog.h"
#include "commit_recheck.h"
#include "engine.h"
#include "invalidation.h"
#include "kept_plan.h"
#include "maps.h"
#include "notify.h"
#include "permset_sql.h"
#include "row_lock.h"
#include "row_write.h"

PG_FUNCTION_INFO_V1(share_create);
PG_FUNCTION_INFO_V1(share_create_as);
PG_FUNCTION_INFO_V1(share_remove);
PG_FUNCTION_INFO_V1(resource_create);

/* The statements of this file, each prepared once per backend and kept. */
typedef enum ManagePlan
{
	PLAN_SHARE_INSERT, PLAN_SHARE_READ, PLAN_SHARE_LOCK, PLAN_SHARE_DELETE,
	PLAN_RESOURCE_INSERT,
	PLAN_TEAM_OUTSIDER, PLAN_OUTSIDER_LABEL, PLAN_NO_ESCALATION_BELOW, PLAN_HOLD_POLICIES, PLAN_COUNT
} ManagePlan;

static KeptPlan plans[PLAN_COUNT];

static bool RunOne(ManagePlan which, Datum *values, const char *nulls, int expected);

/* The statements of this file (parameter letters: kept_plan.h). */
static const KeptStatement statements[PLAN_COUNT] = {
	[PLAN_SHARE_INSERT] = {
		/* share_columns */
		"INSERT INTO share_acl.share AS s (resource_id, grantee_id, perms, allow_download,"
		"       allow_comments, allow_approval, allow_contribution, expires_at, granted_by)"
		" VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9) RETURNING s.id",
		"uuPbbbbzu"},
	[PLAN_SHARE_READ] = {
		"SELECT x.resource_id, x.granted_by FROM share_acl.share x"
		" WHERE x.id OPERATOR(pg_catalog.=) $1",
		"u"},
	[PLAN_SHARE_LOCK] = {
		"SELECT x.resource_id, x.granted_by FROM share_acl.share x"
		" WHERE x.id OPERATOR(pg_catalog.=) $1 FOR UPDATE OF x",
		"u"},
	[PLAN_SHARE_DELETE] = {
		"DELETE FROM share_acl.share x WHERE x.id OPERATOR(pg_catalog.=) $1"
		" RETURNING x.resource_id, x.granted_by",
		"u"},
	[PLAN_RESOURCE_INSERT] = {
		/* resource_columns */
		"INSERT INTO share_acl.resource (id, workspace_id, kind, parent_id, owner_id)"
		" VALUES ($1, $2, $3, $4, $5)",
		"uuKuu"},
	[PLAN_TEAM_OUTSIDER] = {
		/* $1 team, $2 workspace: the outsider it holds and its label */
		"SELECT o, share_acl._outsider_label(o) FROM share_acl._outsider_in($1, $2) o",
		"uu"},
	[PLAN_OUTSIDER_LABEL] = {
		/* $1 a principal: it and its label */
		"SELECT $1, share_acl._outsider_label($1)",
		"u"},
	[PLAN_NO_ESCALATION_BELOW] = {
		/* $1 actor, $2 resource, $3 the grant, $4 the action */
		"SELECT share_acl._no_escalation_below($1, $2, $3, $4)",
		"uuPt"},
	[PLAN_HOLD_POLICIES] = {
		/* $1 workspace: its allow_external_sharing, the row held (as _get_policies) */
		"SELECT w.allow_external_sharing FROM share_acl.workspace w"
		" WHERE w.id OPERATOR(pg_catalog.=) $1 FOR SHARE OF w",
		"u"}
};

/* The columns the INSERT statements above write, in the order of their parameters. */
static const char *const share_columns[9] = {
	"resource_id", "grantee_id", "perms", "allow_download", "allow_comments", "allow_approval",
	"allow_contribution", "expires_at", "granted_by"
};
static const char *const resource_columns[5] = {
	"id", "workspace_id", "kind", "parent_id", "owner_id"
};

/* Run a statement of this file that returns at most one row; true when it did. */
static bool
RunOne(ManagePlan which, Datum *values, const char *nulls, int expected)
{
	return KeptStatementRun(&plans[which], &statements[which], values, nulls, expected);
}

/*
 * Insert the row of statement which (an INSERT into model table t of the
 * columns named, in the order of its parameters; nulls as SPI's) below the
 * statement when the table lets it be (src/row_write.c), else by the
 * statement; *id (when asked) is the new row's id.  true when a row was
 * inserted.  Needs an SPI connection.
 */
static bool
InsertRow(ModelRel t, ManagePlan which, const char *const *columns, Datum *values,
		  const char *nulls, Datum *id)
{
	const KeptStatement *st = &statements[which];
	int			n = strlen(st->params);
	Oid			types[FUNC_MAX_ARGS];
	bool		isnull[FUNC_MAX_ARGS];
	RowValues	row = {n, columns, types, values, isnull};
	Relation	rel;
	RowWritten	written;
	bool		null_id;
	int			i;

	Assert(n <= FUNC_MAX_ARGS);
	KeptStatementTypes(st, types);
	for (i = 0; i < n; i++)
		isnull[i] = nulls != NULL && nulls[i] == 'n';
	rel = ModelTableOpen(t, RowExclusiveLock);
	written = RowInsert(rel, &row, InvalidOid, id, "id");
	table_close(rel, NoLock);
	if (written == ROW_SKIPPED)
		return false;			/* (as the statement's: no row returned) */
	if (written == ROW_BY_STATEMENT)
	{
		if (!RunOne(which, values, nulls, id ? SPI_OK_INSERT_RETURNING : SPI_OK_INSERT))
			return false;
		if (id != NULL)
			*id = KeptStatementColumn(1, &null_id);
	}
	if (id != NULL)				/* (out of the SPI connection's memory) */
		*id = SPI_datumTransfer(*id, false, UUID_LEN);
	return true;
}

/*
 * What a share looks at, read as a statement of the function would (see
 * StatementSnapshot): the resource's workspace and its policy, the grantee's
 * kind and workspace, whether the grantee is a member of the resource's
 * workspace and has muted notifications.
 */
typedef struct ShareFacts
{
	RowFacts	resource;		/* its workspace */
	bool		external_sharing;	/* the workspace's allow_external_sharing */
	bool		guest_access;	/* the workspace's guest_access_enabled */
	RowFacts	grantee;		/* its kind and workspace */
	bool		grantee_is_member;
	bool		grantee_mutes;
} ShareFacts;

static void
ShareWorkspaceRow(TupleDesc desc, HeapTuple tup, void *arg)
{
	bool		isnull;
	Datum		d = Attr(desc, tup, catalog.ws_external_sharing, &isnull);

	((ShareFacts *) arg)->external_sharing = !isnull && DatumGetBool(d);
	d = Attr(desc, tup, catalog.ws_guest_access, &isnull);
	((ShareFacts *) arg)->guest_access = !isnull && DatumGetBool(d);
}

static void
ShareMembershipRow(TupleDesc desc, HeapTuple tup, void *arg)
{
	ShareFacts *f = (ShareFacts *) arg;
	bool		isnull;
	Datum		d = Attr(desc, tup, catalog.m_workspace, &isnull);

	if (!isnull && uuid_equal(DatumGetUUIDP(d), &f->resource.workspace))
		f->grantee_is_member = true;
}

static void
ShareMuteRow(TupleDesc desc, HeapTuple tup, void *arg)
{
	((ShareFacts *) arg)->grantee_mutes = true;
}

static void
ReadShareFacts(const pg_uuid_t *resource, const pg_uuid_t *grantee, ShareFacts *f)
{
	Snapshot	snap;

	memset(f, 0, sizeof(*f));
	CatalogLookup();
	/*
	 * As the checks read them: in REPEATABLE READ the latest committed rows
	 * (and this transaction's), not its snapshot's, so that a policy or a
	 * grantee's role changed together with a grant to the actor is not read
	 * as it was (READ COMMITTED: the statement's snapshot)
	 */
	if (IsolationUsesXactSnapshot())
	{
		bool		transient;

		CommandCounterIncrement();
		snap = ReadSnapshot(&transient);
	}
	else
		snap = StatementSnapshot();
	ResourceFacts(resource, snap, &f->resource);
	PrincipalFacts(grantee, snap, &f->grantee);
	if (f->resource.found && f->resource.has_workspace)
	{
		IndexScanEqual(MT_WORKSPACE, MT_WORKSPACE_PKEY, catalog.ws_id, &f->resource.workspace, snap,
					   ShareWorkspaceRow, f);
		IndexScanEqual(MT_MEMBER, MT_MEMBER_BY_PRINCIPAL, catalog.m_principal, grantee, snap,
					   ShareMembershipRow, f);
	}
	IndexScanEqual(MT_NOTIFICATION_MUTE, MT_NOTIFICATION_MUTE_PKEY, catalog.nm_principal, grantee,
				   snap, ShareMuteRow, f);
	UnregisterSnapshot(snap);
}

/* Is id the nil uuid (all zero)? */
static bool
UuidIsNil(const pg_uuid_t *id)
{
	static const pg_uuid_t nil = {{0}};

	return memcmp(id->data, nil.data, UUID_LEN) == 0;
}

/*
 * No escalation (R9, R14): a share by actor (NULL: a trusted administrator)
 * grants only what the actor holds itself on the resource, nor, under
 * member_edit_own_only, below it on what others own.
 */
static void
ShareNoEscalation(const char *function, const char *action, const pg_uuid_t *actor,
				  const pg_uuid_t *resource, Permset grant)
{
	Permset		missing;
	TargetKind	kind;

	if (actor == NULL)
		return;
	missing = grant & ~EnginePermissionsOf(actor, resource, &kind);
	if (missing != 0)
		Deny(function, resource,
			 psprintf("permission denied: %s cannot grant \"%s\" on resource %s", action,
					  PermsetToCString(missing), UuidText(resource)),
			 "A principal can grant only permissions it holds itself on the resource.", NULL);
	if ((grant & ENGINE_CAP_EDIT_OWN_ONLY) != 0 && EngineMemberEditOwnOnly(actor, resource))
	{
		Datum		args[4] = {UUIDPGetDatum(actor), UUIDPGetDatum(resource), PermsetGetDatum(grant),
							   CStringGetTextDatum(action)};

		(void) RunOne(PLAN_NO_ESCALATION_BELOW, args, NULL, SPI_OK_SELECT);
	}
}

/*
 * A share to a team the actor is in is a grant to itself too: as one to
 * itself, it would keep what the actor holds only through a grant that ends
 * (an expiring share, an open review's) after that ends.  It may pass on
 * only what the actor holds lastingly (42501 naming the rest).
 */
static void
ShareOwnTeamLasting(const char *function, const char *action, const pg_uuid_t *actor,
					const pg_uuid_t *resource, const pg_uuid_t *grantee, PrincipalKind grantee_kind,
					Permset grant)
{
	Permset		passing;

	if (actor == NULL || grantee_kind != PK_TEAM || !EngineInTeam(actor, grantee))
		return;
	passing = grant & ~EngineLastingReachOf(actor, resource);
	if (passing != 0)
		Deny(function, resource,
			 psprintf("permission denied: %s with team %s, which the principal is in, requires \"%s\" held through a grant that does not end",
					  action, UuidText(grantee), PermsetToCString(passing)),
			 "The principal holds these permissions on the resource only through a share with an expiry or an open review: shared with a team it is in, it would keep them after that grant ends.",
			 "Share without them, or let someone who holds them lastingly make the share.");
}

/*
 * The share of resource with grantee, made by actor (NULL: a trusted
 * administrator) through function (share, share_with_email); returns its id.
 * The arguments are those of share(), from argument first on.
 */
static Datum
Share(FunctionCallInfo fcinfo, const char *action, const char *function, const pg_uuid_t *actor,
	  int first)
{
	const pg_uuid_t *resource;
	const pg_uuid_t *grantee;
	Permset		perms;
	Permset		grant;
	/* ('infinity': never, stored as none, as update_share and the links store it) */
	bool		has_expiry = !PG_ARGISNULL(first + 3) && !TIMESTAMP_IS_NOEND(PG_GETARG_TIMESTAMPTZ(first + 3));
	TimestampTz expires_at = has_expiry ? PG_GETARG_TIMESTAMPTZ(first + 3) : 0;
	bool		allow[4];
	Datum		values[9];
	char		nulls[9];
	pg_uuid_t	workspace;
	ShareFacts	facts;
	bool		grantee_outsider;
	Datum		share_id;
	int			i;

	if (PG_ARGISNULL(first) || PG_ARGISNULL(first + 1) || PG_ARGISNULL(first + 2) ||
		PG_ARGISNULL(first + 4) || PG_ARGISNULL(first + 5) || PG_ARGISNULL(first + 6) ||
		PG_ARGISNULL(first + 7))
		ereport(ERROR,
				(errcode(ERRCODE_NULL_VALUE_NOT_ALLOWED),
				 errmsg("%s: resource, grantee, perms and the allow_* options must not be null",
						action)));
	resource = PG_GETARG_UUID_P(first);
	grantee = PG_GETARG_UUID_P(first + 1);
	perms = PG_GETARG_PERMSET(first + 2);
	for (i = 0; i < 4; i++)
		allow[i] = PG_GETARG_BOOL(first + 4 + i);
	grant = PermsetApplyToggles(perms, allow[0], allow[1], allow[2], allow[3]);

	SPI_connect();

	/* the resource, the grantee, the workspace and the grantee's place in it */
	ReadShareFacts(resource, grantee, &facts);
	if (!facts.resource.found || !facts.resource.has_workspace)
		ereport(ERROR,
				(errcode(ERRCODE_NO_DATA_FOUND),
				 errmsg("resource %s does not exist", UuidText(resource))));
	if (!facts.grantee.found)
		ereport(ERROR,
				(errcode(ERRCODE_NO_DATA_FOUND),
				 errmsg("principal %s does not exist", UuidText(grantee))));
	workspace = facts.resource.workspace;

	Require(function, actor, resource, PERM_SHARE, action);
	if (facts.grantee.kind == PK_TEAM &&
		(!facts.grantee.has_workspace || !uuid_equal(&facts.grantee.workspace, &workspace)))
		ereport(ERROR,
				(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
				 errmsg("team %s belongs to another workspace than resource %s",
						UuidText(grantee), UuidText(resource))));
	/*
	 * A share to oneself adds nothing one holds now, but would keep it past
	 * what gives it: an expiring share (R11 lets a member with view share),
	 * public general access, a role.
	 */
	if (actor != NULL && uuid_equal(actor, grantee))
		ereport(ERROR,
				(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
				 errmsg("%s: a principal cannot share with itself", action),
				 errdetail("A share to oneself would keep what the principal holds after what gives it ends (an expiry, general access, a role).")));
	/*
	 * Likewise "share" to a team the actor is in, when the actor holds it
	 * only by members_can_share (R11): through the team it would keep it
	 * after the policy is turned off, which applies at every check.
	 */
	if (actor != NULL && facts.grantee.kind == PK_TEAM && (grant & PERM_SHARE) &&
		EngineInTeam(actor, grantee) && EngineSharesOnlyByPolicy(actor, resource))
		Deny(function, resource,
			 psprintf("permission denied: %s of \"share\" with team %s, which the principal is in, requires \"share\" held through a grant",
					  action, UuidText(grantee)),
			 "The principal holds \"share\" on the resource only by the workspace policy members_can_share (on): shared with a team it is in, it would keep it after the policy is turned off.",
			 "Share without the share flag, or let someone who holds it through a grant make the share.");
	if (grant == 0)
		ereport(ERROR,
				(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
				 errmsg("%s: the share would grant nothing", action),
				 errdetail("perms \"%s\" with these allow_* options is the empty set",
						   PermsetToCString(perms))));
	if (has_expiry && expires_at <= EngineExpiryNow())
		ereport(ERROR,
				(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
				 errmsg("%s: expires_at %s is not in the future", action,
						DatumGetCString(DirectFunctionCall1(timestamptz_out,
															TimestampTzGetDatum(expires_at))))));
	ShareNoEscalation(function, action, actor, resource, grant);
	ShareOwnTeamLasting(function, action, actor, resource, grantee, facts.grantee.kind, grant);
	/* an outsider (R2): a person without a role in the workspace */
	grantee_outsider = (facts.grantee.kind == PK_USER || facts.grantee.kind == PK_EXTERNAL) &&
		!facts.grantee_is_member;
	/*
	 * A share that may reach an outsider (a person without a role, or a
	 * team, which may hold one) holds the workspace's row until the end
	 * of the transaction, as _get_policies does: allow_external_sharing
	 * turned false meanwhile waits for it, so that a later move or filing
	 * checks against it committed; and the policy is read as that row is now.
	 * That wait may have been for a transaction that also took the actor's
	 * rights away: the actor is asked again, as that transaction left them.
	 */
	if (facts.external_sharing && (facts.grantee.kind == PK_TEAM || grantee_outsider))
	{
		Datum		args[1] = {UUIDPGetDatum(&workspace)};
		bool		isnull;

		if (RunOne(PLAN_HOLD_POLICIES, args, NULL, SPI_OK_SELECT))
			facts.external_sharing = DatumGetBool(KeptStatementColumn(1, &isnull)) && !isnull;
		CacheSeeCommitted();
		Require(function, actor, resource, PERM_SHARE, action);
		ShareNoEscalation(function, action, actor, resource, grant);
		ShareOwnTeamLasting(function, action, actor, resource, grantee, facts.grantee.kind, grant);
	}
	/*
	 * outsiders (R2): persons with no role in the workspace, also as members
	 * of the team shared with (nested teams too); named as _outsider_label
	 * names them
	 */
	if (!facts.external_sharing)
	{
		Datum		args[2] = {UUIDPGetDatum(grantee), UUIDPGetDatum(&workspace)};
		pg_uuid_t	outsider;

		if ((grantee_outsider && RunOne(PLAN_OUTSIDER_LABEL, args, NULL, SPI_OK_SELECT)) ||
			(facts.grantee.kind == PK_TEAM &&
			 RunOne(PLAN_TEAM_OUTSIDER, args, NULL, SPI_OK_SELECT) && KeptStatementUuid(1, &outsider)))
		{
			bool		isnull;
			Datum		label = KeptStatementColumn(2, &isnull);

			Deny(function, resource,
				 psprintf("permission denied: the workspace policy allow_external_sharing forbids sharing with %s%s",
						  isnull ? UuidText(grantee_outsider ? grantee : &outsider) : TextDatumGetCString(label),
						  grantee_outsider ? "" : psprintf(" (a member of team %s)", UuidText(grantee))),
				 NULL,
				 "Shares to outsiders (principals without a role in the workspace), also as members of the team shared with, are refused while allow_external_sharing is false.");
		}
	}

	values[0] = UUIDPGetDatum(resource);
	values[1] = UUIDPGetDatum(grantee);
	values[2] = PermsetGetDatum(perms);
	for (i = 0; i < 4; i++)
		values[3 + i] = BoolGetDatum(allow[i]);
	values[7] = TimestampTzGetDatum(expires_at);
	values[8] = actor ? UUIDPGetDatum(actor) : (Datum) 0;
	memset(nulls, ' ', sizeof(nulls));
	nulls[7] = has_expiry ? ' ' : 'n';
	nulls[8] = actor ? ' ' : 'n';
	if (!InsertRow(MT_SHARE, PLAN_SHARE_INSERT, share_columns, values, nulls, &share_id))
		elog(ERROR, "the share was not inserted");

	/* the grantee is told (a team: its members) */
	{
		static const char *const keys[4] = {"share_id", "by", "perms", "expires_at"};
		static const Oid types[4] = {UUIDOID, UUIDOID, TEXTOID, TIMESTAMPTZOID};
		Datum		payload_values[4];
		bool		payload_nulls[4] = {false, actor == NULL, false, !has_expiry};
		Datum		payload;

		payload_values[0] = share_id;
		payload_values[1] = actor ? UUIDPGetDatum(actor) : (Datum) 0;
		payload_values[2] = CStringGetTextDatum(PermsetToCString(grant));
		payload_values[3] = TimestampTzGetDatum(expires_at);
		payload = JsonbObjectOf(4, keys, payload_values, types, payload_nulls);
		/*
		 * The share holds something for its grantee (a team's members all
		 * have a role in the workspace), unless guests are off (R3): only
		 * then is the engine asked who holds nothing.  (A role's cap may
		 * still leave a grantee nothing of a share: it is told all the
		 * same, of its own share.)
		 */
		if (facts.grantee.kind == PK_TEAM)
		{
			Datum		one = UUIDPGetDatum(grantee);

			NotifyRecipients(PointerGetDatum(construct_array(&one, 1, UUIDOID, UUID_LEN, false,
															 TYPALIGN_CHAR)),
							 facts.guest_access, "share_received", resource, payload, &workspace);
		}
		else
			NotifyPerson(grantee, facts.grantee_mutes, facts.guest_access, "share_received", resource,
						 payload, &workspace);
	}

	SPI_finish();
	return share_id;
}

/*
 * share(resource uuid, grantee uuid, perms permset, expires_at timestamptz,
 *       allow_download, allow_comments, allow_approval, allow_contribution) → uuid
 */
Datum
share_create(PG_FUNCTION_ARGS)
{
	const pg_uuid_t *actor = Actor("share", ARG_UUID_OR_NULL(0));

	PG_RETURN_DATUM(Share(fcinfo, "share", "share", actor, 0));
}

/*
 * _share(action text, actor uuid, then share()'s arguments) → uuid: the core
 * of share_with_email (which has found or made the grantee).
 */
Datum
share_create_as(PG_FUNCTION_ARGS)
{
	char	   *action = PG_ARGISNULL(0) ? "share" : text_to_cstring(PG_GETARG_TEXT_PP(0));

	RequireWritable(action);
	PG_RETURN_DATUM(Share(fcinfo, action, NULL, ARG_UUID_OR_NULL(1), 2));
}

/* A deleted share: what unshare looks at (its RETURNING). */
typedef struct DeletedShare
{
	bool		found;			/* (ShareRowFacts: a row was read) */
	pg_uuid_t	resource;
	bool		has_grantor;
	pg_uuid_t	grantor;
} DeletedShare;

static void
DeletedShareRow(TupleTableSlot *row, void *arg)
{
	DeletedShare *d = (DeletedShare *) arg;

	(void) SlotUuid(row, catalog.s_resource, &d->resource);
	d->has_grantor = SlotUuid(row, catalog.s_granted_by, &d->grantor);
}

/*
 * Delete share id below the statement when the table lets it be
 * (src/row_write.c), else by PLAN_SHARE_DELETE; false when there is no such
 * share.  Needs an SPI connection.
 */
static bool
DeleteShare(const pg_uuid_t *id, DeletedShare *gone)
{
	Relation	rel;
	bool		done;
	bool		found;
	Datum		value = UUIDPGetDatum(id);

	memset(gone, 0, sizeof(*gone));
	CatalogLookup();
	rel = ModelTableOpen(MT_SHARE, RowExclusiveLock);
	done = RowDelete(rel, ModelRelId(MT_SHARE_PKEY), catalog.s_id, F_UUID_EQ, value,
					 DeletedShareRow, gone, &found);
	table_close(rel, NoLock);
	if (done)
		return found;
	if (!RunOne(PLAN_SHARE_DELETE, &value, NULL, SPI_OK_DELETE_RETURNING))
		return false;
	(void) KeptStatementUuid(1, &gone->resource);
	gone->has_grantor = KeptStatementUuid(2, &gone->grantor);
	return true;
}

/* RowCallback: the share's resource and grantor into *arg (a DeletedShare). */
static void
ShareRowFacts(TupleDesc desc, HeapTuple tup, void *arg)
{
	DeletedShare *d = (DeletedShare *) arg;
	bool		isnull;
	Datum		v = Attr(desc, tup, catalog.s_resource, &isnull);

	d->found = true;
	if (!isnull)
		d->resource = *DatumGetUUIDP(v);
	v = Attr(desc, tup, catalog.s_granted_by, &isnull);
	d->has_grantor = !isnull;
	if (!isnull)
		d->grantor = *DatumGetUUIDP(v);
}

/*
 * Lock share id as its DELETE would (in READ COMMITTED its newest version,
 * waited for; above, a concurrent change is a serialization failure) and
 * read its resource and grantor from the version locked into *locked; false
 * when there is none.  Needs an SPI connection.
 */
static bool
LockShare(const pg_uuid_t *id, DeletedShare *locked)
{
	Relation	rel;
	TupleTableSlot *slot;
	Snapshot	snap;
	Datum		value = UUIDPGetDatum(id);
	bool		found;

	memset(locked, 0, sizeof(*locked));
	CatalogLookup();
	rel = ModelTableOpen(MT_SHARE, RowExclusiveLock);
	slot = table_slot_create(rel, NULL);
	snap = RegisterSnapshot(GetTransactionSnapshot());
	found = LockRowByKey(rel, ModelRelId(MT_SHARE_PKEY), catalog.s_id, F_UUID_EQ, value, snap,
						 LockTupleExclusive, slot);
	UnregisterSnapshot(snap);
	if (found)
	{
		bool		should_free;
		HeapTuple	tup = ExecFetchSlotHeapTuple(slot, false, &should_free);

		ShareRowFacts(RelationGetDescr(rel), tup, locked);
		if (should_free)
			heap_freetuple(tup);
	}
	ExecDropSingleTupleTableSlot(slot);
	table_close(rel, NoLock);
	if (found)
		return true;
	/* (by the statement: a child table of share holds it, or none does) */
	if (!RunOne(PLAN_SHARE_LOCK, &value, NULL, SPI_OK_SELECT))
		return false;
	locked->found = true;
	(void) KeptStatementUuid(1, &locked->resource);
	locked->has_grantor = KeptStatementUuid(2, &locked->grantor);
	return true;
}

static void
RequireShareManager(const pg_uuid_t *actor, const pg_uuid_t *share, DeletedShare *s)
{
	RequireManager("unshare", actor, &s->resource, s->has_grantor ? &s->grantor : NULL,
				   psprintf("grantor of share %s", UuidText(share)), "unshare");
}

/*
 * unshare(share uuid) → void.  The caller is checked on the share as it is
 * before its row is locked, so that a refused caller, who may name any share
 * by its id, holds nothing (not even while its refusal is audited); and
 * again on the row locked, as things are once it is (the lock may have waited
 * for a change of the share, or the caller's rights changed meanwhile), but
 * before its delete: a manager whose change_permissions comes from the share
 * itself may end it, as it may change it.
 */
Datum
share_remove(PG_FUNCTION_ARGS)
{
	const pg_uuid_t *actor = Actor("unshare", ARG_UUID_OR_NULL(0));
	const pg_uuid_t *share;
	DeletedShare seen;
	DeletedShare locked;
	DeletedShare gone;
	Snapshot	snap;

	if (PG_ARGISNULL(0))
		ereport(ERROR,
				(errcode(ERRCODE_NULL_VALUE_NOT_ALLOWED),
				 errmsg("unshare: share must not be null")));
	share = PG_GETARG_UUID_P(0);

	memset(&seen, 0, sizeof(seen));
	CatalogLookup();
	snap = StatementSnapshot();
	IndexScanEqual(MT_SHARE, MT_SHARE_PKEY, catalog.s_id, share, snap, ShareRowFacts, &seen);
	UnregisterSnapshot(snap);
	SPI_connect();
	if (!seen.found)
	{
		/* (by the statement: a child table of share holds it, or none does) */
		Datum		value = UUIDPGetDatum(share);

		if (!RunOne(PLAN_SHARE_READ, &value, NULL, SPI_OK_SELECT))
			ereport(ERROR,
					(errcode(ERRCODE_NO_DATA_FOUND),
					 errmsg("share %s does not exist", UuidText(share))));
		(void) KeptStatementUuid(1, &seen.resource);
		seen.has_grantor = KeptStatementUuid(2, &seen.grantor);
	}
	RequireShareManager(actor, share, &seen);

	AppReferencesRefuse("unshare");
	if (!LockShare(share, &locked))
		ereport(ERROR,
				(errcode(ERRCODE_NO_DATA_FOUND),
				 errmsg("share %s does not exist", UuidText(share))));
	RequireShareManager(actor, share, &locked);
	if (!DeleteShare(share, &gone))
		ereport(ERROR,
				(errcode(ERRCODE_NO_DATA_FOUND),
				 errmsg("share %s does not exist", UuidText(share))));
	SPI_finish();
	PG_RETURN_VOID();
}

/* A resource row seen through a dirty snapshot: who is still writing it. */
typedef struct DirtyRow
{
	Snapshot	dirty;
	bool		found;
	TransactionId writer;		/* inserting or deleting it, in progress */
} DirtyRow;

/*
 * RowCallback: the row, and the transaction in progress that inserts,
 * updates or deletes it, if any: an update may change the id or be followed
 * by a delete, so its outcome is waited for too, as the primary key's check
 * waits.  (A row only locked, by a foreign key's check say, has no xmax for
 * a dirty snapshot: nothing to wait for.)
 */
static void
DirtyRowSeen(TupleDesc desc, HeapTuple tup, void *arg)
{
	DirtyRow   *row = (DirtyRow *) arg;

	row->found = true;
	if (TransactionIdIsValid(row->dirty->xmin))
		row->writer = row->dirty->xmin;
	else if (TransactionIdIsValid(row->dirty->xmax))
		row->writer = row->dirty->xmax;
}

/*
 * Whether id is a resource's, committed or this transaction's.  A
 * transaction in progress writing it is waited for first, as the primary
 * key's check would wait (only a caller that holds upload where it creates
 * gets this far): two uploads choosing one id at once
 * are told apart here, the second refused with the id registry's message
 * rather than the key's (which names the table holding the id); *waited
 * says whether it waited (the caller then asks its checks again).  In
 * REPEATABLE READ and SERIALIZABLE a resource committed after the
 * transaction's snapshot is a serialization failure, as the registry's
 * ON CONFLICT makes an id of another kind.
 */
static bool
ResourceIdTaken(const pg_uuid_t *id, bool *waited)
{
	*waited = false;
	for (;;)
	{
		SnapshotData dirty;
		DirtyRow	row = {&dirty, false, InvalidTransactionId};

		InitDirtySnapshot(dirty);
		IndexScanEqual(MT_RESOURCE, MT_RESOURCE_PKEY, catalog.res_id, id, &dirty, DirtyRowSeen,
					   &row);
		if (!TransactionIdIsValid(row.writer))
		{
			if (row.found && IsolationUsesXactSnapshot())
			{
				bool		seen = false;

				IndexScanEqual(MT_RESOURCE, MT_RESOURCE_PKEY, catalog.res_id, id,
							   GetTransactionSnapshot(), RowExists, &seen);
				if (!seen)
					ereport(ERROR,
							(errcode(ERRCODE_T_R_SERIALIZATION_FAILURE),
							 errmsg("could not serialize access due to concurrent update"),
							 errdetail("Another transaction took id %s after this one's snapshot.",
									   UuidText(id))));
			}
			return row.found;
		}
		XactLockTableWait(row.writer, NULL, NULL, XLTW_None);
		*waited = true;
	}
}

/*
 * create_resource(workspace uuid, kind resource_kind, parent uuid, id uuid)
 * → uuid: a resource owned by the acting principal, with upload on the
 * parent (or on the workspace, for a top-level project).
 */
Datum
resource_create(PG_FUNCTION_ARGS)
{
	const pg_uuid_t *parent = ARG_UUID_OR_NULL(2);
	/* (its refusals name the parent, or the workspace of a top-level project) */
	const pg_uuid_t *actor = Actor("create_resource", parent ? parent : ARG_UUID_OR_NULL(0));
	const pg_uuid_t *workspace;
	const pg_uuid_t *id;
	char	   *kind;
	Datum		values[5];
	char		nulls[5];
	Snapshot	snap;
	bool		workspace_exists = false;
	bool		waited;
	List	   *parent_workspaces = NIL;

	if (PG_ARGISNULL(0) || PG_ARGISNULL(1) || PG_ARGISNULL(3))
		ereport(ERROR,
				(errcode(ERRCODE_NULL_VALUE_NOT_ALLOWED),
				 errmsg("create_resource: workspace, kind and id must not be null")));
	workspace = PG_GETARG_UUID_P(0);
	kind = DatumGetCString(DirectFunctionCall1(enum_out, PG_GETARG_DATUM(1)));
	id = PG_GETARG_UUID_P(3);

	/* the workspace, the parent's workspace */
	CatalogLookup();
	snap = StatementSnapshot();
	IndexScanEqual(MT_WORKSPACE, MT_WORKSPACE_PKEY, catalog.ws_id, workspace, snap, RowExists,
				   &workspace_exists);
	if (parent != NULL)
		parent_workspaces = IndexScanUuids(MT_RESOURCE, MT_RESOURCE_PKEY, catalog.res_id, parent,
										   catalog.res_workspace, snap);
	UnregisterSnapshot(snap);
	if (!workspace_exists)
		ereport(ERROR,
				(errcode(ERRCODE_NO_DATA_FOUND),
				 errmsg("workspace %s does not exist", UuidText(workspace))));

	if (parent == NULL)
	{
		if (strcmp(kind, "project") != 0)
			ereport(ERROR,
					(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
					 errmsg("only a project can be top-level: a resource of kind %s needs a parent",
							kind)));
		Require("create_resource", actor, workspace, PERM_UPLOAD, "create_resource");
	}
	else
	{
		if (parent_workspaces == NIL)
			ereport(ERROR,
					(errcode(ERRCODE_NO_DATA_FOUND),
					 errmsg("resource %s does not exist", UuidText(parent))));
		if (!uuid_equal((pg_uuid_t *) linitial(parent_workspaces), workspace))
			ereport(ERROR,
					(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
					 errmsg("parent %s belongs to another workspace", UuidText(parent))));
		Require("create_resource", actor, parent, PERM_UPLOAD, "create_resource");
		/*
		 * Into a parent of its own, an upload cannot put anything of someone
		 * else's below what another principal relied on owning whole (that
		 * principal would own the parent); and the workspace's owner may
		 * upload anywhere in it whatever moves meanwhile (R1), so its upload
		 * is right after any change of structure committing first, as
		 * before it.  Asked again at commit otherwise.
		 */
		if (actor != NULL && !EnginePrincipalOwns(actor, parent) &&
			EngineRoleIn(actor, workspace) != ROLE_OWNER)
			CommitRecheckUpload(workspace, actor, parent);
		if (EngineDepthRoom(parent) < 0)
			ereport(ERROR,
					(errcode(ERRCODE_PROGRAM_LIMIT_EXCEEDED),
					 errmsg("create_resource: resource %s would be more than %d levels below the top of its tree",
							UuidText(id), ENGINE_MAX_DEPTH),
					 errhint("A resource is at most %d levels below a top-level project, parents and collections counted.",
							 ENGINE_MAX_DEPTH)));
	}
	/* (after the checks: who may not upload here is refused as such) */
	if (UuidIsNil(id))
		ereport(ERROR,
				(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
				 errmsg("create_resource: id must not be the nil uuid"),
				 errhint("The nil uuid stands for no resource (it keys the audit chain of the rows without a workspace): leave id to its default, or choose another.")));
	/*
	 * (an id used by a workspace or a principal is refused by the id registry
	 * with the same message: it never says what holds the id)
	 */
	if (ResourceIdTaken(id, &waited))
		ereport(ERROR,
				(errcode(ERRCODE_UNIQUE_VIOLATION),
				 errmsg("id %s is already in use", UuidText(id)),
				 errhint("Workspaces, principals, resources and share links share one namespace of ids.")));
	/*
	 * the transaction waited for (writing the same id, then deleting it) may
	 * also have taken the actor's upload: asked again as it left it
	 */
	if (waited)
	{
		CacheSeeCommitted();
		Require("create_resource", actor, parent ? parent : workspace, PERM_UPLOAD, "create_resource");
	}

	values[0] = UUIDPGetDatum(id);
	values[1] = UUIDPGetDatum(workspace);
	values[2] = PG_GETARG_DATUM(1);
	values[3] = parent ? UUIDPGetDatum(parent) : (Datum) 0;
	values[4] = actor ? UUIDPGetDatum(actor) : (Datum) 0;
	memset(nulls, ' ', sizeof(nulls));
	nulls[3] = parent ? ' ' : 'n';
	nulls[4] = actor ? ' ' : 'n';
	SPI_connect();
	InsertRow(MT_RESOURCE, PLAN_RESOURCE_INSERT, resource_columns, values, nulls, NULL);
	SPI_finish();
	PG_RETURN_UUID_P(id);
}
