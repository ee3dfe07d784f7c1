/*
 * fk_check.c — the foreign-key checks of a row written below the executor
 * (row_write.c), without SPI.
 *
 * PostgreSQL checks a new row's foreign key with an AFTER row trigger whose
 * function (RI_FKey_check_ins) runs SELECT 1 FROM ONLY pk x WHERE key = $1
 * FOR KEY SHARE OF x through SPI, as the referenced table's owner.  For a
 * row that row_write.c writes, that trigger's function is FkCheckInsert
 * instead, for that write only: the same check by a scan of the referenced
 * key's unique index, the same row lock taken the same way (row_lock.c),
 * under the snapshot the SPI query would take (a new one after a command
 * counter increment in READ COMMITTED, the transaction's above), with the
 * referenced table locked as the query locks it.  The trigger still fires
 * where PostgreSQL fires it (the same queue, order and deferral).  A
 * constraint of another shape (several columns, a key of another type, a
 * referenced table that is not a plain table, an index that is not a plain
 * unique btree on the key), an owner who may not read and lock the rows, a
 * key not found, or an invocation that is not an insert's goes to
 * PostgreSQL's own function, which then decides and words any error.
 */
#include "postgres.h"

#include "access/genam.h"
#include "access/stratnum.h"
#include "access/table.h"
#include "access/tableam.h"
#include "access/xact.h"
#include "catalog/pg_constraint.h"
#include "commands/trigger.h"
#include "executor/tuptable.h"
#include "utils/acl.h"
#include "utils/fmgroids.h"
#include "utils/fmgrprotos.h"
#include "utils/hsearch.h"
#include "utils/inval.h"
#include "utils/lsyscache.h"
#include "utils/snapmgr.h"
#include "utils/syscache.h"

#include "fk_check.h"
#include "oid_hash.h"
#include "row_hint.h"
#include "row_lock.h"

/* What checking one foreign-key constraint here needs. */
typedef struct FkShape
{
	Oid			constraint;		/* hash key */
	bool		valid;			/* (false after a change of any constraint) */
	bool		here;			/* checked here, else by PostgreSQL's function */
	AttrNumber	fk_column;
	Oid			pk_relid;
	Oid			pk_index;
	AttrNumber	pk_column;
	RegProcedure eq;
} FkShape;

static HTAB *fk_shapes = NULL;
static uint64 fk_shapes_invalidations = 0;

static void
FkShapesInvalidate(Datum arg, int cacheid, uint32 hashvalue)
{
	HASH_SEQ_STATUS seq;
	FkShape    *s;

	fk_shapes_invalidations++;
	if (fk_shapes == NULL)
		return;
	hash_seq_init(&seq, fk_shapes);
	while ((s = hash_seq_search(&seq)) != NULL)
		s->valid = false;
}

/* Register the invalidation callback; called once from _PG_init. */
void
FkCheckInit(void)
{
	CacheRegisterSyscacheCallback(CONSTROID, FkShapesInvalidate, (Datum) 0);
	CacheRegisterSyscacheCallback(INDEXRELID, FkShapesInvalidate, (Datum) 0);
}

/*
 * Whether pk_index is a plain unique btree index on pk_column alone whose
 * operator family compares with the equality operator eq_opr.
 */
static bool
UniqueIndexOn(Oid pk_index, AttrNumber pk_column, Oid eq_opr)
{
	Relation	index = index_open(pk_index, AccessShareLock);
	bool		ok = IndexIsUniqueKey(index, pk_column) &&
		get_op_opfamily_strategy(eq_opr, index->rd_opfamily[0]) == BTEqualStrategyNumber;

	index_close(index, AccessShareLock);
	return ok;
}

/* Work out in s how constraint is checked. */
static void
ShapeOf(Oid constraint, FkShape *s)
{
	HeapTuple	tup = SearchSysCache1(CONSTROID, ObjectIdGetDatum(constraint));
	Form_pg_constraint con;
	int			nkeys;
	AttrNumber	conkey[INDEX_MAX_KEYS];
	AttrNumber	confkey[INDEX_MAX_KEYS];
	Oid			pf_eq[INDEX_MAX_KEYS];
	Oid			pp_eq[INDEX_MAX_KEYS];
	Oid			ff_eq[INDEX_MAX_KEYS];
	Oid			type;

	s->here = false;
	if (!HeapTupleIsValid(tup))
		return;
	con = (Form_pg_constraint) GETSTRUCT(tup);
	if (con->contype == CONSTRAINT_FOREIGN)
	{
		DeconstructFkConstraintRow(tup, &nkeys, conkey, confkey, pf_eq, pp_eq, ff_eq, NULL, NULL);
		type = get_atttype(con->confrelid, confkey[0]);
		s->here = nkeys == 1 && OidIsValid(type) &&
			get_atttype(con->conrelid, conkey[0]) == type && !type_is_collatable(type) &&
			get_rel_relkind(con->confrelid) == RELKIND_RELATION &&
			UniqueIndexOn(con->conindid, confkey[0], pf_eq[0]);
		s->fk_column = conkey[0];
		s->pk_relid = con->confrelid;
		s->pk_index = con->conindid;
		s->pk_column = confkey[0];
		s->eq = get_opcode(pf_eq[0]);
	}
	ReleaseSysCache(tup);
}

/* How constraint is checked, into *s (a copy: invalidation may come at any catalog read). */
static void
FkShapeOf(Oid constraint, FkShape *s)
{
	bool		found;
	FkShape    *kept = OidHashEnter(&fk_shapes, "share_acl foreign keys", sizeof(FkShape),
									constraint, &found);
	uint64		invalidations = fk_shapes_invalidations;

	if (found && kept->valid)
	{
		*s = *kept;
		return;
	}
	kept->valid = false;		/* (until read whole) */
	s->constraint = constraint;
	ShapeOf(constraint, s);
	s->valid = fk_shapes_invalidations == invalidations;	/* (else read again next time) */
	*kept = *s;
}

/*
 * RI_FKey_check_ins for a row written below the executor (see the top of
 * this file).
 */
static Datum
FkCheckInsert(PG_FUNCTION_ARGS)
{
	TriggerData *td = (TriggerData *) fcinfo->context;
	FkShape		s;
	TupleTableSlot *row;
	TupleTableSlot *pk_row;
	Relation	pk;
	Snapshot	snap;
	Datum		key;
	bool		isnull;
	bool		locked;
	uint64		invalidations;

	if (!CALLED_AS_TRIGGER(fcinfo) || !TRIGGER_FIRED_AFTER(td->tg_event) ||
		!TRIGGER_FIRED_FOR_ROW(td->tg_event) || !TRIGGER_FIRED_BY_INSERT(td->tg_event))
		return RI_FKey_check_ins(fcinfo);
	FkShapeOf(td->tg_trigger->tgconstraint, &s);
	if (!s.here)
		return RI_FKey_check_ins(fcinfo);
	invalidations = fk_shapes_invalidations;
	row = td->tg_trigslot;
	/* (as RI_FKey_check: a row deleted or updated since is not checked) */
	if (!table_tuple_satisfies_snapshot(td->tg_relation, row, SnapshotSelf))
		return PointerGetDatum(NULL);
	key = slot_getattr(row, s.fk_column, &isnull);
	if (isnull)
		return PointerGetDatum(NULL);	/* (one column: MATCH SIMPLE and FULL agree) */

	/* the referenced table locked and read as the SPI query would */
	pk = table_open(s.pk_relid, RowShareLock);

	/*
	 * PostgreSQL's check when the shape read before the lock may have changed
	 * (a REINDEX CONCURRENTLY that swapped the key's index, say), or when the
	 * referenced table's owner, as whom the check runs, may not read and
	 * lock its rows
	 */
	if (fk_shapes_invalidations != invalidations ||
		pg_class_aclmask(s.pk_relid, pk->rd_rel->relowner, ACL_SELECT | ACL_UPDATE, ACLMASK_ALL) !=
		(ACL_SELECT | ACL_UPDATE))
	{
		table_close(pk, NoLock);
		return RI_FKey_check_ins(fcinfo);
	}
	CommandCounterIncrement();
	snap = RegisterSnapshot(GetTransactionSnapshot());
	pk_row = table_slot_create(pk, NULL);
	locked = LockRowByKey(pk, s.pk_index, s.pk_column, s.eq, key, snap, LockTupleKeyShare, pk_row);
	ExecDropSingleTupleTableSlot(pk_row);
	UnregisterSnapshot(snap);
	table_close(pk, NoLock);	/* (held to the end of the transaction, as the query's) */
	if (!locked)
		return RI_FKey_check_ins(fcinfo);	/* it decides, and words any error */
	return PointerGetDatum(NULL);
}

/*
 * Make the foreign-key checks on insert of rri's table FkCheckInsert for
 * the triggers fired through rri (a write's own result relation).
 */
void
FkCheckInstall(ResultRelInfo *rri)
{
	TriggerDesc *t = rri->ri_TrigDesc;
	int			i;

	if (t == NULL)
		return;
	for (i = 0; i < t->numtriggers; i++)
		if (t->triggers[i].tgfoid == F_RI_FKEY_CHECK_INS)
		{
			FmgrInfo   *f = &rri->ri_TrigFunctions[i];

			fmgr_info(F_RI_FKEY_CHECK_INS, f);
			f->fn_addr = FkCheckInsert;
		}
}
