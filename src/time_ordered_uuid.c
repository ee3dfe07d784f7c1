/*
 * time_ordered_uuid.c — share_acl.time_ordered_uuid(), the default id of
 * the rows written at every share and every notification (share,
 * notification): a version 7 uuid (RFC 9562), the Unix time in
 * milliseconds in its first 48 bits and 74 random bits from the same
 * source as gen_random_uuid().
 *
 * Ids that grow with time are inserted at the right end of their primary
 * key, and of audit_log's index on object_id, where a btree inserts
 * without descending from its root; random ones land on any page of an
 * index that grows for as long as the application runs.  An id then tells
 * when its row was written, as the row's created_at does to whoever may
 * read it; 74 random bits still make it unguessable.
 *
 * The random bytes are drawn for IDS_PER_DRAW ids at a time: a call of
 * pg_strong_random costs about as much for a few hundred bytes as for the
 * ten an id needs (its locking and fork check, some 8,000 instructions).
 * They belong to the process that drew them (MyProcPid): one forked from it
 * would draw its own, never reuse them.
 */
#include "postgres.h"

#include "fmgr.h"
#include "miscadmin.h"
#include "utils/timestamp.h"
#include "utils/uuid.h"

PG_FUNCTION_INFO_V1(time_ordered_uuid);

#define RANDOM_BYTES_PER_ID		(UUID_LEN - 6)
#define IDS_PER_DRAW			32

static uint8 drawn[RANDOM_BYTES_PER_ID * IDS_PER_DRAW];
static int	drawn_used = sizeof(drawn); /* bytes of drawn already given out */
static int	drawn_by = 0;		/* the pid that drew them */

/* Copy the next id's random bytes to out, drawing more when none are left. */
static void
NextRandomBytes(uint8 *out)
{
	if (drawn_by != MyProcPid || drawn_used + RANDOM_BYTES_PER_ID > (int) sizeof(drawn))
	{
		if (!pg_strong_random(drawn, sizeof(drawn)))
			ereport(ERROR,
					(errcode(ERRCODE_INTERNAL_ERROR),
					 errmsg("could not generate random values")));
		drawn_by = MyProcPid;
		drawn_used = 0;
	}
	memcpy(out, drawn + drawn_used, RANDOM_BYTES_PER_ID);
	memset(drawn + drawn_used, 0, RANDOM_BYTES_PER_ID);
	drawn_used += RANDOM_BYTES_PER_ID;
}

Datum
time_ordered_uuid(PG_FUNCTION_ARGS)
{
	pg_uuid_t  *uuid = palloc(UUID_LEN);
	/* (microseconds since 2000-01-01 to milliseconds since 1970-01-01) */
	int64		unix_ms = GetCurrentTimestamp() / 1000 +
		(int64) (POSTGRES_EPOCH_JDATE - UNIX_EPOCH_JDATE) * SECS_PER_DAY * 1000;
	int			i;

	NextRandomBytes(uuid->data + 6);
	for (i = 0; i < 6; i++)
		uuid->data[i] = (unsigned char) (unix_ms >> (8 * (5 - i)));
	uuid->data[6] = (uuid->data[6] & 0x0f) | 0x70;	/* version 7 */
	uuid->data[8] = (uuid->data[8] & 0x3f) | 0x80;	/* the RFC's variant */
	PG_RETURN_UUID_P(uuid);
}
