/*
 * audit_seal.c — sealing the audit trail at commit (SPEC §7): what the
 * current transaction staged, and the pre-commit callback that moves it
 * into share_acl.audit_log, chained.
 *
 * Statement triggers on the model tables (src/audit_stage.c), open_link
 * and the functions that record events (sql/install/070_audit.sql) stage
 * their rows: a transaction's first rows of the triggers' and open_link's
 * few-row statements in its memory (src/audit_memory.c); the others in
 * share_acl.audit_stage, an unlogged table whose rows never outlive their
 * transaction, saying so here.  When that transaction commits (or is
 * prepared), the pre-commit callback moves them into audit_log, chained: for
 * each workspace (the rows without one form one more chain) it takes a lock
 * that no SQL statement can take (LOCKTAG_OBJECT on the chain-head table's
 * OID and the workspace; a bulk seal, by partitions of workspaces:
 * LockChains), then gives the rows their ids (src/audit_ids.c), their time
 * and their hash (audit.c) and moves the chain head (share_acl.audit_chain).
 * So concurrent writers in one workspace wait for each other only while one of
 * them commits, and in each workspace ids, times and the chain follow the
 * commit order.
 *
 * Up to SEAL_ORDERED_MAX rows (every transaction of an application) are
 * taken out of memory or audit_stage in staging order, hashed here and
 * written: up to
 * SEAL_ONE_BY_ONE_MAX rows by a one-row INSERT each (arrays and unnest cost
 * more than a few executions), more by one INSERT of arrays; the heads are
 * moved by an UPDATE of the one chain's row, or by one upsert of several
 * chains or a new one.  A bulk load's rows are sealed by
 * one statement in storage order, hashed by the window aggregate
 * _audit_chains, so that they are never all held in memory.
 *
 * The seal reads its bookkeeping (the transaction's staged rows, the chain
 * heads, the greatest id) in C with SnapshotSelf, after the locks, and its
 * statements with the latest snapshot: the head a previous holder wrote is
 * visible, also to a REPEATABLE READ transaction, which therefore never
 * fails to serialize because of the audit trail; and a SERIALIZABLE one
 * takes no predicate lock on the trail's tables while sealing a
 * transaction's few rows (only a bulk seal's statements do).
 */
#include "postgres.h"

#include "access/genam.h"
#include "access/heapam.h"
#include "access/heaptoast.h"
#include "access/table.h"
#include "access/xact.h"
#include "catalog/namespace.h"
#include "catalog/pg_class.h"
#include "catalog/pg_type.h"
#include "common/hashfn.h"
#include "executor/spi.h"
#include "miscadmin.h"
#include "storage/lock.h"
#include "utils/array.h"
#include "utils/builtins.h"
#include "utils/fmgroids.h"
#include "utils/guc.h"
#include "utils/inval.h"
#include "utils/lsyscache.h"
#include "utils/memutils.h"
#include "utils/snapmgr.h"
#include "utils/syscache.h"
#include "utils/timestamp.h"
#include "utils/uuid.h"
#include "utils/xid8.h"

#include "audit.h"
#include "audit_ids.h"
#include "audit_memory.h"
#include "audit_rows.h"
#include "catalog.h"
#include "commit_waits.h"
#include "kept_plan.h"
#include "partition_locks.h"
#include "row_hint.h"
#include "uuid_hash.h"
#include "xact_notes.h"

PG_FUNCTION_INFO_V1(audit_pending);
PG_FUNCTION_INFO_V1(audit_staged);

#define SEAL_ORDERED_MAX		10000	/* up to this many rows are sealed in staging order */
#define SEAL_ONE_BY_ONE_MAX		4	/* up to this many rows are written one by one */

/* global variables: what the current transaction left to seal */
static bool audit_pending_rows = false;
static bool audit_unresolved = false;

/*
 * The chains of the staged rows and their number, while every path that
 * staged rows said so (AuditStaged); otherwise the seal reads them from
 * audit_stage.  (Rows of a rolled-back subtransaction stay counted: the
 * bulk seal then locks a chain it need not, or takes an id it does not use.)
 */
#define KNOWN_CHAINS_MAX		16
static bool chains_known = true;
static int	nknown_chains = 0;
static pg_uuid_t known_chains[KNOWN_CHAINS_MAX];
static int64 known_rows = 0;
static bool sealing_for_prepare = false;	/* the seal runs for PREPARE TRANSACTION */
static bool fail_behind_prepared = false;	/* AuditSealFailBehindPrepared was called */

/*
 * Where the audit tables are, looked up at a backend's first seal and again
 * after a change to pg_class, pg_attribute or pg_namespace (the extension
 * dropped, re-created or updated): not at every commit.
 */
typedef struct AuditCatalog
{
	bool		valid;
	Oid			owner;			/* of audit_log: the role the rows are written as */
	Oid			log;
	Oid			chain;
	Oid			chain_pkey;
	Oid			stage;
	Oid			seq;
	AttrNumber	chain_key,
				chain_last_id,
				chain_last_at,
				chain_last_hash,
				chain_anchor_hash;
} AuditCatalog;

static AuditCatalog audit_catalog;
static uint64 audit_catalog_invalidations = 0;	/* callbacks so far */

static AttrNumber AuditColumn(Oid relid, const char *name);

/* saved plans of the seal */
static KeptPlan resolve_plan;
static KeptPlan write_plan;
static KeptPlan write_one_plan;
static KeptPlan move_heads_plan;
static KeptPlan move_head_plan;
static KeptPlan seal_bulk_plan;
static KeptPlan clear_plan;
static KeptPlan flush_plan;

/* ---------------------------------------------------------------------------
 * Rows to seal
 * ------------------------------------------------------------------------- */

/*
 * _audit_pending(unresolved boolean) → void: the current transaction wrote
 * rows into audit_stage (some of them without their workspace, which the
 * seal finds among the transaction's other rows, when unresolved).
 */
Datum
audit_pending(PG_FUNCTION_ARGS)
{
	AuditMarkPending(!PG_ARGISNULL(0) && PG_GETARG_BOOL(0));
	PG_RETURN_VOID();
}

/* The same for C callers. */
void
AuditMarkPending(bool unresolved)
{
	audit_pending_rows = true;
	chains_known = false;
	if (unresolved)
		audit_unresolved = true;
}

/*
 * The current transaction staged rows rows in the chain of workspace (NULL:
 * the rows without a workspace).
 */
void
AuditStaged(const pg_uuid_t *workspace, int64 rows)
{
	pg_uuid_t	chain;
	int			i;

	audit_pending_rows = true;
	memset(&chain, 0, sizeof(chain));
	if (workspace != NULL)
		chain = *workspace;
	known_rows += rows;
	for (i = 0; i < nknown_chains; i++)
		if (memcmp(&known_chains[i], &chain, sizeof(chain)) == 0)
			return;
	if (nknown_chains == KNOWN_CHAINS_MAX)
		chains_known = false;
	else
		known_chains[nknown_chains++] = chain;
}

/*
 * _audit_staged(workspace uuid) → void: the current transaction staged one
 * row in the chain of workspace (NULL: the rows without one).
 */
Datum
audit_staged(PG_FUNCTION_ARGS)
{
	AuditStaged(PG_ARGISNULL(0) ? NULL : PG_GETARG_UUID_P(0), 1);
	PG_RETURN_VOID();
}

/* ---------------------------------------------------------------------------
 * Sealing at commit
 * ------------------------------------------------------------------------- */

/* Run a saved plan with the latest snapshot (not the transaction's); nulls may be NULL. */
static int
ExecLatest(SPIPlanPtr plan, Datum *values, const char *nulls)
{
	int			rc;

	CommandCounterIncrement();
	rc = SPI_execute_snapshot(plan, values, nulls, GetLatestSnapshot(), InvalidSnapshot,
							  false, true, 0);
	if (rc < 0)
		elog(ERROR, "audit seal statement failed: %s", SPI_result_code_string(rc));
	return rc;
}

/*
 * The chains' locks (partition_locks.h).  A seal of up to
 * PARTITION_LOCKS_EXACT_MAX chains (every transaction of an application)
 * locks each chain exclusively: only sealers of the same workspace wait for
 * each other (also for a prepared transaction, which holds its locks until
 * COMMIT PREPARED).  A bulk seal locks the partitions of its chains
 * exclusively while it commits; it may not be prepared (held until COMMIT
 * PREPARED, they would hold up every workspace of them).
 */

typedef struct ChainLock
{
	uint32		objid;
	uint16		subid;
	bool		cut_short;		/* its wait is cut short (CommitWaitCutShort) */
} ChainLock;

static int
ChainLockCmp(const void *a, const void *b)
{
	const ChainLock *x = a;
	const ChainLock *y = b;

	if (x->objid != y->objid)
		return x->objid < y->objid ? -1 : 1;
	return (x->subid > y->subid) - (x->subid < y->subid);
}

/*
 * In a refused call's background worker: a seal that finds its chain held
 * by a prepared transaction (until COMMIT PREPARED) fails at once instead
 * of waiting, so that the worker leaves its place under the cap of such
 * workers to the other workspaces' refusals.
 */
void
AuditSealFailBehindPrepared(void)
{
	fail_behind_prepared = true;
}

/* The lock of partition p of the chains (audit_log's OID, not audit_chain's). */
static void
ChainPartitionTag(LOCKTAG *tag, uint32 p)
{
	SET_LOCKTAG_OBJECT(*tag, MyDatabaseId, audit_catalog.log, p, 0);
}

/* Lock the n chains (uuid datums) until the end of the transaction. */
static void
LockChains(Oid chain_rel, const Datum *chains, int n)
{
	bool		partitions[WORKSPACE_PARTITIONS] = {false};
	bool		bulk = n > PARTITION_LOCKS_EXACT_MAX;
	ChainLock  *locks = bulk ? NULL : palloc(n * sizeof(ChainLock));
	LOCKTAG    *tags;
	LOCKMODE   *modes;
	bool	   *cut_short;
	int			ntags = 0;
	int			i;

	for (i = 0; i < n; i++)
	{
		const pg_uuid_t *ws = DatumGetUUIDP(chains[i]);
		static const pg_uuid_t nil = {{0}};

		/*
		 * The chain of rows without a workspace is every tenant's (new
		 * users, opens of invalid tokens): held until COMMIT PREPARED, it
		 * would hold up all of them
		 */
		if (sealing_for_prepare && memcmp(ws->data, nil.data, UUID_LEN) == 0)
			ereport(ERROR,
					(errcode(ERRCODE_FEATURE_NOT_SUPPORTED),
					 errmsg("cannot prepare a transaction that wrote audit rows without a workspace"),
					 errdetail("Such rows (a new user, an open of an invalid token, a change no principal could be attributed) go to the one chain that every tenant shares."),
					 errhint("Commit it instead, or make those changes in a transaction of their own.")));
		partitions[uuid_partition(ws, WORKSPACE_PARTITIONS)] = true;
		if (!bulk)
		{
			/*
			 * 48 bits of a hash of the whole id: ids that share their first
			 * bytes (made in one millisecond, or numbered) are other locks,
			 * and none but by chance is the nil chain's
			 */
			uint64		h = hash_bytes_extended(ws->data, UUID_LEN, 0);

			locks[i].objid = (uint32) (h >> 32);
			locks[i].subid = (uint16) h;
			locks[i].cut_short = CommitWaitCutShort(memcmp(ws->data, nil.data, UUID_LEN) == 0 ? NULL : ws);
		}
	}
	/*
	 * A prepared transaction holds its locks until COMMIT PREPARED: one
	 * holding partitions would hold up every workspace of them for as long
	 * (and any principal may write in 1,001 workspaces of its own).
	 */
	if (bulk && sealing_for_prepare)
		ereport(ERROR,
				(errcode(ERRCODE_FEATURE_NOT_SUPPORTED),
				 errmsg("cannot prepare a transaction that wrote audited rows in more than %d workspaces",
						PARTITION_LOCKS_EXACT_MAX),
				 errhint("Commit it instead, or split it into smaller transactions.")));
	if (bulk)
	{
		LockPartitions(partitions, true, ChainPartitionTag);
		return;
	}
	qsort(locks, n, sizeof(ChainLock), ChainLockCmp);
	tags = palloc(n * sizeof(LOCKTAG));
	modes = palloc(n * sizeof(LOCKMODE));
	cut_short = palloc(n * sizeof(bool));
	for (i = 0; i < n; i++)
	{
		if (i > 0 && ChainLockCmp(&locks[i], &locks[i - 1]) == 0)
		{
			/* (one lock for two chains by chance: cut short only if both are) */
			cut_short[ntags - 1] &= locks[i].cut_short;
			continue;
		}
		SET_LOCKTAG_OBJECT(tags[ntags], MyDatabaseId, chain_rel, locks[i].objid, locks[i].subid);
		cut_short[ntags] = locks[i].cut_short;
		modes[ntags++] = ExclusiveLock;
	}
	if (LockWorkspaces(partitions, ChainPartitionTag, tags, modes, cut_short, ntags,
					   fail_behind_prepared) >= 0)
		ereport(ERROR,
				(errcode(ERRCODE_LOCK_NOT_AVAILABLE),
				 errmsg("the audit chain of the row's workspace is held by a prepared transaction")));
}

/* Do two uuid datums hold the same uuid? */
static inline bool
uuid_equal_datums(Datum a, Datum b)
{
	return memcmp(DatumGetUUIDP(a), DatumGetUUIDP(b), sizeof(pg_uuid_t)) == 0;
}

/* The OID of share_acl's relation name (a table or an index), or an error. */
static Oid
AuditRelation(const char *name)
{
	Oid			relid = get_relname_relid(name, get_namespace_oid("share_acl", false));

	if (!OidIsValid(relid))
		elog(ERROR, "share_acl.%s is missing", name);
	return relid;
}

/* The number of column name of relid, or an error. */
static AttrNumber
AuditColumn(Oid relid, const char *name)
{
	AttrNumber	attnum = get_attnum(relid, name);

	if (attnum == InvalidAttrNumber)
		elog(ERROR, "column %s of %s is missing", name, get_rel_name(relid));
	return attnum;
}

/*
 * The heads of the n (locked) chains: the time of the rows, now or, if
 * later, the last time of a chain (no row before it); and into seeds[i]
 * the hash of chains[i]'s last row (or its anchor), NULL when it has none.
 * Read with SnapshotSelf: every committed version and this transaction's
 * own, which under the chain's lock is the head's newest version; from the
 * version this backend last read or wrote, following its update chain
 * (RowHintFetchLatest: a head updated at every commit has a long chain of
 * HOT versions, which a look-up by the primary key walks from its first),
 * else by the primary key of audit_chain.  It is not an MVCC
 * snapshot, so a SERIALIZABLE transaction takes no predicate lock on the
 * heads and finds no conflict in them: they are the trail's bookkeeping,
 * ordered by the chain lock, not data the transaction read (with the
 * latest snapshot, concurrent audited writers in one workspace failed
 * their commits with 40001).  *all_found
 * (when not NULL) says whether every chain has its row in audit_chain;
 * *one_head (when not NULL) is a copy of the row of the one chain, if n is 1
 * and it has one (the version the seal moves the head on, unless a
 * statement changes it meanwhile).  *last_id is the greatest id the heads
 * name (0: none), which the rows' new ids must pass.
 */
static TimestampTz
ReadHeads(Oid chain_rel, const Datum *chains, int n, Datum *seeds, bool *seed_nulls,
		  bool *all_found, HeapTuple *one_head, int64 *last_id)
{
	TimestampTz at = GetCurrentTimestamp();
	/* (the lock the head's update takes, when it is read for it: no upgrade later) */
	Relation	rel = table_open(chain_rel, one_head ? RowExclusiveLock : AccessShareLock);
	TupleDesc	desc = RelationGetDescr(rel);
	Oid			pkey = audit_catalog.chain_pkey;
	AttrNumber	key = audit_catalog.chain_key;
	AttrNumber	last_id_column = audit_catalog.chain_last_id;
	AttrNumber	last_at = audit_catalog.chain_last_at;
	AttrNumber	last_hash = audit_catalog.chain_last_hash;
	AttrNumber	anchor_hash = audit_catalog.chain_anchor_hash;
	int			i;

	if (all_found)
		*all_found = true;
	*last_id = 0;
	for (i = 0; i < n; i++)
	{
		HeapTuple	tup;

		seed_nulls[i] = true;
		/* from where this backend last saw the head, else by the index */
		tup = RowHintFetchLatest(rel, pkey, key, DatumGetUUIDP(chains[i]));
		if (tup == NULL)
		{
			ScanKeyData skey;
			SysScanDesc scan;

			ScanKeyInit(&skey, key, BTEqualStrategyNumber, F_UUID_EQ, chains[i]);
			scan = systable_beginscan(rel, pkey, true, SnapshotSelf, 1, &skey);
			if ((tup = systable_getnext(scan)) != NULL)
			{
				RowHintRemember(pkey, DatumGetUUIDP(chains[i]), &tup->t_self, scan->slot);
				tup = heap_copytuple(tup);
			}
			systable_endscan(scan);
		}
		if (tup != NULL)
		{
			bool		isnull;
			Datum		d = heap_getattr(tup, last_at, desc, &isnull);

			if (one_head != NULL && n == 1)
				*one_head = tup;
			d = heap_getattr(tup, last_id_column, desc, &isnull);
			if (!isnull && DatumGetInt64(d) > *last_id)
				*last_id = DatumGetInt64(d);

			if (!isnull && DatumGetTimestampTz(d) > at)
				at = DatumGetTimestampTz(d);
			d = heap_getattr(tup, last_hash, desc, &isnull);
			if (isnull)
				d = heap_getattr(tup, anchor_hash, desc, &isnull);
			if (!isnull)
			{
				bytea	   *hash = DatumGetByteaPCopy(d);

				if (VARSIZE_ANY_EXHDR(hash) == AUDIT_HASH_LENGTH)
				{
					seeds[i] = PointerGetDatum(hash);
					seed_nulls[i] = false;
				}
			}
		}
		else if (all_found)
			*all_found = false;
	}
	/* (locked until the end: the head's row is updated by the tuple id read here) */
	table_close(rel, NoLock);
	return at;
}

/* The columns of audit_stage that a sealed row takes: seq, then workspace_id .. viewer_email. */
static const char *const taken_columns[] = {
	"seq", "workspace_id", "actor_id", "db_role", "action", "object_type", "object_id",
	"old", "new", "link_id", "viewer_email"
};

#define TAKEN_COLUMNS	lengthof(taken_columns)
#define TAKEN_SEQ		0
#define TAKEN_WORKSPACE	1		/* then actor .. viewer_email, in audit_log's order */

/* The rows taken out of audit_stage, each as its values of taken_columns. */
typedef struct TakenRows
{
	int			n;
	Datum	  (*values)[TAKEN_COLUMNS];
	bool	  (*nulls)[TAKEN_COLUMNS];
} TakenRows;

/*
 * Take the current transaction's rows out of audit_stage: found by its
 * index on txid (SnapshotSelf: its own rows, no predicate lock, see
 * ReadHeads), their values copied (out of line values fetched), the rows
 * deleted.  No trigger, rule or policy is on audit_stage, which only the
 * extension's owner writes, so nothing is skipped that a DELETE would do.
 */
static TakenRows
TakeStaged(void)
{
	Oid			stage_rel = audit_catalog.stage;
	Relation	rel = table_open(stage_rel, RowExclusiveLock);
	TupleDesc	desc = RelationGetDescr(rel);
	AttrNumber	attnums[TAKEN_COLUMNS];
	ScanKeyData skey;
	SysScanDesc scan;
	HeapTuple	tup;
	TakenRows	taken = {0, NULL, NULL};
	int			room = 8;
	int			c;

	for (c = 0; c < (int) TAKEN_COLUMNS; c++)
		attnums[c] = AuditColumn(stage_rel, taken_columns[c]);
	taken.values = palloc(room * sizeof(*taken.values));
	taken.nulls = palloc(room * sizeof(*taken.nulls));
	ScanKeyInit(&skey, AuditColumn(stage_rel, "txid"), BTEqualStrategyNumber, F_XID8EQ,
				FullTransactionIdGetDatum(GetTopFullTransactionId()));
	scan = systable_beginscan(rel, AuditRelation("audit_stage_txid_idx"), true, SnapshotSelf, 1, &skey);
	while ((tup = systable_getnext(scan)) != NULL)
	{
		HeapTuple	copy = HeapTupleHasExternal(tup) ? toast_flatten_tuple(tup, desc) : heap_copytuple(tup);

		if (taken.n == room)
		{
			room *= 2;
			taken.values = repalloc(taken.values, room * sizeof(*taken.values));
			taken.nulls = repalloc(taken.nulls, room * sizeof(*taken.nulls));
		}
		for (c = 0; c < (int) TAKEN_COLUMNS; c++)
			taken.values[taken.n][c] = heap_getattr(copy, attnums[c], desc, &taken.nulls[taken.n][c]);
		taken.n++;
		simple_heap_delete(rel, &tup->t_self);
	}
	systable_endscan(scan);
	table_close(rel, RowExclusiveLock);
	return taken;
}

/* Sort row numbers by their staging order. */
static int
TakenOrderCmp(const void *a, const void *b, void *arg)
{
	const int64 *seqs = arg;
	int64		x = seqs[*(const int *) a];
	int64		y = seqs[*(const int *) b];

	return (x > y) - (x < y);
}

/* The chain of a staged row: its workspace, or the nil uuid. */
static Datum
ChainOf(Datum workspace, bool isnull)
{
	return isnull ? UUIDPGetDatum(palloc0(sizeof(pg_uuid_t))) : workspace;
}

/*
 * Seal a transaction's few rows, taken out of audit_stage or memory: in
 * staging order, lock their chains, give them ids, time and hashes here,
 * write them and move the heads.
 */
static void
SealFew(Oid chain_rel, TakenRows taken)
{
	static const Oid write_types[AUDIT_ROW_COLUMNS + 1] = {
		TIMESTAMPTZOID, INT8ARRAYOID, UUIDARRAYOID, UUIDARRAYOID, TEXTARRAYOID, TEXTARRAYOID,
		TEXTARRAYOID, UUIDARRAYOID, JSONBARRAYOID, JSONBARRAYOID, UUIDARRAYOID, TEXTARRAYOID,
		BYTEAARRAYOID
	};
	/* the element types of audit_log's columns id .. viewer_email, then hash */
	static const Oid column_types[AUDIT_ROW_COLUMNS + 1] = {
		INT8OID, TIMESTAMPTZOID, UUIDOID, UUIDOID, TEXTOID, TEXTOID, TEXTOID, UUIDOID,
		JSONBOID, JSONBOID, UUIDOID, TEXTOID, BYTEAOID
	};
	static const Oid heads_types[4] = {TIMESTAMPTZOID, UUIDARRAYOID, INT8ARRAYOID, BYTEAARRAYOID};
	static const Oid head_types[4] = {TIMESTAMPTZOID, UUIDOID, INT8OID, BYTEAOID};
	int			rows,
				nchains = 0,
				r,
				c,
				i;
	int		   *order;
	int64	   *seqs;
	int		   *chain_of;		/* per row, its chain's index */
	Datum	   *chains;
	Datum	   *seeds;			/* per chain, the hash of its last row so far */
	bool	   *seed_nulls;
	Datum	   *head_ids;
	Datum	   *ids;
	int64		heads_last_id;
	Datum	  **columns;		/* per column of audit_log but at: the rows' values */
	bool	  **column_nulls;
	TimestampTz at;
	Datum		values[AUDIT_ROW_COLUMNS + 1];
	char		nulls[AUDIT_ROW_COLUMNS + 1];
	Datum		heads[4];
	bool		heads_found;
	HeapTuple	head = NULL;

	rows = taken.n;
	if (rows == 0)
		return;

	/* staging order, and the chains */
	order = palloc(rows * sizeof(int));
	seqs = palloc(rows * sizeof(int64));
	chain_of = palloc(rows * sizeof(int));
	chains = palloc(rows * sizeof(Datum));
	for (r = 0; r < rows; r++)
	{
		Datum		chain;

		order[r] = r;
		seqs[r] = DatumGetInt64(taken.values[r][TAKEN_SEQ]);
		chain = ChainOf(taken.values[r][TAKEN_WORKSPACE], taken.nulls[r][TAKEN_WORKSPACE]);
		for (c = 0; c < nchains && !uuid_equal_datums(chains[c], chain); c++)
			;
		if (c == nchains)
			chains[nchains++] = chain;
		chain_of[r] = c;
	}
	qsort_arg(order, rows, sizeof(int), TakenOrderCmp, seqs);

	LockChains(chain_rel, chains, nchains);
	seeds = palloc(nchains * sizeof(Datum));
	seed_nulls = palloc(nchains * sizeof(bool));
	head_ids = palloc(nchains * sizeof(Datum));
	at = ReadHeads(chain_rel, chains, nchains, seeds, seed_nulls, &heads_found, &head, &heads_last_id);
	ids = AuditNextIds(audit_catalog.log, audit_catalog.seq, rows, heads_last_id);

	/* each row's columns, in staging order; its hash follows its chain's last */
	columns = palloc((AUDIT_ROW_COLUMNS + 1) * sizeof(Datum *));
	column_nulls = palloc((AUDIT_ROW_COLUMNS + 1) * sizeof(bool *));
	for (i = 0; i <= AUDIT_ROW_COLUMNS; i++)
	{
		columns[i] = palloc(rows * sizeof(Datum));
		column_nulls[i] = palloc0(rows * sizeof(bool));
	}
	for (i = 0; i < rows; i++)
	{
		int			row = order[i];
		Datum		row_values[AUDIT_ROW_COLUMNS];
		bool		row_nulls[AUDIT_ROW_COLUMNS];
		int			col;

		row_values[0] = ids[i];
		row_nulls[0] = false;
		row_values[1] = TimestampTzGetDatum(at);
		row_nulls[1] = false;
		for (col = 2; col < AUDIT_ROW_COLUMNS; col++)
		{
			row_values[col] = taken.values[row][TAKEN_WORKSPACE + col - 2];
			row_nulls[col] = taken.nulls[row][TAKEN_WORKSPACE + col - 2];
		}
		c = chain_of[row];
		seeds[c] = PointerGetDatum(AuditRowHash(seed_nulls[c] ? NULL : DatumGetByteaPP(seeds[c]),
												row_values, row_nulls));
		seed_nulls[c] = false;
		head_ids[c] = ids[i];
		for (col = 0; col < AUDIT_ROW_COLUMNS; col++)
		{
			columns[col][i] = row_values[col];
			column_nulls[col][i] = row_nulls[col];
		}
		columns[AUDIT_ROW_COLUMNS][i] = seeds[c];
	}

	/*
	 * the rows: at, then per column but at (id first, hash last) the rows'
	 * values; a few rows (most transactions) one by one, more as arrays
	 */
	values[0] = TimestampTzGetDatum(at);
	nulls[0] = ' ';
	if (rows <= SEAL_ONE_BY_ONE_MAX)
	{
		Oid			row_types[AUDIT_ROW_COLUMNS + 1];
		AuditLogWriter *writer;

		row_types[0] = TIMESTAMPTZOID;
		for (i = 1; i <= AUDIT_ROW_COLUMNS; i++)
			row_types[i] = column_types[i == 1 ? 0 : i];
		KeptPlanGet(&write_one_plan,
					"INSERT INTO share_acl.audit_log (id, at, workspace_id, actor_id, db_role, action,"
					"                                 object_type, object_id, old, new, link_id,"
					"                                 viewer_email, hash)"
					" VALUES ($2, $1, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13)",
					AUDIT_ROW_COLUMNS + 1, row_types, CURSOR_OPT_GENERIC_PLAN);
		/* below the executor, when the log is as the extension made it */
		writer = AuditLogOpen(audit_catalog.log, at);
		for (r = 0; r < rows; r++)
		{
			Datum		row_values[AUDIT_LOG_COLUMNS];
			bool		row_nulls[AUDIT_LOG_COLUMNS];

			StaticAssertStmt(AUDIT_LOG_COLUMNS == AUDIT_ROW_COLUMNS + 1,
							 "audit_log holds a row's columns and its hash");
			for (i = 0; i < AUDIT_LOG_COLUMNS; i++)
			{
				row_values[i] = columns[i][r];
				row_nulls[i] = column_nulls[i][r];
			}
			if (writer != NULL && AuditLogWrite(writer, row_values, row_nulls))
				continue;
			head = NULL;		/* a statement writes: read the head again after it */
			for (i = 1; i <= AUDIT_ROW_COLUMNS; i++)
			{
				int			col = i == 1 ? 0 : i;	/* skipping column 1, at */

				values[i] = columns[col][r];
				nulls[i] = column_nulls[col][r] ? 'n' : ' ';
			}
			if (ExecLatest(write_one_plan.plan, values, nulls) != SPI_OK_INSERT)
				elog(ERROR, "could not write an audit row");
		}
		if (writer != NULL)
			AuditLogClose(writer);
	}
	else
	{
		for (i = 1; i <= AUDIT_ROW_COLUMNS; i++)
		{
			int			col = i == 1 ? 0 : i;	/* the arrays skip column 1, at */
			int16		typlen;
			bool		typbyval;
			char		typalign;
			int			dims[1] = {rows};
			int			lbs[1] = {1};

			get_typlenbyvalalign(column_types[col], &typlen, &typbyval, &typalign);
			values[i] = PointerGetDatum(construct_md_array(columns[col], column_nulls[col], 1, dims,
														   lbs, column_types[col], typlen, typbyval,
														   typalign));
			nulls[i] = ' ';
		}
		AuditLogLockPartition(audit_catalog.log, at);
		KeptPlanGet(&write_plan,
				    "INSERT INTO share_acl.audit_log (id, at, workspace_id, actor_id, db_role, action, object_type,"
				    "                                 object_id, old, new, link_id, viewer_email, hash)"
				    "SELECT u.id, $1, u.workspace_id, u.actor_id, u.db_role, u.action, u.object_type,"
				    "       u.object_id, u.old, u.new, u.link_id, u.viewer_email, u.hash"
				    "  FROM ROWS FROM (pg_catalog.unnest($2), pg_catalog.unnest($3), pg_catalog.unnest($4),"
				    "                 pg_catalog.unnest($5), pg_catalog.unnest($6), pg_catalog.unnest($7),"
				    "                 pg_catalog.unnest($8), pg_catalog.unnest($9), pg_catalog.unnest($10),"
				    "                 pg_catalog.unnest($11), pg_catalog.unnest($12), pg_catalog.unnest($13))"
				    "       AS u(id, workspace_id, actor_id, db_role, action, object_type, object_id,"
				    "            old, new, link_id, viewer_email, hash)",
				    AUDIT_ROW_COLUMNS + 1, (Oid *) write_types, CURSOR_OPT_GENERIC_PLAN);
		if (ExecLatest(write_plan.plan, values, nulls) != SPI_OK_INSERT)
			elog(ERROR, "could not write the audit rows");
		head = NULL;			/* a statement wrote: read the head again after it */
	}

	/*
	 * the heads: each chain's last id, time and hash; one chain that has its
	 * row (every transaction of an application but its workspace's first) by
	 * its primary key
	 */
	heads[0] = TimestampTzGetDatum(at);
	if (nchains == 1 && heads_found)
	{
		if (AuditHeadMove(chain_rel, audit_catalog.chain_pkey, chains[0], head,
						  DatumGetInt64(head_ids[0]), at, seeds[0]))
			return;
		heads[1] = chains[0];
		heads[2] = head_ids[0];
		heads[3] = seeds[0];
		KeptPlanGet(&move_head_plan,
					"UPDATE share_acl.audit_chain h SET last_id = $3, last_at = $1, last_hash = $4"
					" WHERE h.workspace_id OPERATOR(pg_catalog.=) $2",
					4, (Oid *) head_types, CURSOR_OPT_GENERIC_PLAN);
		if (ExecLatest(move_head_plan.plan, heads, NULL) != SPI_OK_UPDATE || SPI_processed != 1)
			elog(ERROR, "could not move the head of the audit chain");
		return;
	}
	KeptPlanGet(&move_heads_plan,
			    "INSERT INTO share_acl.audit_chain AS h (workspace_id, last_id, last_at, last_hash)"
			    "SELECT u.w, u.i, $1, u.h"
			    "  FROM ROWS FROM (pg_catalog.unnest($2), pg_catalog.unnest($3), pg_catalog.unnest($4))"
			    "       AS u(w, i, h) "
			    "ON CONFLICT (workspace_id) DO UPDATE"
			    "   SET last_id = excluded.last_id, last_at = excluded.last_at, last_hash = excluded.last_hash",
			    4, (Oid *) heads_types, CURSOR_OPT_GENERIC_PLAN);
	heads[1] = PointerGetDatum(construct_array(chains, nchains, UUIDOID, UUID_LEN, false, TYPALIGN_CHAR));
	heads[2] = PointerGetDatum(construct_array(head_ids, nchains, INT8OID, 8, FLOAT8PASSBYVAL,
											   TYPALIGN_DOUBLE));
	heads[3] = PointerGetDatum(construct_array(seeds, nchains, BYTEAOID, -1, false, TYPALIGN_INT));
	if (ExecLatest(move_heads_plan.plan, heads, NULL) != SPI_OK_INSERT)
		elog(ERROR, "could not move the heads of the audit chains");
}

/*
 * Seal a bulk load's rows, in storage order (no sort, nothing held in
 * memory): the n chains given (or read from audit_stage when chains is
 * NULL), rows rows; hashed by one pass of _audit_chains over them, seeded
 * with each chain's head, then deleted from audit_stage.
 */
static void
SealMany(Oid chain_rel, Datum *chains, int n, int64 rows)
{
	static const Oid argtypes[4] = {TIMESTAMPTZOID, INT8ARRAYOID, UUIDARRAYOID, BYTEAARRAYOID};
	Datum	   *seeds = palloc(n * sizeof(Datum));
	bool	   *seed_nulls = palloc(n * sizeof(bool));
	Datum		values[4];
	char		nulls[4] = {' ', ' ', ' ', ' '};
	Datum	   *ids;
	int64		heads_last_id;
	TimestampTz at;
	int			i;

	LockChains(chain_rel, chains, n);
	at = ReadHeads(chain_rel, chains, n, seeds, seed_nulls, NULL, NULL, &heads_last_id);
	ids = AuditNextIds(audit_catalog.log, audit_catalog.seq, rows, heads_last_id);
	values[1] = PointerGetDatum(construct_array(ids, (int) rows, INT8OID, 8, FLOAT8PASSBYVAL, TYPALIGN_DOUBLE));
	values[0] = TimestampTzGetDatum(at);
	for (i = 0; i < n && seed_nulls[i]; i++)
		;
	if (i == n)
		nulls[2] = nulls[3] = 'n';
	else
	{
		int			dims[1] = {n};
		int			lbs[1] = {1};

		values[2] = PointerGetDatum(construct_array(chains, n, UUIDOID, UUID_LEN, false, TYPALIGN_CHAR));
		values[3] = PointerGetDatum(construct_md_array(seeds, seed_nulls, 1, dims, lbs, BYTEAOID, -1,
													   false, TYPALIGN_INT));
	}
	AuditLogLockPartition(audit_catalog.log, at);
	KeptPlanGet(&seal_bulk_plan,
			    "WITH ins AS ("
			    "  INSERT INTO share_acl.audit_log (id, at, workspace_id, actor_id, db_role, action, object_type,"
			    "                                  object_id, old, new, link_id, viewer_email, hash)"
			    "  SELECT x.id, $1, x.workspace_id, x.actor_id, x.db_role, x.action, x.object_type, x.object_id,"
			    "         x.old, x.new, x.link_id, x.viewer_email,"
			    "         share_acl._audit_chains($3, $4, x.id, $1, x.workspace_id, x.actor_id, x.db_role, x.action,"
			    "                                 x.object_type, x.object_id, x.old, x.new, x.link_id, x.viewer_email)"
			    "           OVER (ROWS UNBOUNDED PRECEDING)"
			    "    FROM (SELECT $2[pg_catalog.row_number() OVER ()] AS id, v.*"
			    "            FROM (SELECT w.* FROM share_acl.audit_stage w"
			    "                   WHERE w.txid OPERATOR(pg_catalog.=) pg_catalog.pg_current_xact_id()"
			    "                  OFFSET 0) v) x"
			    "  RETURNING id, hash,"
			    "         coalesce(workspace_id, '00000000-0000-0000-0000-000000000000'::pg_catalog.uuid) AS chain"
			    ")"
			    "INSERT INTO share_acl.audit_chain AS h (workspace_id, last_id, last_at, last_hash)"
			    "SELECT DISTINCT ON (i.chain) i.chain, i.id, $1, i.hash FROM ins i"
			    " ORDER BY i.chain, i.id DESC "
			    "ON CONFLICT (workspace_id) DO UPDATE"
			    "   SET last_id = excluded.last_id, last_at = excluded.last_at, last_hash = excluded.last_hash",
			    4, (Oid *) argtypes, CURSOR_OPT_GENERIC_PLAN);
	ExecLatest(seal_bulk_plan.plan, values, nulls);
	KeptPlanGet(&clear_plan,
			    "DELETE FROM share_acl.audit_stage s"
			    " WHERE s.txid OPERATOR(pg_catalog.=) pg_catalog.pg_current_xact_id()", 0, NULL, CURSOR_OPT_GENERIC_PLAN);
	ExecLatest(clear_plan.plan, NULL, NULL);
}

/* The rows staged in memory, as taken rows. */
static TakenRows
TakeMemoryRows(void)
{
	TakenRows	taken;
	bool		unresolved;
	const AuditMemoryRow *rows = AuditMemoryRows(&taken.n, &unresolved);
	int			r;

	StaticAssertStmt(TAKEN_COLUMNS <= AUDIT_STAGED_COLUMNS, "memory rows hold the taken columns");
	taken.values = palloc(Max(taken.n, 1) * sizeof(*taken.values));
	taken.nulls = palloc(Max(taken.n, 1) * sizeof(*taken.nulls));
	for (r = 0; r < taken.n; r++)
	{
		memcpy(taken.values[r], rows[r].values, sizeof(taken.values[r]));
		memcpy(taken.nulls[r], rows[r].nulls, sizeof(taken.nulls[r]));
	}
	return taken;
}

/* Write the rows staged in memory into audit_stage, with their numbers, and forget them. */
static void
FlushMemoryRows(void)
{
	static const Oid types[AUDIT_STAGED_COLUMNS] = {
		INT8OID, UUIDOID, UUIDOID, TEXTOID, TEXTOID, TEXTOID, UUIDOID, JSONBOID, JSONBOID,
		UUIDOID, TEXTOID, TEXTOID, UUIDOID
	};
	int			n;
	bool		unresolved;
	const AuditMemoryRow *rows = AuditMemoryRows(&n, &unresolved);
	int			r,
				c;

	KeptPlanGet(&flush_plan,
			    "INSERT INTO share_acl.audit_stage (seq, workspace_id, actor_id, db_role, action,"
			    "       object_type, object_id, old, new, link_id, viewer_email, ref_type, ref_id)"
			    " OVERRIDING SYSTEM VALUE"
			    " VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13)",
			    AUDIT_STAGED_COLUMNS, (Oid *) types, CURSOR_OPT_GENERIC_PLAN);
	for (r = 0; r < n; r++)
	{
		char		nulls[AUDIT_STAGED_COLUMNS];

		for (c = 0; c < AUDIT_STAGED_COLUMNS; c++)
			nulls[c] = rows[r].nulls[c] ? 'n' : ' ';
		if (ExecLatest(flush_plan.plan, (Datum *) rows[r].values, nulls) != SPI_OK_INSERT)
			elog(ERROR, "could not write a staged audit row");
	}
	AuditMemoryClear();
}

/*
 * The owner of share_acl.audit_log (the role audit rows are written as),
 * and the OID of audit_chain into *chain_rel; InvalidOid when the audit
 * tables are not there (the extension was dropped in this transaction).
 * Fills audit_catalog.
 */
Oid
AuditLogOwner(Oid *chain_rel)
{
	AuditCatalog c;
	Oid			nsp;
	HeapTuple	tup;

	uint64		invalidations = audit_catalog_invalidations;

	if (audit_catalog.valid)
	{
		*chain_rel = audit_catalog.chain;
		return audit_catalog.owner;
	}
	memset(&c, 0, sizeof(c));
	nsp = get_namespace_oid("share_acl", true);
	if (!OidIsValid(nsp))
		return InvalidOid;
	c.log = get_relname_relid("audit_log", nsp);
	c.chain = get_relname_relid("audit_chain", nsp);
	c.stage = get_relname_relid("audit_stage", nsp);
	c.chain_pkey = get_relname_relid("audit_chain_pkey", nsp);
	c.seq = get_relname_relid("audit_log_id_seq", nsp);
	if (!OidIsValid(c.log) || !OidIsValid(c.chain) || !OidIsValid(c.stage) ||
		!OidIsValid(c.chain_pkey) || !OidIsValid(c.seq))
		return InvalidOid;
	tup = SearchSysCache1(RELOID, ObjectIdGetDatum(c.log));
	if (!HeapTupleIsValid(tup))
		return InvalidOid;
	c.owner = ((Form_pg_class) GETSTRUCT(tup))->relowner;
	ReleaseSysCache(tup);
	c.chain_key = AuditColumn(c.chain, "workspace_id");
	c.chain_last_id = AuditColumn(c.chain, "last_id");
	c.chain_last_at = AuditColumn(c.chain, "last_at");
	c.chain_last_hash = AuditColumn(c.chain, "last_hash");
	c.chain_anchor_hash = AuditColumn(c.chain, "anchor_hash");
	/* valid unless a change came in while it was looked up */
	c.valid = invalidations == audit_catalog_invalidations;
	audit_catalog = c;
	*chain_rel = c.chain;
	return c.owner;
}

static void
AuditCatalogCallback(Datum arg, int cacheid, uint32 hashvalue)
{
	audit_catalog.valid = false;
	audit_catalog_invalidations++;
}

/*
 * The chains of the transaction's rows in audit_stage (the nil uuid for the
 * rows without a workspace), each once, into *chains (*n of them); returns
 * the number of rows.  Read by the index on txid with SnapshotSelf, as
 * TakeStaged: the transaction's own rows, and no predicate lock (a
 * SERIALIZABLE transaction's scan of the table conflicted with every other
 * writer's staged rows).
 */
static int64
StagedChains(Datum **chains, int *n)
{
	Oid			stage_rel = audit_catalog.stage;
	Relation	rel = table_open(stage_rel, AccessShareLock);
	TupleDesc	desc = RelationGetDescr(rel);
	AttrNumber	workspace = AuditColumn(stage_rel, "workspace_id");
	HASHCTL		ctl;
	HTAB	   *seen;
	ScanKeyData skey;
	SysScanDesc scan;
	HeapTuple	tup;
	int64		rows = 0;
	int			room = 16;

	ctl.keysize = ctl.entrysize = sizeof(pg_uuid_t);
	ctl.hcxt = CurrentMemoryContext;
	seen = hash_create("share_acl staged chains", 64, &ctl, HASH_ELEM | HASH_BLOBS | HASH_CONTEXT);
	*chains = palloc(room * sizeof(Datum));
	*n = 0;
	ScanKeyInit(&skey, AuditColumn(stage_rel, "txid"), BTEqualStrategyNumber, F_XID8EQ,
				FullTransactionIdGetDatum(GetTopFullTransactionId()));
	scan = systable_beginscan(rel, AuditRelation("audit_stage_txid_idx"), true, SnapshotSelf, 1, &skey);
	while ((tup = systable_getnext(scan)) != NULL)
	{
		bool		isnull;
		bool		found;
		Datum		d = heap_getattr(tup, workspace, desc, &isnull);
		pg_uuid_t  *chain = palloc0(sizeof(pg_uuid_t));

		if (!isnull)
			memcpy(chain, DatumGetUUIDP(d), sizeof(pg_uuid_t));
		rows++;
		hash_search(seen, chain, HASH_ENTER, &found);
		if (found)
		{
			pfree(chain);
			continue;
		}
		if (*n == room)
		{
			room *= 2;
			*chains = repalloc(*chains, room * sizeof(Datum));
		}
		(*chains)[(*n)++] = UUIDPGetDatum(chain);
	}
	systable_endscan(scan);
	table_close(rel, AccessShareLock);
	hash_destroy(seen);
	return rows;
}

/* Seal the rows staged in audit_stage (see AuditSeal). */
static void
SealStaged(Oid chain_rel)
{
	/*
	 * Rows deleted by a cascade (the shares of a deleted resource, ...) whose
	 * workspace their trigger could no longer read take it from the delete
	 * row of the object they referred to that was staged last before them
	 * (the object's own row is staged before the rows of the cascade its
	 * deletion ran), or, lacking one, the first after them; twice:
	 * a link's view, the link, its resource; none while that delete row's
	 * workspace is still to be found.  Not from any other row of that
	 * object (one moved to another workspace before its delete has rows in
	 * both: the cascade's rows went to either chain), nor from another
	 * delete of its id (deleted, made again in another workspace, deleted
	 * again: the first cascade's rows went to the second's workspace).
	 */
	if (audit_unresolved)
	{
		KeptPlanGet(&resolve_plan,
				    "UPDATE share_acl.audit_stage s SET workspace_id = x.workspace_id"
				    "  FROM (SELECT DISTINCT ON (u.seq) u.seq, d.workspace_id"
				    "          FROM share_acl.audit_stage u"
				    "          JOIN share_acl.audit_stage d"
				    "            ON d.object_type OPERATOR(pg_catalog.=) u.ref_type"
				    "           AND d.object_id OPERATOR(pg_catalog.=) u.ref_id"
				    "         WHERE u.txid OPERATOR(pg_catalog.=) pg_catalog.pg_current_xact_id()"
				    "           AND u.workspace_id IS NULL"
				    "           AND d.txid OPERATOR(pg_catalog.=) pg_catalog.pg_current_xact_id()"
				    "           AND d.action OPERATOR(pg_catalog.=) 'delete'"
				    "           AND d.object_type OPERATOR(pg_catalog.=) ANY ('{resource,link,principal}')"
				    "         ORDER BY u.seq, d.seq OPERATOR(pg_catalog.>) u.seq,"
				    "                  CASE WHEN d.seq OPERATOR(pg_catalog.<) u.seq THEN OPERATOR(pg_catalog.-) d.seq"
				    "                       ELSE d.seq END) x"
				    " WHERE s.txid OPERATOR(pg_catalog.=) pg_catalog.pg_current_xact_id()"
				    "   AND s.seq OPERATOR(pg_catalog.=) x.seq AND x.workspace_id IS NOT NULL",
				    0, NULL, CURSOR_OPT_GENERIC_PLAN);
		ExecLatest(resolve_plan.plan, NULL, NULL);
		ExecLatest(resolve_plan.plan, NULL, NULL);
	}

	if (chains_known && !audit_unresolved)
	{
		/* the row count, and for a bulk load its chains, as the paths that staged them said */
		if (known_rows <= SEAL_ORDERED_MAX)
			SealFew(chain_rel, TakeStaged());
		else if (nknown_chains > 0)
		{
			Datum	   *chains = palloc(nknown_chains * sizeof(Datum));
			int			i;

			for (i = 0; i < nknown_chains; i++)
				chains[i] = UUIDPGetDatum(&known_chains[i]);
			SealMany(chain_rel, chains, nknown_chains, known_rows);
		}
	}
	else
	{
		/* read from audit_stage: a path did not say, or workspaces were resolved above */
		Datum	   *chains;
		int			n;
		int64		rows = StagedChains(&chains, &n);

		if (rows > SEAL_ORDERED_MAX)
			SealMany(chain_rel, chains, n, rows);
		else if (rows > 0)
			SealFew(chain_rel, TakeStaged());
	}
}

/* See audit.h. */
bool
AuditAsOwner(OwnerScope *scope)
{
	Oid			chain_rel;
	Oid			owner = AuditLogOwner(&chain_rel);

	if (!OidIsValid(owner))
		return false;
	OwnerScopeEnter(scope, owner, true);
	return true;
}

/* See audit.h. */
void
AuditConnectAsOwner(OwnerScope *scope)
{
	if (!AuditAsOwner(scope))
		elog(ERROR, "the audit tables of share_acl are not there");
	if (SPI_connect() != SPI_OK_CONNECT)
		elog(ERROR, "SPI_connect failed");
}

/*
 * Move the transaction's staged rows into audit_log, chained (see the top of
 * this file).  Runs as the owner of audit_log in a restricted security
 * context, with search_path pinned: at commit it is the session's again,
 * which may put a role's own operators first.
 */
static void
AuditSeal(void)
{
	OwnerScope scope;
	int			nmemory;
	bool		memory_unresolved;

	if (!AuditAsOwner(&scope))
		return;					/* the extension was dropped in this transaction */
	if (SPI_connect() != SPI_OK_CONNECT)
		elog(ERROR, "SPI_connect failed");

	/*
	 * Rows staged in memory: sealed from memory, or, when the transaction
	 * also staged rows in audit_stage or a memory row lacks its workspace,
	 * written there first and sealed with them.
	 */
	(void) AuditMemoryRows(&nmemory, &memory_unresolved);
	if (nmemory > 0 && !audit_pending_rows && !memory_unresolved)
		SealFew(audit_catalog.chain, TakeMemoryRows());
	else
	{
		if (nmemory > 0)
		{
			FlushMemoryRows();
			chains_known = false;	/* count the rows and chains in audit_stage */
			if (memory_unresolved)
				audit_unresolved = true;
		}
		SealStaged(audit_catalog.chain);
	}
	AuditMemoryClear();

	SPI_finish();
	OwnerScopeLeave(&scope);
}

static void
AuditForget(void)
{
	audit_pending_rows = false;
	audit_unresolved = false;
	chains_known = true;
	nknown_chains = 0;
	known_rows = 0;
	AuditMemoryForget();
	AuditEndMaintenance();
}

static void
AuditXactCallback(XactEvent event, void *arg)
{
	switch (event)
	{
		case XACT_EVENT_PRE_COMMIT:
		case XACT_EVENT_PRE_PREPARE:
			if (audit_pending_rows || AuditMemoryPending())
			{
				/* (made read-only after its audited writes: no row could be sealed) */
				if (XactReadOnly)
					ereport(ERROR,
							(errcode(ERRCODE_READ_ONLY_SQL_TRANSACTION),
							 errmsg("cannot commit audited changes in a read-only transaction"),
							 errdetail("The transaction changed share_acl's tables (or recorded an event) and was then made read-only; their audit rows are written when it commits."),
							 errhint("Make a transaction read-only before its first write, or not at all.")));
				sealing_for_prepare = event == XACT_EVENT_PRE_PREPARE;
				PushActiveSnapshot(GetTransactionSnapshot());
				AuditSeal();
				PopActiveSnapshot();
				audit_pending_rows = false;
				audit_unresolved = false;
			}
			break;
		default:
			if (XactEventEnds(event))
				AuditForget();
			break;
	}
}

void
AuditInit(void)
{
	RegisterXactCallback(AuditXactCallback, NULL);
	AuditRowsInit();
	CacheRegisterSyscacheCallback(RELOID, AuditCatalogCallback, (Datum) 0);
	CacheRegisterSyscacheCallback(ATTNUM, AuditCatalogCallback, (Datum) 0);
	CacheRegisterSyscacheCallback(NAMESPACEOID, AuditCatalogCallback, (Datum) 0);
}
