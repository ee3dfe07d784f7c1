/*
 * permset.c — the SQL type share_acl.permset (SPEC §1).
 *
 * An 8-byte pass-by-value bitmask.  This file owns its input/output, binary
 * send/receive, operators, comparison and hash support, aggregates' transition
 * functions, and the conversions to and from text[].  Parsing and formatting
 * live in permset_parse.c.
 */
#include "postgres.h"

#include "catalog/pg_type.h"
#include "common/hashfn.h"
#include "fmgr.h"
#include "libpq/pqformat.h"
#include "utils/array.h"
#include "utils/builtins.h"

#include "permset.h"
#include "permset_sql.h"

PG_FUNCTION_INFO_V1(permset_in);
PG_FUNCTION_INFO_V1(permset_out);
PG_FUNCTION_INFO_V1(permset_recv);
PG_FUNCTION_INFO_V1(permset_send);
PG_FUNCTION_INFO_V1(permset_eq);
PG_FUNCTION_INFO_V1(permset_ne);
PG_FUNCTION_INFO_V1(permset_lt);
PG_FUNCTION_INFO_V1(permset_le);
PG_FUNCTION_INFO_V1(permset_gt);
PG_FUNCTION_INFO_V1(permset_ge);
PG_FUNCTION_INFO_V1(permset_cmp);
PG_FUNCTION_INFO_V1(permset_hash);
PG_FUNCTION_INFO_V1(permset_hash_extended);
PG_FUNCTION_INFO_V1(permset_contains);
PG_FUNCTION_INFO_V1(permset_contained);
PG_FUNCTION_INFO_V1(permset_overlaps);
PG_FUNCTION_INFO_V1(permset_or);
PG_FUNCTION_INFO_V1(permset_and);
PG_FUNCTION_INFO_V1(permset_minus);
PG_FUNCTION_INFO_V1(permset_flags);
PG_FUNCTION_INFO_V1(permset_level);
PG_FUNCTION_INFO_V1(permset_from_text_array);
PG_FUNCTION_INFO_V1(permset_from_text);
PG_FUNCTION_INFO_V1(permset_to_text);

/* Parse text into a permission set, raising a specific error when it is bad. */
Permset
PermsetFromCString(const char *str, size_t len)
{
	PermsetParseResult r = PermsetParse(str, len);

	switch (r.status)
	{
		case PERMSET_PARSE_OK:
			break;
		case PERMSET_PARSE_TOO_LONG:
			ereport(ERROR,
					(errcode(ERRCODE_INVALID_TEXT_REPRESENTATION),
					 errmsg("invalid input syntax for type permset: input is longer than %d bytes",
							PERMSET_MAX_INPUT)));
			break;
		case PERMSET_PARSE_BAD_BYTE:
			ereport(ERROR,
					(errcode(ERRCODE_INVALID_TEXT_REPRESENTATION),
					 errmsg("invalid input syntax for type permset: unexpected byte 0x%02x at position %zu",
							(unsigned char) str[r.bad_offset], r.bad_offset + 1),
					 errhint("Permission names are ASCII words separated by \",\" or \"|\".")));
			break;
		case PERMSET_PARSE_EMPTY_ITEM:
			ereport(ERROR,
					(errcode(ERRCODE_INVALID_TEXT_REPRESENTATION),
					 r.bad_offset >= len ?
					 errmsg("invalid input syntax for type permset: empty item at the end") :
					 errmsg("invalid input syntax for type permset: empty item at position %zu",
							r.bad_offset + 1),
					 errhint("Separate permission names with a single \",\" or \"|\"; use '' for the empty set.")));
			break;
		case PERMSET_PARSE_UNKNOWN_NAME:
			ereport(ERROR,
					(errcode(ERRCODE_INVALID_TEXT_REPRESENTATION),
					 errmsg("unknown permission \"%.*s\"",
							(int) Min(r.bad_length, 64), str + r.bad_offset),
					 len > 0 && str[0] == '{' ?
					 errhint("A permset is one text of names joined by \",\" (such as 'view,comment'), not an array: join the names, or pass the array to share_acl.permset(text[]).") :
					 errhint("Valid names are: %s.", PermsetValidNames())));
			break;
	}
	return r.value;
}

/* The canonical text of a permission set, palloc'd. */
char *
PermsetToCString(Permset value)
{
	char		buf[512];
	size_t		need = PermsetFormat(value, buf, sizeof(buf));

	Assert(need < sizeof(buf));
	(void) need;
	return pstrdup(buf);
}

/* permset_in(cstring) → permset */
Datum
permset_in(PG_FUNCTION_ARGS)
{
	const char *str = PG_GETARG_CSTRING(0);

	PG_RETURN_PERMSET(PermsetFromCString(str, strlen(str)));
}

/* permset_out(permset) → cstring */
Datum
permset_out(PG_FUNCTION_ARGS)
{
	PG_RETURN_CSTRING(PermsetToCString(PG_GETARG_PERMSET(0)));
}

/* permset_recv(internal) → permset: eight bytes, network order; unknown bits refused */
Datum
permset_recv(PG_FUNCTION_ARGS)
{
	StringInfo	buf = (StringInfo) PG_GETARG_POINTER(0);
	Permset		value = (Permset) pq_getmsgint64(buf);

	if (value & ~PERM_ALL)
		ereport(ERROR,
				(errcode(ERRCODE_INVALID_BINARY_REPRESENTATION),
				 errmsg("invalid binary permset: unknown flag bits 0x%016llx",
						(unsigned long long) (value & ~PERM_ALL))));
	PG_RETURN_PERMSET(value);
}

/* permset_send(permset) → bytea */
Datum
permset_send(PG_FUNCTION_ARGS)
{
	StringInfoData buf;

	pq_begintypsend(&buf);
	pq_sendint64(&buf, (int64) PG_GETARG_PERMSET(0));
	PG_RETURN_BYTEA_P(pq_endtypsend(&buf));
}

/* Binary operators over two permission sets. */
#define PERMSET_BINARY_BOOL(fname, expr) \
Datum \
fname(PG_FUNCTION_ARGS) \
{ \
	Permset		a = PG_GETARG_PERMSET(0); \
	Permset		b = PG_GETARG_PERMSET(1); \
	PG_RETURN_BOOL(expr); \
}

#define PERMSET_BINARY_SET(fname, expr) \
Datum \
fname(PG_FUNCTION_ARGS) \
{ \
	Permset		a = PG_GETARG_PERMSET(0); \
	Permset		b = PG_GETARG_PERMSET(1); \
	PG_RETURN_PERMSET(expr); \
}

/* =, <>, and the total order (as unsigned integers) behind the btree class */
PERMSET_BINARY_BOOL(permset_eq, a == b)
PERMSET_BINARY_BOOL(permset_ne, a != b)
PERMSET_BINARY_BOOL(permset_lt, a < b)
PERMSET_BINARY_BOOL(permset_le, a <= b)
PERMSET_BINARY_BOOL(permset_gt, a > b)
PERMSET_BINARY_BOOL(permset_ge, a >= b)
/* @> contains, <@ contained by, && overlaps */
PERMSET_BINARY_BOOL(permset_contains, (a & b) == b)
PERMSET_BINARY_BOOL(permset_contained, (a & b) == a)
PERMSET_BINARY_BOOL(permset_overlaps, (a & b) != 0)
/* | union, & intersection, - difference */
PERMSET_BINARY_SET(permset_or, a | b)
PERMSET_BINARY_SET(permset_and, a & b)
PERMSET_BINARY_SET(permset_minus, a & ~b)

/* permset_cmp(permset, permset) → int4, btree support */
Datum
permset_cmp(PG_FUNCTION_ARGS)
{
	Permset		a = PG_GETARG_PERMSET(0);
	Permset		b = PG_GETARG_PERMSET(1);

	PG_RETURN_INT32(a < b ? -1 : (a > b ? 1 : 0));
}

/* permset_hash(permset) → int4, hash support */
Datum
permset_hash(PG_FUNCTION_ARGS)
{
	Permset		v = PG_GETARG_PERMSET(0);

	return hash_any((const unsigned char *) &v, sizeof(v));
}

/* permset_hash_extended(permset, int8) → int8, hash support with a seed */
Datum
permset_hash_extended(PG_FUNCTION_ARGS)
{
	Permset		v = PG_GETARG_PERMSET(0);

	return hash_any_extended((const unsigned char *) &v, sizeof(v),
							 PG_GETARG_INT64(1));
}

/* permset_flags(permset) → text[]: the flags, in table order */
Datum
permset_flags(PG_FUNCTION_ARGS)
{
	Permset		v = PG_GETARG_PERMSET(0);
	Datum		elems[PERM_NFLAGS];
	int			n = 0;
	int			i;

	for (i = 0; i < PERM_NFLAGS; i++)
		if (v & PERM_BIT(i))
			elems[n++] = CStringGetTextDatum(PermsetFlagName(i));
	PG_RETURN_ARRAYTYPE_P(construct_array(elems, n, TEXTOID, -1, false,
										  TYPALIGN_INT));
}

/* permset_level(permset) → text: the highest named level contained, or NULL */
Datum
permset_level(PG_FUNCTION_ARGS)
{
	const char *name = PermsetLevelName(PG_GETARG_PERMSET(0));

	if (name == NULL)
		PG_RETURN_NULL();
	PG_RETURN_TEXT_P(cstring_to_text(name));
}

/* permset(text[]) → permset: the union of each element's set; NULL elements refused */
Datum
permset_from_text_array(PG_FUNCTION_ARGS)
{
	ArrayType  *arr = PG_GETARG_ARRAYTYPE_P(0);
	Datum	   *elems;
	bool	   *nulls;
	int			n;
	int			i;
	Permset		result = 0;

	if (ARR_NDIM(arr) > 1)
		ereport(ERROR,
				(errcode(ERRCODE_ARRAY_SUBSCRIPT_ERROR),
				 errmsg("permset from text[] needs a one-dimensional array")));
	deconstruct_array(arr, TEXTOID, -1, false, TYPALIGN_INT, &elems, &nulls, &n);
	for (i = 0; i < n; i++)
	{
		text	   *t;

		if (nulls[i])
			ereport(ERROR,
					(errcode(ERRCODE_NULL_VALUE_NOT_ALLOWED),
					 errmsg("permission name must not be null")));
		t = DatumGetTextPP(elems[i]);
		result |= PermsetFromCString(VARDATA_ANY(t), VARSIZE_ANY_EXHDR(t));
	}
	PG_RETURN_PERMSET(result);
}

/* permset(text) → permset: the text → permset cast */
Datum
permset_from_text(PG_FUNCTION_ARGS)
{
	text	   *t = PG_GETARG_TEXT_PP(0);

	PG_RETURN_PERMSET(PermsetFromCString(VARDATA_ANY(t), VARSIZE_ANY_EXHDR(t)));
}

/* text(permset) → text: the permset → text cast */
Datum
permset_to_text(PG_FUNCTION_ARGS)
{
	PG_RETURN_TEXT_P(cstring_to_text(PermsetToCString(PG_GETARG_PERMSET(0))));
}

PG_FUNCTION_INFO_V1(permset_apply_toggles);

/* permset_apply_toggles(perms, allow_download, allow_comments, allow_approval, allow_contribution) → permset (R6) */
Datum
permset_apply_toggles(PG_FUNCTION_ARGS)
{
	PG_RETURN_PERMSET(PermsetApplyToggles(PG_GETARG_PERMSET(0), PG_GETARG_BOOL(1), PG_GETARG_BOOL(2),
										  PG_GETARG_BOOL(3), PG_GETARG_BOOL(4)));
}

PG_FUNCTION_INFO_V1(permset_link_never);

/* _link_never() → permset: what a share link never grants (the engine's own constant) */
Datum
permset_link_never(PG_FUNCTION_ARGS)
{
	PG_RETURN_PERMSET(PERMSET_LINK_NEVER);
}
