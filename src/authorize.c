/*
 * authorize.c — the one authorisation step that serves every management
 * function, SQL or C (authorize.h).
 *
 * _actor (who acts: the principal set, or a trusted administrator without
 * one), _require (the actor holds these flags on the target),
 * _require_manager (change_permissions on the resource, or having made the
 * grant) and _deny (record the refusal, then raise 42501).  They ask the
 * engine directly, in the caller's transaction, so they see its own
 * changes.  A function writes: in a read-only transaction it is refused
 * first, naming itself (_require_writable).
 */
#include "postgres.h"

#include "access/xact.h"
#include "executor/spi.h"
#include "miscadmin.h"
#include "tcop/utility.h"
#include "utils/builtins.h"
#include "utils/elog.h"

#include "authorize.h"
#include "context.h"
#include "engine.h"
#include "kept_plan.h"
#include "maps.h"
#include "permset_sql.h"

PG_FUNCTION_INFO_V1(require_permissions);
PG_FUNCTION_INFO_V1(require_manager);
PG_FUNCTION_INFO_V1(deny);
PG_FUNCTION_INFO_V1(policies_withholding);
PG_FUNCTION_INFO_V1(actor);
PG_FUNCTION_INFO_V1(require_writable);

/* The statements of a refusal, each prepared once per backend and kept. */
typedef enum AuthorizePlan
{
	PLAN_REFUSAL_FACTS, PLAN_REFUSAL, PLAN_COUNT
} AuthorizePlan;

static KeptPlan plans[PLAN_COUNT];

/* (parameter letters: kept_plan.h) */
static const KeptStatement statements[PLAN_COUNT] = {
	[PLAN_REFUSAL_FACTS] = {
		/* $1 target: its workspace, the actor, the session's role, the actor's kind */
		"SELECT share_acl._audit_workspace_of($1), a.p, pg_catalog.session_user()::text,"
		"       (SELECT x.kind::text FROM share_acl.principal x WHERE x.id OPERATOR(pg_catalog.=) a.p)"
		"  FROM (SELECT share_acl.current_principal() AS p) a",
		"u"},
	[PLAN_REFUSAL] = {
		/* $1 function, $2 target, $3 workspace, $4 actor, $5 role, $6 message */
		"SELECT share_acl._audit_refusal($1, $2, $3, $4, $5, $6)",
		"tuuutt"}
};

/* A uuid as messages print it. */
char *
UuidText(const pg_uuid_t *id)
{
	if (id == NULL)
		return "";
	return DatumGetCString(DirectFunctionCall1(uuid_out, UUIDPGetDatum(id)));
}

/*
 * The share_acl function the caller called, as the error context stack names
 * it: the innermost line "PL/pgSQL function share_acl.NAME(…" (or "C
 * function share_acl.NAME(…", the line of a C entry point that calls
 * PL/pgSQL: delete_resource) of a public function (the stack lists the
 * innermost call first; internal helpers, "_…", are called by the public
 * ones).  Not the outermost such text: a caller's own function, outside, may
 * carry it in its name.  When only internal helpers are on the stack, the
 * outermost of them.
 */
static char *
CalledFunction(void)
{
	static const char *const markers[2] = {"PL/pgSQL function share_acl.", "C function share_acl."};
	char	   *stack = GetErrorContextStack();
	char	   *internal = NULL;
	const char *line;

	if (stack == NULL)
		return "unknown";		/* called from no function at all */
	for (line = stack; line != NULL; line = strchr(line, '\n'), line = line ? line + 1 : NULL)
	{
		const char *name = NULL;
		const char *q;
		size_t		m;

		for (m = 0; m < lengthof(markers); m++)
			if (strncmp(line, markers[m], strlen(markers[m])) == 0)
				name = line + strlen(markers[m]);
		if (name == NULL)
			continue;
		for (q = name; (*q >= 'a' && *q <= 'z') || *q == '_'; q++)
			;
		if (q > name && *q == '(')
		{
			if (*name != '_')
				return pnstrdup(name, q - name);
			internal = pnstrdup(name, q - name);
		}
	}
	return internal ? internal : "unknown";
}

/*
 * Refuse with 42501: hand the refusal's audit row to the background worker
 * (_audit_refusal, src/audit_worker.c), then raise message, detail and hint.
 * function is the called function's name, or NULL for the one the error
 * context stack names (CalledFunction).
 *
 * The row's facts are looked up first (they may wait for locks, and stay
 * cancellable).  The hand-over holds cancel interrupts (it may wait for a
 * worker slot); a cancel or statement_timeout that came meanwhile must not
 * replace the refusal, so they stay held until it is raised (raising an
 * error ends every holdoff; the cancel is then taken at the next check for
 * interrupts, if the caller catches the refusal and goes on).
 */
void
Deny(const char *function, const pg_uuid_t *target, const char *message, const char *detail,
	 const char *hint)
{
	Datum		values[6];
	char		nulls[6] = {' ', ' ', ' ', ' ', ' ', ' '};
	bool		isnull;
	int			i;
	char		actor_detail[192] = "";

	if (function == NULL)
		function = CalledFunction();
	SPI_connect();
	values[0] = CStringGetTextDatum(function);
	values[1] = target ? UUIDPGetDatum(target) : (Datum) 0;
	nulls[1] = target ? ' ' : 'n';
	(void) KeptStatementRun(&plans[PLAN_REFUSAL_FACTS], &statements[PLAN_REFUSAL_FACTS],
							&values[1], &nulls[1], SPI_OK_SELECT);
	for (i = 0; i < 3; i++)
	{
		values[2 + i] = KeptStatementColumn(i + 1, &isnull);
		nulls[2 + i] = isnull ? 'n' : ' ';
	}
	/*
	 * an actor that is no person: the refusal says so (on the stack: this
	 * SPI connection's memory ends before the error is raised)
	 */
	if (detail == NULL && nulls[3] == ' ')
	{
		Datum		kind = KeptStatementColumn(4, &isnull);

		if (isnull)
			snprintf(actor_detail, sizeof(actor_detail),
					 "share_acl.principal is set to %s, which is no principal's id: it holds nothing.",
					 UuidText(DatumGetUUIDP(values[3])));
		else if (strcmp(TextDatumGetCString(kind), "team") == 0)
			snprintf(actor_detail, sizeof(actor_detail),
					 "share_acl.principal is set to %s, a team: a team holds grants for its members and does not act itself.",
					 UuidText(DatumGetUUIDP(values[3])));
		if (actor_detail[0] != '\0')
			detail = actor_detail;
	}
	values[5] = CStringGetTextDatum(message);
	HOLD_CANCEL_INTERRUPTS();
	(void) KeptStatementRun(&plans[PLAN_REFUSAL], &statements[PLAN_REFUSAL], values, nulls,
							SPI_OK_SELECT);
	SPI_finish();
	ereport(ERROR,
			(errcode(ERRCODE_INSUFFICIENT_PRIVILEGE),
			 errmsg_internal("%s", message),
			 detail ? errdetail_internal("%s", detail) : 0,
			 hint ? errhint("%s", hint) : 0));
}

/*
 * A management function writes: in a read-only transaction (also every
 * transaction of a hot standby) 25006 naming it, before anything else.
 * function NULL: the one the error context stack names (CalledFunction), read
 * only then.
 */
void
RequireWritable(const char *function)
{
	if (XactReadOnly)
		PreventCommandIfReadOnly(psprintf("%s()", function ? function : CalledFunction()));
}

/*
 * The acting principal of a management function that writes (function, or
 * NULL: the one the error context stack names) on target (what the call
 * names: its refusal's audit row says so; NULL: nothing); NULL for a
 * trusted administrator without one; 42501 for anyone else.
 */
const pg_uuid_t *
Actor(const char *function, const pg_uuid_t *target)
{
	const pg_uuid_t *p;

	RequireWritable(function);
	p = ContextCurrentPrincipal();
	if (p == NULL && !ContextInvokerIsAdmin())
		Deny(function, target, "permission denied: no principal set", NULL,
			 ContextCurrentLinkId() != NULL ?
			 "A share link's context answers checks only: a change needs the principal who makes it (share_acl.set_principal()), such as one the application picks for an upload through the link." :
			 "Call share_acl.set_principal() first, in the same transaction: it lasts until the transaction ends (in psql's autocommit, only for its own statement); only a superuser or a member of share_acl_admin may manage without a principal.");
	return p;
}

/* Does principal hold every flag of needed on target (a resource or workspace)? */
static bool
Holds(const pg_uuid_t *principal, const pg_uuid_t *target, Permset needed, Permset *have,
	  TargetKind *kind)
{
	*have = EnginePermissionsOf(principal, target, kind);
	return *kind != TARGET_NONE && (*have & needed) == needed;
}

/*
 * The authorisation step of every management function: return when actor
 * (NULL: a trusted administrator) holds needed on target, else refuse with
 * 42501 naming the flags it lacks, and in its detail the workspace policy
 * that alone withholds them, if one does (SPEC §6).
 */
#define PERMS_UNKNOWN	(~(Permset) 0)	/* NULL perms: nothing is held, no flag named */

/* A refusal's detail naming the policies (ENGINE_POLICY_*) that withhold it, or NULL. */
static char *
PoliciesDetail(int policies)
{
	static const struct
	{
		int			policy;
		const char *name;
	}			named[] = {
		{ENGINE_POLICY_MEMBERS_CAN_SHARE, "members_can_share (off)"},
		{ENGINE_POLICY_MEMBER_EDIT_OWN_ONLY, "member_edit_own_only (on)"},
		{ENGINE_POLICY_GUEST_ACCESS, "guest_access_enabled (off)"},
		{ENGINE_POLICY_GUEST_UPLOADS, "allow_guest_uploads (off)"},
	};
	StringInfoData detail;
	int			n = 0;
	size_t		i;

	if (policies == 0)
		return NULL;
	initStringInfo(&detail);
	for (i = 0; i < lengthof(named); i++)
		if (policies & named[i].policy)
			appendStringInfo(&detail, "%s%s", n++ ? " and " : "", named[i].name);
	return psprintf("The workspace %s %s %s it.", n > 1 ? "policies" : "policy", detail.data,
					n > 1 ? "withhold" : "withholds");
}

void
Require(const char *function, const pg_uuid_t *actor, const pg_uuid_t *target, Permset needed,
		const char *action)
{
	Permset		have = 0;
	TargetKind	kind = TARGET_NONE;
	Permset		missing;
	StringInfoData names;
	int			policies = 0;
	int			i;

	if (actor == NULL)
		return;
	if (target != NULL && Holds(actor, target, needed, &have, &kind) && needed != PERMS_UNKNOWN)
		return;
	if (needed == PERMS_UNKNOWN)
		needed = 0;
	missing = kind == TARGET_NONE ? needed : needed & ~have;
	initStringInfo(&names);
	for (i = 0; i < PERM_NFLAGS; i++)
		if (missing & PERM_BIT(i))
			appendStringInfo(&names, "%s%s", names.len ? "," : "", PermsetFlagName(i));
	if (kind == TARGET_RESOURCE)
		policies = EnginePoliciesWithholding(actor, target, missing, have);
	Deny(function, target,
		 psprintf("permission denied: %s requires \"%s\" on %s %s", action ? action : "",
				  names.len ? names.data : PermsetToCString(needed),
				  kind == TARGET_WORKSPACE ? "workspace" : "resource", UuidText(target)),
		 PoliciesDetail(policies), NULL);
}

/*
 * May actor change or end a grant on resource that made_by made (a share, a
 * review)?  change_permissions on the resource, or having made it;
 * otherwise 42501 naming both.  The resource is named only to who may view
 * it: the id of a share or review alone must not tell anyone else what it is
 * about (as revoke_link's refusal).
 */
void
RequireManager(const char *function, const pg_uuid_t *actor, const pg_uuid_t *resource,
			   const pg_uuid_t *made_by, const char *maker, const char *action)
{
	Permset		have = 0;
	TargetKind	kind;

	if (actor == NULL || (made_by != NULL && uuid_equal(made_by, actor)))
		return;
	if (resource != NULL && Holds(actor, resource, PERM_CHANGE_PERMISSIONS, &have, &kind))
		return;
	Deny(function, resource,
		 psprintf("permission denied: %s requires \"change_permissions\" on %s%s or being the %s",
				  action ? action : "", (have & PERM_VIEW) ? "resource " : "the resource",
				  (have & PERM_VIEW) ? UuidText(resource) : "", maker ? maker : ""),
		 NULL, NULL);
}

/* _require(principal uuid, target uuid, perms permset, action text) → void */
Datum
require_permissions(PG_FUNCTION_ARGS)
{
	Require(NULL, ARG_UUID_OR_NULL(0), ARG_UUID_OR_NULL(1),
			PG_ARGISNULL(2) ? PERMS_UNKNOWN : PG_GETARG_PERMSET(2), ARG_CSTRING_OR_NULL(3));
	PG_RETURN_VOID();
}

/* _require_manager(actor uuid, resource uuid, made_by uuid, maker text, action text) → void */
Datum
require_manager(PG_FUNCTION_ARGS)
{
	RequireManager(NULL, ARG_UUID_OR_NULL(0), ARG_UUID_OR_NULL(1), ARG_UUID_OR_NULL(2),
				   ARG_CSTRING_OR_NULL(3), ARG_CSTRING_OR_NULL(4));
	PG_RETURN_VOID();
}

/* _deny(target uuid, message text, detail text, hint text) → void: never returns */
Datum
deny(PG_FUNCTION_ARGS)
{
	char	   *message = ARG_CSTRING_OR_NULL(1);

	Deny(NULL, ARG_UUID_OR_NULL(0), message ? message : "", ARG_CSTRING_OR_NULL(2),
		 ARG_CSTRING_OR_NULL(3));
	PG_RETURN_VOID();
}

/*
 * _policies_withholding(principal uuid, target uuid, needed permset) → text:
 * the detail of a refusal of needed on resource target that the workspace's
 * policies alone cause (as Require's), or NULL.
 */
Datum
policies_withholding(PG_FUNCTION_ARGS)
{
	pg_uuid_t  *principal = PG_GETARG_UUID_P(0);
	pg_uuid_t  *target = PG_GETARG_UUID_P(1);
	Permset		needed = PG_GETARG_PERMSET(2);
	TargetKind	kind;
	Permset		have = EnginePermissionsOf(principal, target, &kind);
	char	   *detail;

	if (kind != TARGET_RESOURCE)
		PG_RETURN_NULL();
	detail = PoliciesDetail(EnginePoliciesWithholding(principal, target, needed & ~have, have));
	if (detail == NULL)
		PG_RETURN_NULL();
	PG_RETURN_TEXT_P(cstring_to_text(detail));
}

/*
 * _actor(target uuid default null) → uuid: Actor() for the PL/pgSQL
 * management function calling it, named from the error context stack, on
 * target.
 */
Datum
actor(PG_FUNCTION_ARGS)
{
	(void) Actor(NULL, PG_NARGS() > 0 && !PG_ARGISNULL(0) ? PG_GETARG_UUID_P(0) : NULL);
	return ContextPrincipalResult(fcinfo);
}

/*
 * _require_writable() → void: RequireWritable() for a PL/pgSQL function that
 * writes without an actor (an administrator's, or a principal's own
 * settings), named from the error context stack.
 */
Datum
require_writable(PG_FUNCTION_ARGS)
{
	RequireWritable(NULL);
	PG_RETURN_VOID();
}
