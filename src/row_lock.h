/*
 * row_lock.h — a row found by its key, and locked as a statement locks it;
 * whether this transaction changed it (row_lock.c).
 */
#ifndef SHARE_ACL_ROW_LOCK_H
#define SHARE_ACL_ROW_LOCK_H

#include "postgres.h"

#include "executor/tuptable.h"
#include "nodes/lockoptions.h"
#include "utils/relcache.h"
#include "utils/snapshot.h"

extern bool FindRowByKey(Relation rel, Oid index, AttrNumber key_column, RegProcedure eq,
						 Datum key, Snapshot snap, TupleTableSlot *slot);
extern bool LockRowByKey(Relation rel, Oid index, AttrNumber key_column, RegProcedure eq,
						 Datum key, Snapshot snap, LockTupleMode mode, TupleTableSlot *slot);
extern bool RowChangedHere(Relation rel, Oid index, AttrNumber key_column, RegProcedure eq,
						   Datum key);

#endif							/* SHARE_ACL_ROW_LOCK_H */
