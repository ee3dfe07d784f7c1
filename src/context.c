/*
 * context.c — who is asking: the current principal of the transaction, and
 * the link context that open_link() sets (R7).
 *
 * The setting share_acl.principal (set with SET LOCAL or set_principal())
 * holds a uuid or is empty.  Its assign hook keeps the parsed value, so a
 * check reads it without parsing text per row.
 */
#include "postgres.h"

#include "access/parallel.h"
#include "access/xact.h"
#include "fmgr.h"
#include "mb/pg_wchar.h"
#include "miscadmin.h"
#include "utils/acl.h"
#include "utils/guc.h"
#include "utils/guc_tables.h"
#include "storage/proc.h"
#include "utils/builtins.h"
#include "utils/uuid.h"

#include "context.h"
#include "definer_frames.h"
#include "invalidation.h"
#include "maps.h"

static void DefineLinkContextSetting(void);

static char *principal_setting = NULL;
static bool principal_is_set = false;
static pg_uuid_t principal_id;
/* the setting's own GUC record, whose stack says whether this transaction set it */
static struct config_generic *principal_guc = NULL;
/* the transaction that was last warned of acting as a session value */
static LocalTransactionId principal_warned_in = InvalidLocalTransactionId;

/*
 * share_acl.session_principal: what a use of a principal set for the
 * session (not by the running transaction) does — warn (and act as it), or
 * refuse (fail closed: behind a transaction pooler it may be another
 * client's).  Superuser-only, so an operator's choice holds for the
 * application's roles.
 */
typedef enum SessionPrincipalMode
{
	SESSION_PRINCIPAL_WARN,
	SESSION_PRINCIPAL_REFUSE
} SessionPrincipalMode;

static const struct config_enum_entry session_principal_options[] = {
	{"warn", SESSION_PRINCIPAL_WARN, false},
	{"refuse", SESSION_PRINCIPAL_REFUSE, false},
	{NULL, 0, false}
};
static int	session_principal_mode = SESSION_PRINCIPAL_WARN;

/*
 * A value set before the library was loaded in a backend (not preloaded:
 * until then the setting is a placeholder that takes any text) is checked
 * only when _PG_init defines the setting.  PostgreSQL then applies the
 * values it holds again (the configuration's, the session's, then the
 * running transaction's, level by level) and of an invalid one only warns,
 * keeping the value applied before it: a transaction that set an invalid
 * principal (an id cut short, say) would act as the session's principal,
 * and would again after a savepoint above it ends.  So when a value the
 * running transaction set (with SET LOCAL, SET or a function's SET clause,
 * at any level) is rejected then, or the value in effect afterwards is not
 * the one the transaction set (PostgreSQL applies a RESET's default below
 * the session's value), every use of the principal in that transaction
 * fails with 22P02 (or 55000), and so does any parallel plan before its
 * workers start (serial_checks.c), until the transaction ends: the SET
 * itself fails once the library is loaded.  An invalid value of the
 * session's earlier transactions, the configuration, ALTER ROLE or
 * DATABASE or the connection's options is only warned of, as with the
 * library preloaded: the transaction acts as the value applied before it.
 */
static bool defining_settings = false;	/* inside ContextDefineSettings */
static char *committed_value = NULL;	/* ... the session's value from before the transaction */
static bool own_value_rejected = false; /* ... a value the transaction set was rejected */
static LocalTransactionId principal_rejected_in = InvalidLocalTransactionId;
static bool principal_rejected_invalid; /* rejected (else not applied as set) */
static char principal_rejected[80];		/* the value, as messages show it */

/* The value of a hex digit, or -1. */
static int
hexval_or_neg(char c)
{
	if (c >= '0' && c <= '9')
		return c - '0';
	if (c >= 'a' && c <= 'f')
		return c - 'a' + 10;
	if (c >= 'A' && c <= 'F')
		return c - 'A' + 10;
	return -1;
}

/* Parse a uuid the way uuid_in does (hex digits, optional braces and hyphens). */
static bool
ParseUuid(const char *s, pg_uuid_t *out)
{
	int			i = 0;
	bool		braces = false;

	if (*s == '{')
	{
		braces = true;
		s++;
	}
	while (i < UUID_LEN)
	{
		int			hi,
					lo;

		if (i > 0 && i % 2 == 0 && *s == '-')
			s++;
		hi = hexval_or_neg(s[0]);
		lo = hi < 0 ? -1 : hexval_or_neg(s[1]);
		if (lo < 0)
			return false;
		out->data[i++] = (unsigned char) (hi << 4 | lo);
		s += 2;
	}
	if (braces)
	{
		if (*s != '}')
			return false;
		s++;
	}
	return *s == '\0';
}

/*
 * A setting's rejected value as an error message shows it: its first 64
 * bytes only, cut at a character's boundary (a uuid has 36; a
 * 100,000-character value would otherwise fill the message, the server log
 * and the client's screen).
 */
static const char *
ValueForMessage(const char *value)
{
	int			len = strlen(value);
	int			keep = pg_mbcliplen(value, len, 64);

	if (keep == len)
		return value;
	return psprintf("%.*s...", keep, value);
}

/* GUC check hook: empty, or a uuid. */
static bool
CheckPrincipal(char **newval, void **extra, GucSource source)
{
	pg_uuid_t	id;

	if (*newval == NULL || (*newval)[0] == '\0')
		return true;
	if (!ParseUuid(*newval, &id))
	{
		if (defining_settings && source == PGC_S_SESSION && !own_value_rejected &&
			!(committed_value != NULL && strcmp(*newval, committed_value) == 0))
		{
			own_value_rejected = true;
			strlcpy(principal_rejected, ValueForMessage(*newval), sizeof(principal_rejected));
		}
		GUC_check_errcode(ERRCODE_INVALID_TEXT_REPRESENTATION);
		GUC_check_errmsg("invalid principal \"%s\"", ValueForMessage(*newval));
		GUC_check_errhint("share_acl.principal takes a principal's uuid, or '' for none.");
		return false;
	}
	return true;
}

/* GUC assign hook: keep the parsed value. */
static void
AssignPrincipal(const char *newval, void *extra)
{
	principal_is_set = newval != NULL && newval[0] != '\0' && ParseUuid(newval, &principal_id);
}

/*
 * Whether the value in effect was set by the running transaction: the GUC
 * machinery stacks the value before a transaction's (or a function's SET
 * clause's) first change and pops it at commit, abort and ROLLBACK TO
 * SAVEPOINT, so an empty stack means the value comes from before it; and a
 * value it set is a SET's (source session): a RESET, or SET ... TO DEFAULT,
 * in the transaction brings back the value of before any SET — the
 * configuration's, ALTER ROLE or DATABASE's, the connection's — which is
 * the session's, not the transaction's.  (A value set before a backend's
 * first share_acl call is applied again when the library defines the
 * setting, without a stacked value: it counts as from before the
 * transaction, as it is.)
 */
static inline bool
PrincipalSetInThisTransaction(void)
{
	return principal_guc == NULL ||
		(principal_guc->stack != NULL && principal_guc->source == PGC_S_SESSION);
}

/*
 * The principal is in effect in a transaction other than the one that set
 * it: it was set for the session (SET without LOCAL, set_config(..., false),
 * ALTER ROLE or DATABASE ... SET, connection options), and every later
 * transaction of the connection acts as it — behind a pooler in
 * transaction mode, another client's too.  Said at the first check of
 * every transaction acting as it, so that each such transaction is in the
 * server log, whichever client sent it.
 */
static void
WarnSessionPrincipal(void)
{
	principal_warned_in = MyProc->lxid;
	ereport(WARNING,
			(errcode(ERRCODE_WARNING),
			 errmsg("share_acl.principal is set for the session, not for this transaction"),
			 errdetail("A principal set with SET (without LOCAL), set_config(..., false), ALTER ROLE or ALTER DATABASE stays for every later transaction of the connection; behind a connection pooler, other clients' transactions act as it too."),
			 errhint("Set it in each transaction with share_acl.set_principal() or SET LOCAL share_acl.principal.")));
}

/* ... and the same, refused (share_acl.session_principal = refuse). */
static void pg_attribute_noreturn()
RefuseSessionPrincipal(void)
{
	ereport(ERROR,
			(errcode(ERRCODE_OBJECT_NOT_IN_PREREQUISITE_STATE),
			 errmsg("share_acl.principal is set for the session, not for this transaction"),
			 errdetail("share_acl.session_principal is refuse: a principal set with SET (without LOCAL), set_config(..., false), ALTER ROLE or ALTER DATABASE, which behind a connection pooler may be another client's, is not acted as."),
			 errhint("Set it in each transaction with share_acl.set_principal() or SET LOCAL share_acl.principal.")));
}

/*
 * Would a use of the principal now be refused as the session's?  (For the
 * leader of a parallel plan, which then runs it without workers: a worker
 * cannot tell the session's value from the transaction's.)
 */
bool
ContextSessionPrincipalRefused(void)
{
	return session_principal_mode == SESSION_PRINCIPAL_REFUSE && principal_is_set &&
		!PrincipalSetInThisTransaction() && !IsParallelWorker();
}

/*
 * The GUC record of a setting just defined.  The records themselves stay
 * where they are for the life of the process (only the array pointing at
 * them grows).
 */
static struct config_generic *
FindOwnSetting(const char *name)
{
#if PG_VERSION_NUM >= 160000
	int			n;
	struct config_generic **vars = get_guc_variables(&n);
#else
	struct config_generic **vars = get_guc_variables();
	int			n = GetNumConfigOptions();
#endif

	for (int i = 0; i < n; i++)
		if (strcmp(vars[i]->name, name) == 0)
			return vars[i];
	return NULL;
}

/*
 * What the transaction set the setting to, as its placeholder holds it
 * before the library defines it (see above): *intended the value in effect
 * (NULL: no placeholder, or one the transaction did not change), and
 * committed_value the session's from before the transaction.
 */
static void
PlaceholderValues(char **intended)
{
	struct config_generic *gen = FindOwnSetting("share_acl.principal");
	struct config_string *placeholder = (struct config_string *) gen;
	GucStack   *bottom;

	*intended = NULL;
	committed_value = NULL;
	if (gen == NULL || !(gen->flags & GUC_CUSTOM_PLACEHOLDER) || gen->vartype != PGC_STRING)
		return;
	for (bottom = gen->stack; bottom != NULL && bottom->prev != NULL; bottom = bottom->prev)
		;
	if (bottom != NULL)
	{
		*intended = pstrdup(*placeholder->variable ? *placeholder->variable : "");
		if (bottom->prior.val.stringval != NULL)
			committed_value = pstrdup(bottom->prior.val.stringval);
	}
	else if (*placeholder->variable != NULL)
		committed_value = pstrdup(*placeholder->variable);
}

/* Define share_acl.principal; called from _PG_init. */
void
ContextDefineSettings(void)
{
	char	   *intended;

	PlaceholderValues(&intended);
	defining_settings = true;
	own_value_rejected = false;
	PG_TRY();
	{
		DefineCustomStringVariable("share_acl.principal",
								   "The principal (uuid) on whose behalf checks are made.",
								   "Set it per transaction with SET LOCAL or share_acl.set_principal().",
								   &principal_setting,
								   "",
								   PGC_USERSET,
								   0,
								   CheckPrincipal, AssignPrincipal, NULL);
	}
	PG_FINALLY();
	{
		defining_settings = false;
		committed_value = NULL;
	}
	PG_END_TRY();
	if (MyProc != NULL && !IsParallelWorker() && !InitializingParallelWorker && IsTransactionState())
	{
		if (own_value_rejected)
		{
			principal_rejected_in = MyProc->lxid;
			principal_rejected_invalid = true;
		}
		else if (intended != NULL && strcmp(principal_setting ? principal_setting : "", intended) != 0)
		{
			principal_rejected_in = MyProc->lxid;
			principal_rejected_invalid = false;
			strlcpy(principal_rejected, ValueForMessage(intended), sizeof(principal_rejected));
		}
	}
	principal_guc = FindOwnSetting("share_acl.principal");
	DefineCustomEnumVariable("share_acl.session_principal",
							 "What a use of a share_acl.principal set for the session does.",
							 "warn: act as it and warn once per transaction; refuse: fail every use (55000). Set per transaction with SET LOCAL or share_acl.set_principal(), a principal is always acted as.",
							 &session_principal_mode,
							 SESSION_PRINCIPAL_WARN,
							 session_principal_options,
							 PGC_SUSET,
							 0,
							 NULL, NULL, NULL);
	DefineLinkContextSetting();
}

/* In the transaction that loaded the library: a rejected value fails it (see above). */
static void
PrincipalRejectedAtLoad(void)
{
	if (principal_rejected_in != MyProc->lxid)
	{
		principal_rejected_in = InvalidLocalTransactionId;	/* that transaction ended */
		return;
	}
	if (principal_rejected_invalid)
		ereport(ERROR,
				(errcode(ERRCODE_INVALID_TEXT_REPRESENTATION),
				 errmsg("invalid principal \"%s\"", principal_rejected),
				 errdetail("This transaction set share_acl.principal to it before share_acl was loaded in this session, and it was checked only when the library was loaded: the value was not applied, and every use of the principal fails until the transaction ends."),
				 errhint("share_acl.principal takes a principal's uuid, or '' for none.")));
	ereport(ERROR,
			(errcode(ERRCODE_OBJECT_NOT_IN_PREREQUISITE_STATE),
			 errmsg("share_acl.principal is not \"%s\", the value this transaction set", principal_rejected),
			 errdetail("The transaction set it before share_acl was loaded in this session, and PostgreSQL applied an earlier value when the library was loaded: every use of the principal fails until the transaction ends."),
			 errhint("Set share_acl.principal after the transaction's first share_acl call, or preload the library (shared_preload_libraries).")));
}

/*
 * Refuse when the transaction's principal was rejected at the library's
 * load (see above): at every use of the principal, and before a parallel
 * plan starts its workers (which act as the setting is: a worker's rows may
 * reach the client before the leader checks anything).
 */
void
ContextRefuseRejectedPrincipal(void)
{
	if (unlikely(principal_rejected_in != InvalidLocalTransactionId))
		PrincipalRejectedAtLoad();
}

/* The current principal, or NULL when none is set. */
const pg_uuid_t *
ContextCurrentPrincipal(void)
{
	ContextRefuseRejectedPrincipal();
	if (!principal_is_set)
		return NULL;
	if (unlikely(!PrincipalSetInThisTransaction()) && !IsParallelWorker())
	{
		if (session_principal_mode == SESSION_PRINCIPAL_REFUSE)
			RefuseSessionPrincipal();
		if (principal_warned_in != MyProc->lxid)
			WarnSessionPrincipal();
	}
	return &principal_id;
}

PG_FUNCTION_INFO_V1(set_principal);

/*
 * set_principal(p uuid) → void: SET LOCAL share_acl.principal to p, or to ''
 * for NULL.  In C because applications call it in every transaction: a SQL
 * function with a SET clause is planned again at each call.
 */
Datum
set_principal(PG_FUNCTION_ARGS)
{
	char	   *value = PG_ARGISNULL(0) ? "" :
		DatumGetCString(DirectFunctionCall1(uuid_out, PG_GETARG_DATUM(0)));

	(void) set_config_option("share_acl.principal", value,
							 superuser() ? PGC_SUSET : PGC_USERSET, PGC_S_SESSION,
							 GUC_ACTION_LOCAL, true, 0, false);
	PG_RETURN_VOID();
}

PG_FUNCTION_INFO_V1(current_principal);
PG_FUNCTION_INFO_V1(invoker_is_admin);

/* The current principal as the result of the function fcinfo calls: a copy, or NULL. */
Datum
ContextPrincipalResult(FunctionCallInfo fcinfo)
{
	const pg_uuid_t *p = ContextCurrentPrincipal();
	pg_uuid_t  *result;

	if (p == NULL)
		PG_RETURN_NULL();
	result = palloc(sizeof(pg_uuid_t));
	*result = *p;
	PG_RETURN_UUID_P(result);
}

/* current_principal() → uuid, or NULL */
Datum
current_principal(PG_FUNCTION_ARGS)
{
	return ContextPrincipalResult(fcinfo);
}

/*
 * invoker_is_admin() → bool: is the role that called from outside every
 * SECURITY DEFINER function a superuser or a member of share_acl_admin?
 */
Datum
invoker_is_admin(PG_FUNCTION_ARGS)
{
	PG_RETURN_BOOL(ContextInvokerIsAdmin());
}

/*
 * Is the role that called from outside every SECURITY DEFINER function
 * trusted?  Only when no code of a role that is not trusted runs in between
 * (definer_frames.c): another role's SECURITY DEFINER function that a
 * trusted administrator calls runs with that role's rights, as everywhere
 * in PostgreSQL, and so does whatever it calls (share_acl's own functions
 * too); a foreign key's action runs as its table's owner.  Inside a
 * security-restricted operation the outer role is not the caller either:
 * maintenance (CREATE INDEX, ANALYZE, VACUUM, autovacuum, REFRESH
 * MATERIALIZED VIEW) runs a table's or view's owner's code as that owner,
 * with whoever started it (a superuser, the autovacuum worker) as the outer
 * role.  There the owner is asked about, and only outside the SECURITY
 * DEFINER functions its code calls (whose owner the current role is then).
 * A parallel worker does not know its leader's frames: inside a user change
 * it answers no (invoker_is_admin() is PARALLEL RESTRICTED).  (share_acl's
 * own restricted sections, writing its logs as their owner, ask no such
 * question.)
 */
bool
ContextInvokerIsAdmin(void)
{
	Oid			caller = GetOuterUserId();
	Oid			current = GetUserId();

	if (DefinerFramesUntrusted())
		return false;
	if (InSecurityRestrictedOperation())
	{
		if (InLocalUserIdChange())
			return false;
		caller = current;
	}
	else if (current != caller && !RoleIsTrusted(current))
		return false;
	if (IsParallelWorker() && InLocalUserIdChange())
		return false;
	if (!RoleIsTrusted(caller))
		return false;
	DefinerFramesNoteTrust();
	return true;
}

/*
 * The link context (R7), set by open_link() through _set_link_context(),
 * which only the extension's own code may call.  It is the setting
 * share_acl.link_context, set as SET LOCAL would: so it ends with the
 * transaction, is undone by ROLLBACK TO SAVEPOINT (or a failed PL/pgSQL
 * exception block) that covers the open_link() call, and is passed to
 * parallel workers with the other settings.  Its check hook refuses any
 * value that does not come from _set_link_context() or from a parallel
 * worker's copy of its leader's settings.  Its value is the link's id, and
 * after a slash the id of the key that signed the token opened (none when
 * set by _set_link_context()).  The link's row, and that key's, are re-read
 * when links or keys change, so a revoke or a retired key is seen by the
 * next check.
 */
static char *link_setting = NULL;
static bool link_is_set = false;
static pg_uuid_t link_id;
static int32 link_kid = 0;		/* 0: none */
static bool link_setting_allowed = false;	/* inside _set_link_context() */

static LinkData link_data;
static pg_uuid_t link_data_id;
static int32 link_data_kid;
static uint64 link_data_gen = 0;	/* 0: not read */
static TransientTag link_data_transient = 0;

/*
 * The link id and key id of a link context setting (the key id 0 when it
 * names none); false when it is not "<uuid>" or "<uuid>/<key id>".
 */
static bool
ParseLinkContext(const char *value, pg_uuid_t *id, int32 *kid)
{
	char		uuid[UUID_LEN * 2 + 5];
	const char *slash = strchr(value, '/');
	size_t		len = slash ? (size_t) (slash - value) : strlen(value);
	char	   *end;
	long		k = 0;

	if (len >= sizeof(uuid))
		return false;
	memcpy(uuid, value, len);
	uuid[len] = '\0';
	if (slash != NULL)
	{
		errno = 0;
		k = strtol(slash + 1, &end, 10);
		if (errno != 0 || end == slash + 1 || *end != '\0' || k <= 0 || k > PG_INT32_MAX)
			return false;
	}
	*kid = (int32) k;
	return ParseUuid(uuid, id);
}

/* GUC check hook: empty, or a value set by _set_link_context() (or a parallel worker's restore). */
static bool
CheckLinkContext(char **newval, void **extra, GucSource source)
{
	pg_uuid_t	id;
	int32		kid;

	if (*newval == NULL || (*newval)[0] == '\0')
		return true;
	if (!link_setting_allowed && !InitializingParallelWorker)
	{
		GUC_check_errcode(ERRCODE_INSUFFICIENT_PRIVILEGE);
		GUC_check_errmsg("share_acl.link_context can only be set by share_acl.open_link()");
		return false;
	}
	if (!ParseLinkContext(*newval, &id, &kid))
	{
		GUC_check_errcode(ERRCODE_INVALID_TEXT_REPRESENTATION);
		GUC_check_errmsg("invalid link context \"%s\"", ValueForMessage(*newval));
		return false;
	}
	return true;
}

/* GUC assign hook: keep the parsed value. */
static void
AssignLinkContext(const char *newval, void *extra)
{
	link_is_set = newval != NULL && newval[0] != '\0' && ParseLinkContext(newval, &link_id, &link_kid);
}

/* Define share_acl.link_context; called from ContextDefineSettings. */
static void
DefineLinkContextSetting(void)
{
	DefineCustomStringVariable("share_acl.link_context",
							   "The share link of the transaction's link context (set by open_link).",
							   NULL,
							   &link_setting,
							   "",
							   PGC_USERSET,
							   GUC_NO_SHOW_ALL | GUC_NOT_IN_SAMPLE | GUC_NO_RESET_ALL |
							   GUC_DISALLOW_IN_FILE | GUC_DISALLOW_IN_AUTO_FILE,
							   CheckLinkContext, AssignLinkContext, NULL);
}

/* The id of the link context's link, or NULL when there is none; reads nothing. */
const pg_uuid_t *
ContextCurrentLinkId(void)
{
	return link_is_set ? &link_id : NULL;
}

/* The link of the current link context, read when links changed, or NULL. */
const LinkData *
ContextCurrentLink(const pg_uuid_t **id)
{
	if (!link_is_set)
		return NULL;
	if (link_data_gen != LinksGeneration() ||
		!uuid_equal(&link_data_id, &link_id) || link_data_kid != link_kid ||
		!CacheTransientValid(link_data_transient))
	{
		link_data_gen = 0;		/* until read whole */
		LinkLoad(&link_id, link_kid, &link_data);
		link_data_id = link_id;
		link_data_kid = link_kid;
		link_data_transient = CacheTransientTag(link_data.transient);
		link_data_gen = LinksGeneration();
	}
	if (id)
		*id = &link_id;
	return &link_data;
}

/*
 * Make link the transaction's link context (NULL: none), opened with a token
 * that key kid signed (0: none).
 */
void
ContextSetLink(const pg_uuid_t *link, int32 kid)
{
	const char *value = link == NULL ? "" :
		DatumGetCString(DirectFunctionCall1(uuid_out, UUIDPGetDatum(link)));

	if (link != NULL && kid > 0)
		value = psprintf("%s/%d", value, kid);

	link_setting_allowed = true;
	PG_TRY();
	{
		(void) set_config_option("share_acl.link_context", value,
								 PGC_USERSET, PGC_S_SESSION,
								 GUC_ACTION_LOCAL, true, 0, false);
	}
	PG_FINALLY();
	{
		link_setting_allowed = false;
	}
	PG_END_TRY();
}

PG_FUNCTION_INFO_V1(set_link_context);

/* _set_link_context(link uuid) → void: make link the transaction's link context (NULL: none) */
Datum
set_link_context(PG_FUNCTION_ARGS)
{
	ContextSetLink(PG_ARGISNULL(0) ? NULL : PG_GETARG_UUID_P(0), 0);
	PG_RETURN_VOID();
}

