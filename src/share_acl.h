/*
 * share_acl.h — declarations shared by the backend files of share_acl.
 */
#ifndef SHARE_ACL_H
#define SHARE_ACL_H

#include "postgres.h"
#include "fmgr.h"

#include "permset.h"

#define DatumGetPermset(d)		((Permset) DatumGetInt64(d))
#define PermsetGetDatum(p)		Int64GetDatum((int64) (p))
#define PG_GETARG_PERMSET(n)	DatumGetPermset(PG_GETARG_DATUM(n))
#define PG_RETURN_PERMSET(p)	return PermsetGetDatum(p)

/* permset.c */
extern Permset PermsetFromCString(const char *str, size_t len);
extern char *PermsetToCString(Permset value);

/* context.c */
#include "utils/uuid.h"
extern void ContextDefineSettings(void);
extern const pg_uuid_t *ContextCurrentPrincipal(void);
struct LinkData;
extern const pg_uuid_t *ContextCurrentLinkId(void);
extern const struct LinkData *ContextCurrentLink(const pg_uuid_t **id);

#endif							/* SHARE_ACL_H */
