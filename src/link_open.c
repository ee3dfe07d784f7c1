/*
 * link_open.c — open_link (SPEC §5), what every viewer of a share link
 * calls: the token, the link's state, the password and the lockout, the
 * view row, the link context, the audit row.  sql/install/061_links.sql
 * describes the function; its tests are the contract this code keeps.
 *
 * A password-less link is opened with two statements, each prepared once
 * per backend: the link (by the token's key and MAC, with its workspace) and
 * the view row; its audit row is staged in the transaction's memory
 * (audit_seal.c), or, past the rows a transaction keeps there, by a third
 * statement.  A link with a password or with max_views
 * has its attempt decided and recorded as before: by _link_record_attempt,
 * in a background worker's transaction (src/link_attempts.c) or, when this
 * transaction wrote the link row, in this one.  The password is checked
 * here and never goes into a statement.  open_link never raises for a
 * refused link.
 */
#include "postgres.h"

#include "access/xact.h"
#include "access/xlog.h"
#include "catalog/pg_collation.h"
#include "catalog/pg_type.h"
#include "executor/spi.h"
#include "funcapi.h"
#include "miscadmin.h"
#include "utils/builtins.h"
#include "utils/tuplestore.h"
#include "utils/uuid.h"

#include "audit.h"
#include "context.h"
#include "kept_plan.h"
#include "link_attempts.h"
#include "notify.h"
#include "permset_sql.h"
#include "token_sql.h"

PG_FUNCTION_INFO_V1(link_open);

typedef enum LinkOpenPlan
{
	PLAN_LINK, PLAN_FAILED_RECENTLY, PLAN_ATTEMPT, PLAN_VIEW, PLAN_AUDIT,
	PLAN_COUNT
} LinkOpenPlan;

static KeptPlan plans[PLAN_COUNT];

/* The statements of this file (parameter letters: kept_plan.h). */
static const KeptStatement statements[PLAN_COUNT] = {
	[PLAN_LINK] = {
		/*
		 * $1 token: the link whose id the token carries under an unretired
		 * key with the right MAC (C: strict parse, constant-time compare);
		 * why it refuses to open now, if it does; its workspace
		 */
		"SELECT x.id, x.resource_id, x.perms, x.allow_download, x.allow_comments,"
		"       x.allow_approval, x.allow_contribution, share_acl._link_refusal(x),"
		"       x.password_hash, x.max_views IS NOT NULL, r.workspace_id, w.track_external_views"
		"  FROM share_acl.link x"
		"  LEFT JOIN share_acl.resource r ON r.id OPERATOR(pg_catalog.=) x.resource_id"
		"  LEFT JOIN share_acl.workspace w ON w.id OPERATOR(pg_catalog.=) r.workspace_id"
		" WHERE x.id OPERATOR(pg_catalog.=)"
		"       (SELECT share_acl._token_verify($1, k.kid, k.secret) FROM share_acl.signing_key k"
		"         WHERE k.kid OPERATOR(pg_catalog.=) share_acl._token_kid($1)"
		"           AND k.retired_at IS NULL)",
		"t"},
	[PLAN_FAILED_RECENTLY] = {
		/* $1 link: its wrong passwords of the lockout window, as this transaction sees them */
		"SELECT pg_catalog.count(*) FROM share_acl.link_failed_attempt f"
		" WHERE f.link_id OPERATOR(pg_catalog.=) $1"
		"   AND f.at OPERATOR(pg_catalog.>) (pg_catalog.now() OPERATOR(pg_catalog.-) interval '15 minutes')",
		"u"},
	[PLAN_ATTEMPT] = {
		/*
		 * $1 link, $2 password_ok (NULL: no password seen), $3 viewer: the
		 * attempt decided and recorded in a transaction of its own, or in
		 * this one when it wrote the link row (no other can see that row)
		 */
		"SELECT CASE WHEN (SELECT share_acl._xid_is_current(x.xmin) FROM share_acl.link x"
		"                   WHERE x.id OPERATOR(pg_catalog.=) $1)"
		"            THEN share_acl._link_record_attempt($1, $2, $3)"
		"            ELSE share_acl._link_attempt($1, $2, $3) END",
		"ubt"},
	[PLAN_VIEW] = {
		/* $1 link, $2 viewer */
		"INSERT INTO share_acl.link_view (link_id, viewer_email) VALUES ($1, $2)",
		"ut"},
	[PLAN_AUDIT] = {
		/* $1 workspace, $2 link, $3 status, $4 viewer: the open's audit row (070_audit.sql) */
		"INSERT INTO share_acl.audit_stage (workspace_id, actor_id, db_role, action, object_type,"
		"       object_id, new, link_id, viewer_email)"
		" VALUES ($1, share_acl.current_principal(), pg_catalog.session_user(), 'open_link', 'link',"
		"         $2, pg_catalog.jsonb_build_object('status', $3), $2, $4)",
		"uutt"}
};

/* Run a statement of this file that returns at most one row; true when it did. */
static bool
Run(LinkOpenPlan which, Datum *values, const char *nulls, int expected)
{
	return KeptStatementRun(&plans[which], &statements[which], values, nulls, expected);
}

/* The link as the open sees it. */
typedef struct OpenedLink
{
	pg_uuid_t	id;
	pg_uuid_t	resource;
	Permset		perms;
	bool		allow[4];
	char	   *refusal;		/* revoked, expired, or NULL */
	text	   *password_hash;	/* NULL: no password (SPI memory: read before SPI_finish) */
	bool		has_max_views;
	bool		has_workspace;
	pg_uuid_t	workspace;
	bool		track_views;
} OpenedLink;

/*
 * The link the token names, read by PLAN_LINK; false when there is none.
 * Its refusal is copied into memory context cxt, to outlive the SPI call.
 */
static bool
ReadLink(Datum token, bool token_null, OpenedLink *l, MemoryContext cxt)
{
	bool		isnull;
	Datum		d;
	int			i;

	if (!Run(PLAN_LINK, &token, token_null ? "n" : NULL, SPI_OK_SELECT))
		return false;
	l->id = *DatumGetUUIDP(KeptStatementColumn(1, &isnull));
	l->resource = *DatumGetUUIDP(KeptStatementColumn(2, &isnull));
	l->perms = DatumGetPermset(KeptStatementColumn(3, &isnull));
	for (i = 0; i < 4; i++)
		l->allow[i] = DatumGetBool(KeptStatementColumn(4 + i, &isnull));
	d = KeptStatementColumn(8, &isnull);
	l->refusal = isnull ? NULL : MemoryContextStrdup(cxt, TextDatumGetCString(d));
	d = KeptStatementColumn(9, &isnull);
	l->password_hash = isnull ? NULL : DatumGetTextPCopy(d);
	l->has_max_views = DatumGetBool(KeptStatementColumn(10, &isnull));
	d = KeptStatementColumn(11, &isnull);
	l->has_workspace = !isnull;
	if (!isnull)
		l->workspace = *DatumGetUUIDP(d);
	d = KeptStatementColumn(12, &isnull);
	l->track_views = !isnull && DatumGetBool(d);
	return true;
}

/*
 * Raise 22023 unless email looks like an e-mail address (as _check_email),
 * \s classified under the collation the call came with.
 */
static void
CheckEmail(text *email, Oid collation)
{
	Datum		e = PointerGetDatum(email);

	if (DatumGetBool(DirectFunctionCall2Coll(textregexne, collation, e,
											 CStringGetTextDatum("^[^@\\s]+@[^@\\s]+$"))) ||
		DatumGetInt32(DirectFunctionCall1(textlen, e)) > 320)
		ereport(ERROR,
				(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
				 errmsg("invalid e-mail address: \"%s\"",
						TextDatumGetCString(DirectFunctionCall2(text_left, e, Int32GetDatum(320))))));
}

/*
 * The open's audit row staged in memory (audit_seal.c), the row PLAN_AUDIT
 * writes into audit_stage otherwise: the workspace and the link (NULL for an
 * invalid token), the acting principal, the session user, the status and the
 * viewer's e-mail (may be NULL).
 */
static void
StageOpen(const pg_uuid_t *workspace, const pg_uuid_t *link, const char *status, text *email)
{
	static const char *const keys[1] = {"status"};
	static const Oid types[1] = {TEXTOID};
	const pg_uuid_t *actor = ContextCurrentPrincipal();
	Datum		status_value = CStringGetTextDatum(status);
	bool		status_null = false;
	Datum		row[AUDIT_STAGE_COLUMNS];
	bool		nulls[AUDIT_STAGE_COLUMNS];

	memset(nulls, true, sizeof(nulls));
	row[0] = workspace ? UUIDPGetDatum(workspace) : (Datum) 0;
	nulls[0] = workspace == NULL;
	row[1] = actor ? UUIDPGetDatum(actor) : (Datum) 0;
	nulls[1] = actor == NULL;
	row[2] = CStringGetTextDatum(GetUserNameFromId(GetSessionUserId(), false));
	nulls[2] = false;
	row[3] = CStringGetTextDatum("open_link");
	nulls[3] = false;
	row[4] = CStringGetTextDatum("link");
	nulls[4] = false;
	row[5] = link ? UUIDPGetDatum(link) : (Datum) 0;
	nulls[5] = link == NULL;
	/* old: NULL */
	row[7] = JsonbObjectOf(1, keys, &status_value, types, &status_null);
	nulls[7] = false;
	row[8] = row[5];
	nulls[8] = nulls[5];
	row[9] = email ? PointerGetDatum(email) : (Datum) 0;
	nulls[9] = email == NULL;
	/* ref_type, ref_id: NULL */
	AuditStageRow(row, nulls, false);
}

/*
 * open_link(token text, password text, viewer_email text)
 * → TABLE (ok boolean, status text, link_id uuid, resource uuid, perms permset)
 */
Datum
link_open(PG_FUNCTION_ARGS)
{
	ReturnSetInfo *rsinfo = (ReturnSetInfo *) fcinfo->resultinfo;
	MemoryContext caller = CurrentMemoryContext;
	bool		standby = RecoveryInProgress();
	bool		token_null = PG_ARGISNULL(0);
	bool		given_password = !PG_ARGISNULL(1) && VARSIZE_ANY_EXHDR(PG_GETARG_TEXT_PP(1)) > 0;
	text	   *email = PG_ARGISNULL(2) ? NULL : PG_GETARG_TEXT_PP(2);
	const char *status = NULL;
	bool		found;
	bool		has_link_id = false;
	OpenedLink	l;
	Datum		values[5];
	bool		nulls[5] = {false, false, true, true, true};

	InitMaterializedSRF(fcinfo, 0);
	if (!LogExposureWarned())
	{
		char	   *token = token_null ? NULL : text_to_cstring(PG_GETARG_TEXT_PP(0));
		char	   *password = PG_ARGISNULL(1) ? NULL : text_to_cstring(PG_GETARG_TEXT_PP(1));

		WarnLogExposure(token, password);
		if (token)
			explicit_bzero(token, strlen(token));
		if (password)
			explicit_bzero(password, strlen(password));
	}
	if (email != NULL)
		CheckEmail(email, OidIsValid(PG_GET_COLLATION()) ? PG_GET_COLLATION() : DEFAULT_COLLATION_OID);

	SPI_connect();
	found = ReadLink(token_null ? (Datum) 0 : PG_GETARG_DATUM(0), token_null, &l, caller);
	if (!found)
		status = "invalid";
	else
	{
		bool		password_ok = false;	/* (looked at only when the link has a password) */

		has_link_id = true;
		if (l.refusal != NULL)
			status = l.refusal;
		else if (l.password_hash != NULL && !given_password)
			status = "password_required";
		else if (l.password_hash != NULL)
		{
			/* locked as this transaction sees it: the password is not checked */
			Datum		id = UUIDPGetDatum(&l.id);
			bool		isnull;

			Run(PLAN_FAILED_RECENTLY, &id, NULL, SPI_OK_SELECT);
			if (DatumGetInt64(KeptStatementColumn(1, &isnull)) >= 10)
				status = "locked";
			else
				password_ok = TokenPasswordMatches(PG_GETARG_DATUM(1), l.password_hash);
		}

		if (status == NULL && standby)
		{
			/* nothing is recorded on a standby (061_links.sql) */
			if (l.password_hash != NULL && !password_ok)
				status = "wrong_password";
		}
		else if (status == NULL && (l.password_hash != NULL || l.has_max_views))
		{
			Datum		args[3];
			char		argnulls[3] = {' ', ' ', ' '};
			bool		isnull;
			Datum		answer;

			args[0] = UUIDPGetDatum(&l.id);
			args[1] = BoolGetDatum(password_ok);
			argnulls[1] = l.password_hash != NULL ? ' ' : 'n';
			args[2] = email ? PointerGetDatum(email) : (Datum) 0;
			argnulls[2] = email ? ' ' : 'n';
			Run(PLAN_ATTEMPT, args, argnulls, SPI_OK_SELECT);
			answer = KeptStatementColumn(1, &isnull);
			if (isnull)
				elog(ERROR, "the attempt to open link was not answered");
			status = MemoryContextStrdup(caller, TextDatumGetCString(answer));
			if (strcmp(status, "ok") == 0)
				status = NULL;
			else if (strcmp(status, "invalid") == 0)
				has_link_id = false;
		}

		if (status == NULL)
		{
			if (!standby)
			{
				/* the viewer's row; a view of a link without max_views counts at commit */
				if (l.track_views)
				{
					Datum		args[2];
					char		argnulls[2] = {' ', ' '};

					args[0] = UUIDPGetDatum(&l.id);
					args[1] = email ? PointerGetDatum(email) : (Datum) 0;
					argnulls[1] = email ? ' ' : 'n';
					Run(PLAN_VIEW, args, argnulls, SPI_OK_INSERT);
				}
				if (!l.has_max_views)
					LinkViewAtCommit(&l.id, email ? text_to_cstring(email) : NULL);
			}
			ContextSetLink(&l.id);
			status = "ok";
		}
	}

	/*
	 * the audit row of every open, ok or refused: the link (NULL for an
	 * invalid token), the viewer's e-mail and the status; it commits with
	 * the caller's transaction
	 */
	if (!standby)
	{
		bool		has_workspace = has_link_id && l.has_workspace;
		Datum		args[4];
		char		argnulls[4] = {' ', ' ', ' ', ' '};

		if (AuditStageInMemory(1))
			StageOpen(has_workspace ? &l.workspace : NULL, has_link_id ? &l.id : NULL, status,
					  email);
		else
		{
			args[0] = has_workspace ? UUIDPGetDatum(&l.workspace) : (Datum) 0;
			argnulls[0] = has_workspace ? ' ' : 'n';
			args[1] = has_link_id ? UUIDPGetDatum(&l.id) : (Datum) 0;
			argnulls[1] = has_link_id ? ' ' : 'n';
			args[2] = CStringGetTextDatum(status);
			args[3] = email ? PointerGetDatum(email) : (Datum) 0;
			argnulls[3] = email ? ' ' : 'n';
			Run(PLAN_AUDIT, args, argnulls, SPI_OK_INSERT);
			AuditStaged(has_workspace ? &l.workspace : NULL, 1);
		}
	}
	SPI_finish();

	values[0] = BoolGetDatum(strcmp(status, "ok") == 0);
	values[1] = CStringGetTextDatum(status);
	if (has_link_id)
	{
		pg_uuid_t  *id = palloc(sizeof(pg_uuid_t));

		*id = l.id;
		values[2] = UUIDPGetDatum(id);
		nulls[2] = false;
	}
	if (strcmp(status, "ok") == 0)
	{
		pg_uuid_t  *resource = palloc(sizeof(pg_uuid_t));

		*resource = l.resource;
		values[3] = UUIDPGetDatum(resource);
		values[4] = PermsetGetDatum(PermsetApplyToggles(l.perms, l.allow[0], l.allow[1], l.allow[2],
														l.allow[3]) & ~PERMSET_LINK_NEVER);
		nulls[3] = nulls[4] = false;
	}
	tuplestore_putvalues(rsinfo->setResult, rsinfo->setDesc, values, nulls);
	return (Datum) 0;
}
