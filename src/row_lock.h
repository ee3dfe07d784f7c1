/*
 * row_lock.h — a row found by its key, and locked as a statement locks it
 * (a model table's row as a foreign key locks it); whether this transaction
 * wrote it (row_lock.c).
 */
#ifndef SHARE_ACL_ROW_LOCK_H
#define SHARE_ACL_ROW_LOCK_H

#include "postgres.h"

#include "executor/tuptable.h"
#include "nodes/lockoptions.h"
#include "utils/relcache.h"
#include "utils/snapshot.h"
#include "utils/uuid.h"

#include "catalog.h"

extern bool FindRowByKey(Relation rel, Oid index, AttrNumber key_column, RegProcedure eq,
						 Datum key, Snapshot snap, TupleTableSlot *slot);
extern bool LockRowByKey(Relation rel, Oid index, AttrNumber key_column, RegProcedure eq,
						 Datum key, Snapshot snap, LockTupleMode mode, TupleTableSlot *slot);

typedef enum RowAuthorship
{
	ROW_NOT_WRITTEN_HERE,		/* no version of this transaction's */
	ROW_MADE_HERE,				/* every version this transaction's */
	ROW_CHANGED_HERE			/* this transaction changed a row of another's */
} RowAuthorship;

extern RowAuthorship RowWrittenHere(Relation rel, Oid index, AttrNumber key_column, RegProcedure eq,
								Datum key);

extern bool ModelRowKeyShare(ModelRel table, ModelRel pkey, AttrNumber key_column,
							 const pg_uuid_t *id);

#endif							/* SHARE_ACL_ROW_LOCK_H */
