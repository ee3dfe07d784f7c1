/*
 * link_open.c — open_link (SPEC §5), what every viewer of a share link
 * calls: the token, the link's state, the password and the lockout, the
 * view row, the link context, the audit row.  sql/install/061_links.sql
 * describes the function; its tests are the contract this code keeps.
 *
 * The link is read by index scans (its signing key by the token's key id,
 * the MAC checked in token.c, the link, its resource's workspace); a
 * password-less link's view row is written without a statement
 * (src/row_write.c; by a statement prepared once per backend when the table
 * needs one), and its audit row is staged in the transaction's memory
 * (audit_memory.c), or, past the rows a transaction keeps there, by a
 * statement.  A link with a password or with max_views
 * has its attempt decided and recorded as before: by _link_record_attempt,
 * in a background worker's transaction (src/link_attempts.c) or, when this
 * transaction made the link, in this one (one it changed is refused:
 * DecideAttempt); the audit row of a refused attempt, and of a claimed view
 * of a link with max_views, is staged there with it, so that a wrong
 * password and a used-up view stay in the audit log whatever this
 * transaction does afterwards.  The password is checked
 * here and never goes into a statement.  open_link answers a refused link
 * with a status, never an error, but for a link with a password or
 * max_views on a hot standby (25006: its attempts are the primary's; a
 * password link opened there without a password is password_required, which
 * counts nothing).
 */
#include "postgres.h"

#include "access/table.h"
#include "access/tableam.h"
#include "access/xact.h"
#include "access/xlog.h"
#include "catalog/pg_collation.h"
#include "utils/fmgroids.h"
#include "utils/snapmgr.h"
#include "catalog/pg_type.h"
#include "executor/spi.h"
#include "executor/tuptable.h"
#include "funcapi.h"
#include "miscadmin.h"
#include "utils/builtins.h"
#include "utils/tuplestore.h"
#include "utils/uuid.h"

#include "audit.h"
#include "audit_memory.h"
#include "catalog.h"
#include "context.h"
#include "email.h"
#include "engine.h"
#include "kept_plan.h"
#include "link_attempts.h"
#include "notify.h"
#include "permset_sql.h"
#include "row_lock.h"
#include "row_write.h"
#include "token_sql.h"

PG_FUNCTION_INFO_V1(link_open);

typedef enum LinkOpenPlan
{
	PLAN_FAILED_RECENTLY, PLAN_ATTEMPT, PLAN_ATTEMPT_HERE, PLAN_VIEW, PLAN_AUDIT,
	PLAN_COUNT
} LinkOpenPlan;

static KeptPlan plans[PLAN_COUNT];

/* The statements of this file (parameter letters: kept_plan.h). */
static const KeptStatement statements[PLAN_COUNT] = {
	[PLAN_FAILED_RECENTLY] = {
		/* $1 link: its wrong passwords of the lockout window, as this transaction sees them */
		"SELECT pg_catalog.count(*) FROM share_acl.link_failed_attempt f"
		" WHERE f.link_id OPERATOR(pg_catalog.=) $1"
		"   AND f.at OPERATOR(pg_catalog.>) (pg_catalog.now() OPERATOR(pg_catalog.-) interval '15 minutes')",
		"u"},
	[PLAN_ATTEMPT] = {
		/*
		 * $1 link, $2 password_ok (NULL: no password seen), $3 viewer, $4
		 * the hash $2 was checked against: the attempt decided and recorded
		 * (a refusal with its audit row) in a transaction of its own
		 */
		"SELECT share_acl._link_attempt($1, $2, $3, share_acl.current_principal(),"
		"                               pg_catalog.session_user(), $4)",
		"ubtt"},
	[PLAN_ATTEMPT_HERE] = {
		/* the same in this transaction, which made the link (see DecideAttempt) */
		"SELECT share_acl._link_record_attempt($1, $2, $3, share_acl.current_principal(),"
		"                                      pg_catalog.session_user(), $4)",
		"ubtt"},
	[PLAN_VIEW] = {
		/* $1 link, $2 viewer, $3 when */
		"INSERT INTO share_acl.link_view (link_id, viewer_email, viewed_at) VALUES ($1, $2, $3)",
		"utz"},
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
	bool		exists;
	pg_uuid_t	id;
	int32		kid;			/* the key that signed its token */
	pg_uuid_t	resource;
	Permset		perms;
	bool		allow[4];
	const char *refusal;		/* revoked, expired, or NULL */
	text	   *password_hash;	/* NULL: no password */
	bool		has_max_views;
	int64		view_count;		/* as read */
	bool		has_workspace;
	pg_uuid_t	workspace;
	bool		track_views;
	bool		has_creator;
	pg_uuid_t	creator;		/* created_by */
} OpenedLink;

/* The secret of an unretired signing key (a copy), or 0 when there is none. */
static void
SigningKeyRow(TupleDesc desc, HeapTuple tup, void *arg)
{
	Datum	   *secret = (Datum *) arg;
	bool		isnull;
	Datum		d;

	Attr(desc, tup, catalog.sk_retired, &isnull);
	if (!isnull)
		return;
	d = Attr(desc, tup, catalog.sk_secret, &isnull);
	if (!isnull)
		*secret = PointerGetDatum(DatumGetByteaPCopy(d));
}

/* The signing key a token names, as the open reads it: under snap, its secret (a copy) once read. */
typedef struct SigningKey
{
	Datum		secret;
	Snapshot	snap;
	int32		kid;			/* the key asked for */
} SigningKey;

/* TokenKeyLookup of the open: the secret of unretired key kid, read by its primary key. */
static Datum
SigningKeyOf(int32 kid, void *arg)
{
	SigningKey *key = (SigningKey *) arg;

	key->kid = kid;
	IndexScanKey(MT_SIGNING_KEY, MT_SIGNING_KEY_PKEY, catalog.sk_kid, F_INT4EQ, Int32GetDatum(kid),
				 key->snap, SigningKeyRow, &key->secret);
	return key->secret;
}

/* Why a link row refuses to open now (as _link_refusal, 061_links.sql), or NULL. */
static const char *
Refusal(TupleDesc desc, HeapTuple tup)
{
	TimestampTz now = EngineExpiryNow();
	bool		isnull;
	Datum		max_views;

	Attr(desc, tup, catalog.l_revoked, &isnull);
	if (!isnull)
		return "revoked";
	if (TimestampOr(desc, tup, catalog.l_expires, DT_NOEND) <= now ||
		TimestampOr(desc, tup, catalog.l_not_before, DT_NOBEGIN) > now)
		return "expired";
	max_views = Attr(desc, tup, catalog.l_max_views, &isnull);
	if (!isnull &&
		DatumGetInt64(Attr(desc, tup, catalog.l_view_count, &isnull)) >= DatumGetInt32(max_views))
		return "expired";
	return NULL;
}

static void
LinkRow(TupleDesc desc, HeapTuple tup, void *arg)
{
	OpenedLink *l = (OpenedLink *) arg;
	bool		isnull;
	Datum		d;

	l->resource = AttrUuid(desc, tup, catalog.l_resource);
	l->perms = DatumGetPermset(Attr(desc, tup, catalog.l_perms, &isnull));
	l->allow[0] = DatumGetBool(Attr(desc, tup, catalog.l_download, &isnull));
	l->allow[1] = DatumGetBool(Attr(desc, tup, catalog.l_comments, &isnull));
	l->allow[2] = DatumGetBool(Attr(desc, tup, catalog.l_approval, &isnull));
	l->allow[3] = DatumGetBool(Attr(desc, tup, catalog.l_contribution, &isnull));
	l->refusal = Refusal(desc, tup);
	d = Attr(desc, tup, catalog.l_password_hash, &isnull);
	l->password_hash = isnull ? NULL : DatumGetTextPCopy(d);
	Attr(desc, tup, catalog.l_max_views, &isnull);
	l->has_max_views = !isnull;
	l->view_count = DatumGetInt64(Attr(desc, tup, catalog.l_view_count, &isnull));
	d = Attr(desc, tup, catalog.l_created_by, &isnull);
	l->has_creator = !isnull;
	if (!isnull)
		l->creator = *DatumGetUUIDP(d);
	l->exists = true;
}

/*
 * Does the link's creator hold, itself, every flag the link gives?  Its open
 * then gives it nothing: its own look at its link, no view.  (A creator that
 * lost them opens it as anyone holding the token does.)
 */
static bool
CreatorHolds(const OpenedLink *l)
{
	TargetKind	kind;

	return (EnginePermissionsOf(&l->creator, &l->resource, &kind) & l->perms) == l->perms &&
		kind == TARGET_RESOURCE;
}

static void
TrackViewsRow(TupleDesc desc, HeapTuple tup, void *arg)
{
	bool		isnull;
	Datum		d = Attr(desc, tup, catalog.ws_track_views, &isnull);

	*(bool *) arg = !isnull && DatumGetBool(d);
}

/* The link the token names, its key, resource and workspace as read under snap. */
static bool
ReadLinkUnder(Datum token, Snapshot snap, OpenedLink *l)
{
	SigningKey	key = {(Datum) 0, snap, 0};
	bool		found;
	RowFacts	resource;

	memset(l, 0, sizeof(*l));
	found = TokenLinkId(token, SigningKeyOf, &key, &l->id);
	l->kid = key.kid;
	if (key.secret != (Datum) 0)
	{
		bytea	   *b = DatumGetByteaP(key.secret);

		explicit_bzero(VARDATA(b), VARSIZE(b) - VARHDRSZ);
		pfree(b);
	}
	if (found)
	{
		IndexScanEqual(MT_LINK, MT_LINK_PKEY, catalog.l_id, &l->id, snap, LinkRow, l);
		found = l->exists;
	}
	if (found)
	{
		ResourceFacts(&l->resource, snap, &resource);
		l->has_workspace = resource.found && resource.has_workspace;
		if (l->has_workspace)
		{
			l->workspace = resource.workspace;
			IndexScanEqual(MT_WORKSPACE, MT_WORKSPACE_PKEY, catalog.ws_id, &l->workspace, snap,
						   TrackViewsRow, &l->track_views);
		}
	}
	return found;
}

/*
 * The link the token names: the link whose id the token carries under an
 * unretired signing key with the right MAC (token.c: strict parse,
 * constant-time compare), with its workspace; false when there is none.
 * Read as a statement of this function would read it: after the changes of
 * this command, under the latest snapshot.  In REPEATABLE READ and above
 * that is the transaction's, which decides whether the link exists (its
 * view row's foreign key is checked under it); what it says then comes from
 * the latest committed state, as the checks read it (R13): a link revoked,
 * expired or deleted, or a key retired, after the transaction's snapshot
 * refuses the open.
 */
static bool
ReadLink(Datum token, bool token_null, OpenedLink *l)
{
	Snapshot	snap;
	bool		found;

	memset(l, 0, sizeof(*l));
	if (token_null)
		return false;
	CatalogLookup();
	snap = StatementSnapshot();
	found = ReadLinkUnder(token, snap, l);
	UnregisterSnapshot(snap);
	if (found && IsolationUsesXactSnapshot())
	{
		OpenedLink	latest;

		snap = RegisterSnapshot(GetLatestSnapshot());
		found = ReadLinkUnder(token, snap, &latest);
		UnregisterSnapshot(snap);
		if (found)
			*l = latest;
	}
	return found;
}

/*
 * Decide and record an attempt to open a link with a password or max_views
 * (PLAN_ATTEMPT's arguments in args): in a transaction of its own, so that
 * it stays whatever becomes of this one; in this transaction when it made
 * the link (no other transaction can see the row, and a rollback removes
 * the link with its attempts).  A link that existed before and whose row
 * this transaction changed (update_link, an administrator's UPDATE) is
 * refused: no other transaction can lock the row before this one ends, and
 * recorded here, a rollback would undo a wrong password's count and a
 * claimed view, so that the lockout and max_views would not hold.
 */
static void
DecideAttempt(const pg_uuid_t *link, Datum *args, const char *nulls)
{
	Relation	rel = ModelTableOpen(MT_LINK, AccessShareLock);
	RowAuthorship writer = RowWrittenHere(rel, ModelRelId(MT_LINK_PKEY), catalog.l_id, F_UUID_EQ,
										  UUIDPGetDatum(link));

	table_close(rel, AccessShareLock);
	if (writer == ROW_CHANGED_HERE)
		ereport(ERROR,
				(errcode(ERRCODE_OBJECT_NOT_IN_PREREQUISITE_STATE),
				 errmsg("share link %s was changed by this transaction",
						DatumGetCString(DirectFunctionCall1(uuid_out, UUIDPGetDatum(link)))),
				 errdetail("An attempt to open a link with a password or max_views is recorded in a transaction of its own, which this transaction's change of the link holds up until it ends."),
				 errhint("Open the link after this transaction ends.")));
	Run(writer == ROW_MADE_HERE ? PLAN_ATTEMPT_HERE : PLAN_ATTEMPT, args, nulls, SPI_OK_SELECT);
}

/*
 * The view's link_view row, viewed at the time the open was judged: below
 * the statement when the table lets it be (src/row_write.c), else by
 * PLAN_VIEW.  Needs an SPI connection.
 */
static void
WriteView(const pg_uuid_t *link, text *email, TimestampTz at)
{
	static const char *const columns[3] = {"link_id", "viewer_email", "viewed_at"};
	static const Oid types[3] = {UUIDOID, TEXTOID, TIMESTAMPTZOID};
	Datum		values[3] = {UUIDPGetDatum(link), email ? PointerGetDatum(email) : (Datum) 0,
							 TimestampTzGetDatum(at)};
	bool		nulls[3] = {false, email == NULL, false};
	RowValues	row = {3, columns, types, values, nulls};
	Relation	rel;
	bool		done;

	CatalogLookup();
	rel = ModelTableOpen(MT_LINK_VIEW, RowExclusiveLock);
	done = RowInsert(rel, &row, InvalidOid, NULL, NULL) != ROW_BY_STATEMENT;
	table_close(rel, NoLock);
	if (!done)
		Run(PLAN_VIEW, values, email ? NULL : " n ", SPI_OK_INSERT);
}

/*
 * The open's audit row staged in memory (audit_memory.c), the row PLAN_AUDIT
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
	bool		audited = false;	/* the open's audit row is staged (with its attempt) */
	const pg_uuid_t *actor = ContextCurrentPrincipal();
	bool		own = false;	/* by the link's creator: no view (its own look at its link) */
	bool		attempted = false;	/* decided by _link_record_attempt */
	bool		claimed = false;	/* ... which claimed a view of max_views */
	bool		first_view = false; /* the view may be the link's first */
	bool		resource_locked = false;	/* the link's resource is held (FOR KEY SHARE) */
	OpenedLink	l;
	Datum		values[5];
	bool		nulls[5] = {false, false, true, true, true};

	/*
	 * On the primary every open writes (its audit row, views, attempts): a
	 * read-only transaction could commit none of it, and is refused before
	 * the token is looked at.
	 */
	if (!standby && XactReadOnly)
		ereport(ERROR,
				(errcode(ERRCODE_READ_ONLY_SQL_TRANSACTION),
				 errmsg("cannot execute open_link() in a read-only transaction"),
				 errdetail("On a primary, every open writes its audit row (and views and failed attempts) in the caller's transaction."),
				 errhint("Call it in a read-write transaction; on a hot standby it validates without recording.")));
	InitMaterializedSRF(fcinfo, MAT_SRF_USE_EXPECTED_DESC);
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
		EmailCheckUnshown(email, "viewer_email");

	found = ReadLink(token_null ? (Datum) 0 : PG_GETARG_DATUM(0), token_null, &l);
	SPI_connect();
	if (!found)
		status = "invalid";
	else
	{
		bool		password_ok = false;	/* (looked at only when the link has a password) */
		/* the e-mail the first view's notification names: none when views are untracked */

		has_link_id = true;
		own = l.has_creator && actor != NULL && uuid_equal(actor, &l.creator) && CreatorHolds(&l);
		if (l.refusal != NULL)
			status = l.refusal;
		else if (standby && l.password_hash != NULL && !given_password)
			status = "password_required";	/* (as on the primary: nothing counted) */
		else if (standby && (l.password_hash != NULL || l.has_max_views))
		{
			/*
			 * its attempts are counted on the primary (the lockout, the views
			 * left), which a standby cannot write: answered unrecorded, its
			 * password could be guessed without end and its views exceed
			 * max_views; no password is looked at
			 */
			ereport(ERROR,
					(errcode(ERRCODE_READ_ONLY_SQL_TRANSACTION),
					 errmsg("a share link with a password or max_views cannot be opened on a hot standby"),
					 errdetail("Its attempts and views are counted on the primary."),
					 errhint("Send open_link of such links to the primary.")));
		}
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

		/*
		 * the link's row, which the view's row and the attempt's rows
		 * reference, held as their foreign keys hold it: a delete of it under
		 * way is waited for here, not by the attempt's worker or the view
		 * row's check, and the open then answers as after the delete
		 * (invalid), not with a row's foreign-key error or the worker's lock
		 * timeout.  Before it, for a view that may be the link's first, the
		 * link's resource, which the first view's notification to the
		 * link's creator references: delete_resource locks a resource before
		 * its links, and a delete holding the resource while it waited for
		 * this open's link row, which the commit's notification then waited
		 * for, was a deadlock.  (A link whose row the open does not lock has
		 * its resource locked at commit, before its count: LinkViewAtCommit.)
		 */
		first_view = !own && l.view_count == 0 && l.has_creator;
		if (status == NULL && !standby &&
			(l.track_views || l.password_hash != NULL || l.has_max_views))
		{
			bool		there;

			there = !first_view ||
				ModelRowKeyShare(MT_RESOURCE, MT_RESOURCE_PKEY, catalog.res_id, &l.resource);
			there = there && ModelRowKeyShare(MT_LINK, MT_LINK_PKEY, catalog.l_id, &l.id);
			resource_locked = there && first_view;
			if (!there)
			{
				status = "invalid";
				has_link_id = false;
			}
		}

		/*
		 * (nothing is recorded on a standby: its links have neither, above;
		 * the link's creator opening it, its principal set, claims no view)
		 */
		if (status == NULL && (l.password_hash != NULL || (l.has_max_views && !own)))
		{
			Datum		args[4];
			char		argnulls[4] = {' ', ' ', ' ', ' '};
			bool		isnull;
			Datum		answer;

			args[0] = UUIDPGetDatum(&l.id);
			args[1] = BoolGetDatum(password_ok);
			argnulls[1] = l.password_hash != NULL ? ' ' : 'n';
			args[2] = email ? PointerGetDatum(email) : (Datum) 0;
			argnulls[2] = email ? ' ' : 'n';
			args[3] = l.password_hash ? PointerGetDatum(l.password_hash) : (Datum) 0;
			argnulls[3] = l.password_hash ? ' ' : 'n';
			DecideAttempt(&l.id, args, argnulls);
			attempted = true;
			answer = KeptStatementColumn(1, &isnull);
			if (isnull)
				elog(ERROR, "the attempt to open link was not answered");
			status = MemoryContextStrdup(caller, TextDatumGetCString(answer));
			/*
			 * a refused attempt's audit row committed with it, and a claimed
			 * view's (as the attempt found the link under its row lock, which
			 * may differ from what this read saw)
			 */
			audited = strcmp(status, "ok") != 0;
			claimed = strcmp(status, "claimed") == 0;
			if (strcmp(status, "ok") == 0 || claimed)
				status = NULL;
			else if (strcmp(status, "invalid") == 0)
				has_link_id = false;
		}

		if (status == NULL)
		{
			if (!standby)
			{
				/*
				 * the viewer's row; a view the attempt did not claim (a link
				 * without max_views, as the attempt found it under its row
				 * lock when there was one) counts at commit; both at the time
				 * the open was judged at
				 */
				TimestampTz viewed_at = EngineExpiryNow();

				if (l.track_views && !own)
					WriteView(&l.id, email, viewed_at);
				if (!claimed && !own && (!l.has_max_views || attempted))
					LinkViewAtCommit(&l.id, l.has_workspace ? &l.workspace : NULL,
									 first_view && !resource_locked ? &l.resource : NULL,
									 l.track_views && email ? text_to_cstring(email) : NULL,
									 viewed_at);
			}
			ContextSetLink(&l.id, l.kid);
			status = "ok";
		}
	}

	/*
	 * the audit row of every open, ok or refused: the link (NULL for an
	 * invalid token), the viewer's e-mail and the status; it commits with
	 * the caller's transaction, unless a refused attempt staged it already
	 */
	if (!standby && has_link_id)
		LinkOpenedInTransaction();
	if (!standby && !audited)
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
