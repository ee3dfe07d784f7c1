/*
 * link_rows.h — a share link's row as the link context of a transaction
 * needs it (R7), read by id (link_rows.c); context.c keeps the one in use.
 */
#ifndef SHARE_ACL_LINK_ROWS_H
#define SHARE_ACL_LINK_ROWS_H

#include "postgres.h"

#include "utils/timestamp.h"
#include "utils/uuid.h"

#include "permset.h"

typedef struct LinkData
{
	bool		exists;
	bool		transient;		/* read under the query's snapshot (see CacheTransientTag) */
	pg_uuid_t	resource_id;
	Permset		perms;			/* already masked by its toggles (R6) */
	TimestampTz expires_at;		/* DT_NOEND when it never expires */
	TimestampTz not_before;		/* DT_NOBEGIN when it has no start */
	bool		revoked;
	bool		key_retired;	/* the key that signed the token opened is retired (or gone) */
} LinkData;

extern uint64 LinksGeneration(void);
extern void LinkLoad(const pg_uuid_t *id, int32 kid, LinkData *out);

#endif							/* SHARE_ACL_LINK_ROWS_H */
