/*
 * audit_ids.h — the ids of sealed audit rows (audit_ids.c).
 */
#ifndef SHARE_ACL_AUDIT_IDS_H
#define SHARE_ACL_AUDIT_IDS_H

#include "postgres.h"

/*
 * rows ids from seq, audit_log's sequence (log: audit_log), taken once the
 * chains are locked (so they grow along each chain); the first call in a
 * backend for this seq, and one whose first id is not above the last the
 * backend took or heads_last_id (the greatest last id of the chains locked:
 * the sequence was set back), sets it past the greatest id in the log when
 * it is behind.
 */
extern Datum *AuditNextIds(Oid log, Oid seq, int64 rows, int64 heads_last_id);

#endif							/* SHARE_ACL_AUDIT_IDS_H */
