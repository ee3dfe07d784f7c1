/*
 * row_hint.h — where a row was last found by its unique uuid key, so that
 * the next look-up of that key can skip the index, and which indexes hold
 * a key once (row_hint.c).
 */
#ifndef SHARE_ACL_ROW_HINT_H
#define SHARE_ACL_ROW_HINT_H

#include "postgres.h"

#include "access/htup.h"
#include "executor/tuptable.h"
#include "storage/itemptr.h"
#include "utils/relcache.h"
#include "utils/snapshot.h"
#include "utils/uuid.h"

extern bool IndexIsUniqueKey(Relation index, AttrNumber column);
extern bool RowHintUsable(Relation index, AttrNumber key_column, Snapshot snap);
extern bool RowHintFetch(Relation rel, Oid index, AttrNumber key_column, const pg_uuid_t *key,
						 Snapshot snap, TupleTableSlot *slot);
extern bool RowHintHas(Oid index, const pg_uuid_t *key);
extern void RowHintRemember(Oid index, const pg_uuid_t *key, ItemPointer tid,
							TupleTableSlot *slot);
extern void RowHintMoved(Oid index, const pg_uuid_t *key, ItemPointer tid);
extern HeapTuple RowHintFetchLatest(Relation rel, Oid index, AttrNumber key_column,
									const pg_uuid_t *key);

#endif							/* SHARE_ACL_ROW_HINT_H */
