/*
 * permset_sql.h — the permset as an SQL type: Datum conversions and the text
 * form (defined in permset.c).  Kept apart from permset.h, which stays pure C
 * for the fuzz harness.
 */
#ifndef SHARE_ACL_PERMSET_SQL_H
#define SHARE_ACL_PERMSET_SQL_H

#include "postgres.h"
#include "fmgr.h"

#include "permset.h"

#define DatumGetPermset(d)		((Permset) DatumGetInt64(d))
#define PermsetGetDatum(p)		Int64GetDatum((int64) (p))
#define PG_GETARG_PERMSET(n)	DatumGetPermset(PG_GETARG_DATUM(n))
#define PG_RETURN_PERMSET(p)	return PermsetGetDatum(p)

extern Permset PermsetFromCString(const char *str, size_t len);
extern char *PermsetToCString(Permset value);

#endif							/* SHARE_ACL_PERMSET_SQL_H */
