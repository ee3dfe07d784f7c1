/*
 * context.c — who is asking: the current principal of the transaction.
 *
 * The setting share_acl.principal (set with SET LOCAL or set_principal())
 * holds a uuid or is empty.  Its assign hook keeps the parsed value, so a
 * check reads it without parsing text per row.
 */
#include "postgres.h"

#include "fmgr.h"
#include "miscadmin.h"
#include "utils/acl.h"
#include "utils/guc.h"
#include "utils/uuid.h"

#include "share_acl.h"

static char *principal_setting = NULL;
static bool principal_is_set = false;
static pg_uuid_t principal_id;

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

/* GUC check hook: empty, or a uuid. */
static bool
CheckPrincipal(char **newval, void **extra, GucSource source)
{
	pg_uuid_t	id;

	if (*newval == NULL || (*newval)[0] == '\0')
		return true;
	if (!ParseUuid(*newval, &id))
	{
		GUC_check_errcode(ERRCODE_INVALID_TEXT_REPRESENTATION);
		GUC_check_errmsg("invalid principal \"%s\"", *newval);
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

/* Define share_acl.principal; called from _PG_init. */
void
ContextDefineSettings(void)
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

/* The current principal, or NULL when none is set. */
const pg_uuid_t *
ContextCurrentPrincipal(void)
{
	return principal_is_set ? &principal_id : NULL;
}

PG_FUNCTION_INFO_V1(current_principal);
PG_FUNCTION_INFO_V1(invoker_is_admin);

/* current_principal() → uuid, or NULL */
Datum
current_principal(PG_FUNCTION_ARGS)
{
	pg_uuid_t  *result;

	if (!principal_is_set)
		PG_RETURN_NULL();
	result = palloc(sizeof(pg_uuid_t));
	*result = principal_id;
	PG_RETURN_UUID_P(result);
}

/*
 * invoker_is_admin() → bool: is the role that called from outside every
 * SECURITY DEFINER function a superuser or a member of share_acl_admin?
 */
Datum
invoker_is_admin(PG_FUNCTION_ARGS)
{
	Oid			outer = GetOuterUserId();
	Oid			admin = get_role_oid("share_acl_admin", true);

	PG_RETURN_BOOL(superuser_arg(outer) ||
				   (OidIsValid(admin) && has_privs_of_role(outer, admin)));
}
