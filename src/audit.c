/*
 * audit.c — the audit trail's hash chain and its sealing at commit (SPEC §7).
 *
 * Statement triggers on the model tables (sql/install/070_audit.sql) write
 * their rows into share_acl.audit_stage, an unlogged table whose rows never
 * outlive their transaction, and call _audit_pending().  When that
 * transaction commits (or is prepared), the pre-commit callback here moves
 * them into share_acl.audit_log, chained: for each workspace (the rows
 * without one form one more chain) it takes a lock that no SQL statement can
 * take (LOCKTAG_OBJECT on the chain-head table's OID and the workspace), then
 * gives the rows their ids, their time and their hash — SHA-256 over the
 * previous row's hash in that workspace and the row's canonical content —
 * and moves the chain head (share_acl.audit_chain).  So concurrent writers
 * in one workspace wait for each other only while one of them commits, and
 * in each workspace ids, times and the chain follow the commit order.
 *
 * The statements of the seal read with the latest snapshot, taken after the
 * locks: the head a previous holder wrote is visible, also to a REPEATABLE
 * READ transaction, which therefore never fails to serialize because of the
 * audit trail.
 *
 * Canonical content (version 1): a fixed prefix, then each column of the
 * row but the hash, in table order, as a tag byte (0 null, 1 value) and for
 * a value its 4-byte big-endian length and bytes: bigint and timestamptz as
 * 8 bytes big-endian (microseconds since 2000-01-01 UTC), uuid as its 16
 * bytes, text as its bytes, jsonb as its binary form (which is canonical:
 * keys sorted, no duplicate keys; the same value is the same bytes).
 * Nothing depends on a session setting.
 */
#include "postgres.h"

#include "access/xact.h"
#include "catalog/namespace.h"
#include "catalog/pg_class.h"
#include "catalog/pg_type.h"
#include "commands/trigger.h"
#include "common/cryptohash.h"
#include "common/sha2.h"
#include "commands/sequence.h"
#include "executor/spi.h"
#include "lib/stringinfo.h"
#include "miscadmin.h"
#include "storage/lock.h"
#include "utils/array.h"
#include "utils/builtins.h"
#include "utils/guc.h"
#include "utils/hsearch.h"
#include "utils/jsonb.h"
#include "utils/lsyscache.h"
#include "utils/memutils.h"
#include "utils/rel.h"
#include "utils/snapmgr.h"
#include "utils/syscache.h"
#include "utils/timestamp.h"
#include "utils/uuid.h"

#include "audit.h"

PG_FUNCTION_INFO_V1(audit_chain_step);
PG_FUNCTION_INFO_V1(audit_row_hash);
PG_FUNCTION_INFO_V1(audit_chains_step);
PG_FUNCTION_INFO_V1(audit_chains_final);
PG_FUNCTION_INFO_V1(audit_pending);
PG_FUNCTION_INFO_V1(audit_staged);
PG_FUNCTION_INFO_V1(audit_set_maintenance);
PG_FUNCTION_INFO_V1(audit_log_guard);

#define AUDIT_CANONICAL_PREFIX	"share_acl audit v1"
#define AUDIT_ROW_COLUMNS		12	/* id .. viewer_email */
#define SEAL_ORDERED_MAX		10000	/* up to this many rows are sealed in staging order */

/* global variables: what the current transaction left to seal */
static bool audit_pending_rows = false;
static bool audit_unresolved = false;

/*
 * The chains of the staged rows and their number, while every path that
 * staged rows said so (AuditStaged); otherwise the seal reads them from
 * audit_stage.  (Rows of a rolled-back subtransaction stay counted: the
 * seal then locks a chain it need not, or takes an id it does not use.)
 */
#define KNOWN_CHAINS_MAX		16
static bool chains_known = true;
static int	nknown_chains = 0;
static pg_uuid_t known_chains[KNOWN_CHAINS_MAX];
static int64 known_rows = 0;
static bool audit_maintenance = false;
static bool sequence_checked = false;	/* this backend's first seal checked the sequence */

/* saved plans of the seal */
static SPIPlanPtr resolve_plan = NULL;
static SPIPlanPtr chains_plan = NULL;
static SPIPlanPtr seq_plan = NULL;
static SPIPlanPtr seeds_plan = NULL;
static SPIPlanPtr seal_plan = NULL;
static SPIPlanPtr seal_bulk_plan = NULL;
static SPIPlanPtr clear_plan = NULL;

/* ---------------------------------------------------------------------------
 * The hash
 * ------------------------------------------------------------------------- */

static void
AppendField(StringInfo buf, const void *data, uint32 len)
{
	uint32		be = pg_hton32(len);

	appendStringInfoChar(buf, 1);
	appendBinaryStringInfo(buf, (const char *) &be, 4);
	appendBinaryStringInfo(buf, data, len);
}

static void
AppendInt64(StringInfo buf, int64 v)
{
	uint64		be = pg_hton64((uint64) v);

	AppendField(buf, &be, 8);
}

/*
 * The canonical content of a row whose columns id .. viewer_email are the
 * function arguments first .. first + 11 (SQL types bigint, timestamptz,
 * uuid, uuid, text, text, text, uuid, jsonb, jsonb, uuid, text).
 */
static void
CanonicalRow(FunctionCallInfo fcinfo, int first, StringInfo buf)
{
	static const Oid types[AUDIT_ROW_COLUMNS] = {
		INT8OID, TIMESTAMPTZOID, UUIDOID, UUIDOID, TEXTOID, TEXTOID, TEXTOID,
		UUIDOID, JSONBOID, JSONBOID, UUIDOID, TEXTOID
	};
	int			i;

	appendBinaryStringInfo(buf, AUDIT_CANONICAL_PREFIX, strlen(AUDIT_CANONICAL_PREFIX));
	for (i = 0; i < AUDIT_ROW_COLUMNS; i++)
	{
		int			a = first + i;

		if (PG_ARGISNULL(a))
		{
			appendStringInfoChar(buf, 0);
			continue;
		}
		switch (types[i])
		{
			case INT8OID:
				AppendInt64(buf, PG_GETARG_INT64(a));
				break;
			case TIMESTAMPTZOID:
				AppendInt64(buf, (int64) PG_GETARG_TIMESTAMPTZ(a));
				break;
			case UUIDOID:
				AppendField(buf, PG_GETARG_UUID_P(a)->data, UUID_LEN);
				break;
			case TEXTOID:
				{
					text	   *t = PG_GETARG_TEXT_PP(a);

					AppendField(buf, VARDATA_ANY(t), VARSIZE_ANY_EXHDR(t));
					break;
				}
			case JSONBOID:
				{
					Jsonb	   *jb = PG_GETARG_JSONB_P(a);

					AppendField(buf, VARDATA(jb), VARSIZE(jb) - VARHDRSZ);
					break;
				}
		}
	}
}

/* SHA-256 of prev (may be NULL: the start of a chain) followed by data. */
static bytea *
ChainHash(bytea *prev, const char *data, int len)
{
	pg_cryptohash_ctx *ctx = pg_cryptohash_create(PG_SHA256);
	bytea	   *result = palloc(VARHDRSZ + PG_SHA256_DIGEST_LENGTH);

	if (pg_cryptohash_init(ctx) < 0 ||
		(prev != NULL &&
		 pg_cryptohash_update(ctx, (uint8 *) VARDATA_ANY(prev), VARSIZE_ANY_EXHDR(prev)) < 0) ||
		pg_cryptohash_update(ctx, (const uint8 *) data, len) < 0 ||
		pg_cryptohash_final(ctx, (uint8 *) VARDATA(result), PG_SHA256_DIGEST_LENGTH) < 0)
		elog(ERROR, "could not compute the audit row hash: %s", pg_cryptohash_error(ctx));
	pg_cryptohash_free(ctx);
	SET_VARSIZE(result, VARHDRSZ + PG_SHA256_DIGEST_LENGTH);
	return result;
}

/*
 * _audit_chain_step(state bytea, seed bytea, <the 12 columns>) → bytea: the
 * transition function of the aggregate _audit_chain(seed, <columns>), whose
 * running value over the rows of a chain in id order is each row's hash.
 * The previous hash is the state, or the seed (the chain's anchor) for the
 * first row, or nothing at the start of a chain.
 */
Datum
audit_chain_step(PG_FUNCTION_ARGS)
{
	bytea	   *prev = NULL;
	StringInfoData buf;
	bytea	   *hash;

	if (PG_NARGS() != 2 + AUDIT_ROW_COLUMNS)
		elog(ERROR, "_audit_chain_step called with %d arguments", PG_NARGS());
	if (!PG_ARGISNULL(0))
		prev = PG_GETARG_BYTEA_PP(0);
	else if (!PG_ARGISNULL(1))
		prev = PG_GETARG_BYTEA_PP(1);
	initStringInfo(&buf);
	CanonicalRow(fcinfo, 2, &buf);
	hash = ChainHash(prev, buf.data, buf.len);
	pfree(buf.data);
	PG_RETURN_BYTEA_P(hash);
}

/* _audit_row_hash(prev bytea, <the 12 columns>) → bytea: one row's hash. */
Datum
audit_row_hash(PG_FUNCTION_ARGS)
{
	StringInfoData buf;
	bytea	   *hash;

	if (PG_NARGS() != 1 + AUDIT_ROW_COLUMNS)
		elog(ERROR, "_audit_row_hash called with %d arguments", PG_NARGS());
	initStringInfo(&buf);
	CanonicalRow(fcinfo, 1, &buf);
	hash = ChainHash(PG_ARGISNULL(0) ? NULL : PG_GETARG_BYTEA_PP(0), buf.data, buf.len);
	pfree(buf.data);
	PG_RETURN_BYTEA_P(hash);
}

/*
 * The state of _audit_chains(): per chain (workspace, or the nil uuid) the
 * hash of its last row so far, and the hash of the row just added.
 */
typedef struct ChainHead
{
	pg_uuid_t	chain;			/* hash key */
	bool		has_prev;
	uint8		prev[PG_SHA256_DIGEST_LENGTH];
} ChainHead;

typedef struct ChainsState
{
	HTAB	   *heads;
	bytea	   *last;
} ChainsState;

/*
 * _audit_chains_step(state internal, chains uuid[], seeds bytea[], <the 12
 * columns>) → internal: the transition function of the aggregate
 * _audit_chains(chains, seeds, <columns>), which chains rows of many chains
 * in the order it is given them (a window over the rows as they come): each
 * row's hash follows the previous row of its own chain, and for a chain's
 * first row its seed (seeds[i] for chains[i]; none when NULL or missing).
 */
Datum
audit_chains_step(PG_FUNCTION_ARGS)
{
	MemoryContext aggcontext;
	ChainsState *st;
	pg_uuid_t	key;
	ChainHead  *head;
	bool		found;
	StringInfoData buf;
	bytea	   *prev = NULL;
	bytea	   *hash;

	if (!AggCheckCallContext(fcinfo, &aggcontext))
		elog(ERROR, "_audit_chains_step called in a non-aggregate context");
	if (PG_NARGS() != 3 + AUDIT_ROW_COLUMNS)
		elog(ERROR, "_audit_chains_step called with %d arguments", PG_NARGS());
	if (PG_ARGISNULL(0))
	{
		MemoryContext old = MemoryContextSwitchTo(aggcontext);
		HASHCTL		ctl;

		st = palloc0(sizeof(ChainsState));
		ctl.keysize = sizeof(pg_uuid_t);
		ctl.entrysize = sizeof(ChainHead);
		ctl.hcxt = aggcontext;
		st->heads = hash_create("share_acl audit chains", 16, &ctl,
								HASH_ELEM | HASH_BLOBS | HASH_CONTEXT);
		st->last = palloc(VARHDRSZ + PG_SHA256_DIGEST_LENGTH);
		SET_VARSIZE(st->last, VARHDRSZ + PG_SHA256_DIGEST_LENGTH);
		if (!PG_ARGISNULL(1) && !PG_ARGISNULL(2))
		{
			ArrayType  *chains = PG_GETARG_ARRAYTYPE_P(1);
			ArrayType  *seeds = PG_GETARG_ARRAYTYPE_P(2);
			Datum	   *cv,
					   *sv;
			bool	   *cn,
					   *sn;
			int			nc,
						ns,
						i;

			deconstruct_array(chains, UUIDOID, UUID_LEN, false, TYPALIGN_CHAR, &cv, &cn, &nc);
			deconstruct_array(seeds, BYTEAOID, -1, false, TYPALIGN_INT, &sv, &sn, &ns);
			for (i = 0; i < nc && i < ns; i++)
			{
				bytea	   *seed;

				if (cn[i] || sn[i])
					continue;
				seed = DatumGetByteaPP(sv[i]);
				if (VARSIZE_ANY_EXHDR(seed) != PG_SHA256_DIGEST_LENGTH)
					continue;
				head = hash_search(st->heads, DatumGetUUIDP(cv[i]), HASH_ENTER, &found);
				head->has_prev = true;
				memcpy(head->prev, VARDATA_ANY(seed), PG_SHA256_DIGEST_LENGTH);
			}
		}
		MemoryContextSwitchTo(old);
	}
	else
		st = (ChainsState *) PG_GETARG_POINTER(0);

	memset(&key, 0, sizeof(key));
	if (!PG_ARGISNULL(5))		/* workspace_id */
		key = *PG_GETARG_UUID_P(5);
	head = hash_search(st->heads, &key, HASH_ENTER, &found);
	if (!found)
		head->has_prev = false;
	if (head->has_prev)
	{
		prev = palloc(VARHDRSZ + PG_SHA256_DIGEST_LENGTH);
		SET_VARSIZE(prev, VARHDRSZ + PG_SHA256_DIGEST_LENGTH);
		memcpy(VARDATA(prev), head->prev, PG_SHA256_DIGEST_LENGTH);
	}
	initStringInfo(&buf);
	CanonicalRow(fcinfo, 3, &buf);
	hash = ChainHash(prev, buf.data, buf.len);
	pfree(buf.data);
	head->has_prev = true;
	memcpy(head->prev, VARDATA(hash), PG_SHA256_DIGEST_LENGTH);
	memcpy(VARDATA(st->last), VARDATA(hash), PG_SHA256_DIGEST_LENGTH);
	PG_RETURN_POINTER(st);
}

/* _audit_chains_final(state internal) → bytea: the hash of the row just added. */
Datum
audit_chains_final(PG_FUNCTION_ARGS)
{
	ChainsState *st;
	bytea	   *result;

	if (PG_ARGISNULL(0))
		PG_RETURN_NULL();
	st = (ChainsState *) PG_GETARG_POINTER(0);
	result = palloc(VARSIZE(st->last));
	memcpy(result, st->last, VARSIZE(st->last));
	PG_RETURN_BYTEA_P(result);
}

/* ---------------------------------------------------------------------------
 * Rows to seal, and the append-only guard
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

/*
 * _audit_set_maintenance(on boolean) → void: let the retention function
 * delete rows it has copied into a new partition, until the end of the
 * transaction.  Executable by the extension's owner only.
 */
Datum
audit_set_maintenance(PG_FUNCTION_ARGS)
{
	audit_maintenance = !PG_ARGISNULL(0) && PG_GETARG_BOOL(0);
	PG_RETURN_VOID();
}

/*
 * Trigger on audit_log and its partitions (before UPDATE or DELETE of a row,
 * before TRUNCATE): refused for every role, the owner and superusers
 * included (2F003); only the retention function, which moves rows between
 * partitions, deletes.
 */
Datum
audit_log_guard(PG_FUNCTION_ARGS)
{
	TriggerData *trigdata = (TriggerData *) fcinfo->context;

	if (!CALLED_AS_TRIGGER(fcinfo))
		ereport(ERROR,
				(errcode(ERRCODE_E_R_I_E_TRIGGER_PROTOCOL_VIOLATED),
				 errmsg("audit_log_guard() must be called as a trigger")));
	if (audit_maintenance && TRIGGER_FIRED_BY_DELETE(trigdata->tg_event) &&
		TRIGGER_FIRED_FOR_ROW(trigdata->tg_event))
		return PointerGetDatum(trigdata->tg_trigtuple);
	ereport(ERROR,
			(errcode(ERRCODE_S_R_E_PROHIBITED_SQL_STATEMENT_ATTEMPTED),
			 errmsg("the audit log is append-only"),
			 errdetail("%s on %s is refused for every role.",
					   TRIGGER_FIRED_BY_UPDATE(trigdata->tg_event) ? "UPDATE" :
					   TRIGGER_FIRED_BY_DELETE(trigdata->tg_event) ? "DELETE" : "TRUNCATE",
					   RelationGetRelationName(trigdata->tg_relation)),
			 errhint("Old partitions are dropped by share_acl.audit_retain().")));
	PG_RETURN_NULL();			/* not reached */
}

/* ---------------------------------------------------------------------------
 * Sealing at commit
 * ------------------------------------------------------------------------- */

static SPIPlanPtr
SavedPlan(SPIPlanPtr *plan, const char *query, int nargs, Oid *argtypes)
{
	if (*plan == NULL)
	{
		/* generic: planned once per backend, not at every commit */
		SPIPlanPtr	p = SPI_prepare_cursor(query, nargs, argtypes, CURSOR_OPT_GENERIC_PLAN);

		if (p == NULL)
			elog(ERROR, "SPI_prepare failed for \"%s\": %s", query, SPI_result_code_string(SPI_result));
		SPI_keepplan(p);
		*plan = p;
	}
	return *plan;
}

/* Run a saved plan with the latest snapshot (not the transaction's). */
static int
ExecLatest(SPIPlanPtr plan, Datum *values)
{
	int			rc;

	CommandCounterIncrement();
	rc = SPI_execute_snapshot(plan, values, NULL, GetLatestSnapshot(), InvalidSnapshot,
							  false, true, 0);
	if (rc < 0)
		elog(ERROR, "audit seal statement failed: %s", SPI_result_code_string(rc));
	return rc;
}

typedef struct ChainLock
{
	uint32		objid;
	uint16		subid;
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
 * The owner of share_acl.audit_log (the role audit rows are written as),
 * and the OID of audit_chain into *chain_rel; InvalidOid when the audit
 * tables are not there (the extension was dropped in this transaction).
 */
Oid
AuditLogOwner(Oid *chain_rel)
{
	Oid			nsp = get_namespace_oid("share_acl", true);
	Oid			log_rel;
	HeapTuple	tup;
	Oid			owner;

	if (!OidIsValid(nsp))
		return InvalidOid;
	log_rel = get_relname_relid("audit_log", nsp);
	*chain_rel = get_relname_relid("audit_chain", nsp);
	if (!OidIsValid(log_rel) || !OidIsValid(*chain_rel) ||
		!OidIsValid(get_relname_relid("audit_stage", nsp)))
		return InvalidOid;
	tup = SearchSysCache1(RELOID, ObjectIdGetDatum(log_rel));
	if (!HeapTupleIsValid(tup))
		return InvalidOid;
	owner = ((Form_pg_class) GETSTRUCT(tup))->relowner;
	ReleaseSysCache(tup);
	return owner;
}

/*
 * Move the transaction's staged rows into audit_log, chained (see the top of
 * this file).  Runs as the owner of audit_log in a restricted security
 * context, with every name schema-qualified.
 */
static void
AuditSeal(void)
{
	Oid			chain_rel;
	Oid			owner = AuditLogOwner(&chain_rel);
	Oid			save_userid;
	int			save_sec_context;
	ChainLock  *locks;
	uint64		n,
				i,
				rows = 0;
	Datum	   *ids;
	Datum	   *chains;
	Oid			seq;
	Oid			uuid_array_type = UUIDARRAYOID;
	TimestampTz at;
	Datum		values[4];
	char		nulls[4] = {' ', ' ', ' ', ' '};
	bool		nulls_seed[2];
	SPIPlanPtr	plan;
	Oid			argtypes[4] = {TIMESTAMPTZOID, INT8ARRAYOID, UUIDARRAYOID, BYTEAARRAYOID};
	bool		known;			/* the chains and row count are as the staging paths said */

	if (!OidIsValid(owner))
		return;					/* the extension was dropped in this transaction */

	GetUserIdAndSecContext(&save_userid, &save_sec_context);
	SetUserIdAndSecContext(owner, save_sec_context | SECURITY_LOCAL_USERID_CHANGE |
						   SECURITY_RESTRICTED_OPERATION);
	if (SPI_connect() != SPI_OK_CONNECT)
		elog(ERROR, "SPI_connect failed");

	/*
	 * Rows deleted by a cascade (the shares of a deleted resource, ...) whose
	 * workspace their trigger could no longer read take it from the row of
	 * the object they referred to, deleted in this transaction too (twice:
	 * a link's view, the link, its resource).
	 */
	if (audit_unresolved)
	{
		SavedPlan(&resolve_plan,
				  "UPDATE share_acl.audit_stage s SET workspace_id = x.workspace_id"
				  "  FROM (SELECT DISTINCT t.object_type, t.object_id, t.workspace_id"
				  "          FROM share_acl.audit_stage t"
				  "         WHERE t.txid OPERATOR(pg_catalog.=) pg_catalog.pg_current_xact_id()"
				  "           AND t.workspace_id IS NOT NULL AND t.object_id IS NOT NULL"
				  "           AND t.object_type OPERATOR(pg_catalog.=) ANY ('{resource,link,principal}')) x"
				  " WHERE s.txid OPERATOR(pg_catalog.=) pg_catalog.pg_current_xact_id()"
				  "   AND s.workspace_id IS NULL AND s.ref_type OPERATOR(pg_catalog.=) x.object_type"
				  "   AND s.ref_id OPERATOR(pg_catalog.=) x.object_id",
				  0, NULL);
		ExecLatest(resolve_plan, NULL);
		ExecLatest(resolve_plan, NULL);
	}

	/*
	 * The chains this transaction writes to and their rows, locked in one
	 * order: as the paths that staged them said, or read from audit_stage
	 * when one did not (or the workspaces were resolved above).
	 */
	known = chains_known && !audit_unresolved;
	if (known)
		n = nknown_chains;
	else
	{
		SavedPlan(&chains_plan,
				  "SELECT coalesce(s.workspace_id, '00000000-0000-0000-0000-000000000000'::pg_catalog.uuid),"
				  "       pg_catalog.count(*)"
				  "  FROM share_acl.audit_stage s"
				  " WHERE s.txid OPERATOR(pg_catalog.=) pg_catalog.pg_current_xact_id() GROUP BY 1",
				  0, NULL);
		if (ExecLatest(chains_plan, NULL) != SPI_OK_SELECT)
			elog(ERROR, "could not list the audit chains to seal");
		n = SPI_processed;
	}
	if (n == 0)
	{
		SPI_finish();
		SetUserIdAndSecContext(save_userid, save_sec_context);
		return;
	}
	locks = palloc(n * sizeof(ChainLock));
	chains = palloc(n * sizeof(Datum));
	for (i = 0; i < n; i++)
	{
		bool		isnull;
		const pg_uuid_t *ws;
		pg_uuid_t  *copy = palloc(sizeof(pg_uuid_t));

		if (known)
			ws = &known_chains[i];
		else
		{
			ws = DatumGetUUIDP(SPI_getbinval(SPI_tuptable->vals[i], SPI_tuptable->tupdesc, 1, &isnull));
			rows += DatumGetInt64(SPI_getbinval(SPI_tuptable->vals[i], SPI_tuptable->tupdesc, 2,
												&isnull));
		}
		memcpy(copy, ws, sizeof(pg_uuid_t));
		chains[i] = UUIDPGetDatum(copy);
		memcpy(&locks[i].objid, ws->data, 4);
		memcpy(&locks[i].subid, ws->data + 4, 2);
	}
	if (known)
		rows = known_rows;
	qsort(locks, n, sizeof(ChainLock), ChainLockCmp);
	for (i = 0; i < n; i++)
	{
		LOCKTAG		tag;

		if (i > 0 && ChainLockCmp(&locks[i], &locks[i - 1]) == 0)
			continue;
		SET_LOCKTAG_OBJECT(tag, MyDatabaseId, chain_rel, locks[i].objid, locks[i].subid);
		(void) LockAcquire(&tag, ExclusiveLock, false, false);
	}

	/*
	 * The ids, taken from the sequence now that the chains are locked (so
	 * they grow along each chain); one time for all rows, not before any
	 * chain's last row.
	 */
	ids = palloc(rows * sizeof(Datum));
	seq = get_relname_relid("audit_log_id_seq", get_namespace_oid("share_acl", false));
	if (!OidIsValid(seq))
		elog(ERROR, "share_acl.audit_log_id_seq does not exist");

	/*
	 * The sequence must be past every id in the log.  It is not when a plain
	 * restore (one COPY per table, the sequence's value last) has audited the
	 * model rows it restores: those rows then took ids from a fresh sequence,
	 * and the sequence was set back afterwards.  Checked at a backend's first
	 * seal (a restore's own session seals before it sets the sequence back).
	 */
	if (!sequence_checked)
	{
		SavedPlan(&seq_plan,
				  "SELECT pg_catalog.setval('share_acl.audit_log_id_seq'::pg_catalog.regclass, x.m)"
				  "  FROM (SELECT pg_catalog.max(l.id) AS m FROM share_acl.audit_log l) x,"
				  "       share_acl.audit_log_id_seq s"
				  " WHERE x.m OPERATOR(pg_catalog.>=) s.last_value",
				  0, NULL);
		ExecLatest(seq_plan, NULL);
		sequence_checked = true;
	}
	for (i = 0; i < rows; i++)
		ids[i] = Int64GetDatum(nextval_internal(seq, false));
	/* the chains' heads: their last time (no row before it) and hash (or anchor) */
	SavedPlan(&seeds_plan,
			  "SELECT pg_catalog.max(c.last_at), pg_catalog.array_agg(c.workspace_id),"
			  "       pg_catalog.array_agg(coalesce(c.last_hash, c.anchor_hash))"
			  "  FROM share_acl.audit_chain c WHERE c.workspace_id OPERATOR(pg_catalog.=) ANY ($1)",
			  1, &uuid_array_type);
	at = GetCurrentTimestamp();
	values[0] = PointerGetDatum(construct_array(chains, (int) n, UUIDOID, UUID_LEN, false, TYPALIGN_CHAR));
	if (ExecLatest(seeds_plan, values) != SPI_OK_SELECT || SPI_processed != 1)
		elog(ERROR, "could not read the heads of the audit chains");
	{
		bool		isnull;
		Datum		last = SPI_getbinval(SPI_tuptable->vals[0], SPI_tuptable->tupdesc, 1, &isnull);

		if (!isnull && DatumGetTimestampTz(last) > at)
			at = DatumGetTimestampTz(last);
	}
	values[2] = SPI_getbinval(SPI_tuptable->vals[0], SPI_tuptable->tupdesc, 2, &nulls_seed[0]);
	values[3] = SPI_getbinval(SPI_tuptable->vals[0], SPI_tuptable->tupdesc, 3, &nulls_seed[1]);
	nulls[2] = nulls_seed[0] ? 'n' : ' ';
	nulls[3] = nulls_seed[1] ? 'n' : ' ';

	/*
	 * Rows with their ids, in staging order (a few, taken out of audit_stage
	 * by the same statement), or for a bulk load in storage order (no sort of
	 * the whole load, deleted from audit_stage after); the hashes by one pass
	 * of _audit_chains over them, seeded with each chain's head (or anchor);
	 * then the heads.
	 */
#define SEAL_QUERY(source, order) \
			  "WITH " source " ins AS (" \
			  "  INSERT INTO share_acl.audit_log (id, at, workspace_id, actor_id, db_role, action, object_type," \
			  "                                  object_id, old, new, link_id, viewer_email, hash)" \
			  "  SELECT x.id, $1, x.workspace_id, x.actor_id, x.db_role, x.action, x.object_type, x.object_id," \
			  "         x.old, x.new, x.link_id, x.viewer_email," \
			  "         share_acl._audit_chains($3, $4, x.id, $1, x.workspace_id, x.actor_id, x.db_role, x.action," \
			  "                                 x.object_type, x.object_id, x.old, x.new, x.link_id, x.viewer_email)" \
			  "           OVER (ROWS UNBOUNDED PRECEDING)" \
			  "    FROM (SELECT $2[pg_catalog.row_number() OVER ()] AS id, v.*" \
			  "            FROM (SELECT w.* FROM " order " OFFSET 0) v) x" \
			  "  RETURNING id, hash," \
			  "         coalesce(workspace_id, '00000000-0000-0000-0000-000000000000'::pg_catalog.uuid) AS chain" \
			  ")" \
			  "INSERT INTO share_acl.audit_chain AS h (workspace_id, last_id, last_at, last_hash)" \
			  "SELECT i.chain, i.id, $1, i.hash FROM ins i" \
			  " WHERE (i.chain, i.id) IN (SELECT j.chain, pg_catalog.max(j.id) FROM ins j GROUP BY j.chain) " \
			  "ON CONFLICT (workspace_id) DO UPDATE" \
			  "   SET last_id = excluded.last_id, last_at = excluded.last_at, last_hash = excluded.last_hash"
#define STAGED_ROWS \
			  "share_acl.audit_stage w WHERE w.txid OPERATOR(pg_catalog.=) pg_catalog.pg_current_xact_id()"
	if (rows <= SEAL_ORDERED_MAX)
		plan = SavedPlan(&seal_plan,
						 SEAL_QUERY("staged AS (DELETE FROM " STAGED_ROWS " RETURNING w.*),",
									"staged w ORDER BY w.seq"),
						 4, argtypes);
	else
		plan = SavedPlan(&seal_bulk_plan, SEAL_QUERY("", STAGED_ROWS), 4, argtypes);
	values[0] = TimestampTzGetDatum(at);
	values[1] = PointerGetDatum(construct_array(ids, (int) rows, INT8OID, 8, FLOAT8PASSBYVAL, TYPALIGN_DOUBLE));
	CommandCounterIncrement();
	if (SPI_execute_snapshot(plan, values, nulls, GetLatestSnapshot(), InvalidSnapshot, false, true, 0) < 0)
		elog(ERROR, "could not seal the audit rows");
	if (rows > SEAL_ORDERED_MAX)
	{
		SavedPlan(&clear_plan,
				  "DELETE FROM share_acl.audit_stage s"
				  " WHERE s.txid OPERATOR(pg_catalog.=) pg_catalog.pg_current_xact_id()", 0, NULL);
		ExecLatest(clear_plan, NULL);
	}

	SPI_finish();
	SetUserIdAndSecContext(save_userid, save_sec_context);
}

static void
AuditForget(void)
{
	audit_pending_rows = false;
	audit_unresolved = false;
	audit_maintenance = false;
	chains_known = true;
	nknown_chains = 0;
	known_rows = 0;
}

static void
AuditXactCallback(XactEvent event, void *arg)
{
	switch (event)
	{
		case XACT_EVENT_PRE_COMMIT:
		case XACT_EVENT_PRE_PREPARE:
			if (audit_pending_rows)
			{
				PushActiveSnapshot(GetTransactionSnapshot());
				AuditSeal();
				PopActiveSnapshot();
				audit_pending_rows = false;
				audit_unresolved = false;
			}
			break;
		case XACT_EVENT_COMMIT:
		case XACT_EVENT_ABORT:
		case XACT_EVENT_PREPARE:
		case XACT_EVENT_PARALLEL_COMMIT:
		case XACT_EVENT_PARALLEL_ABORT:
			AuditForget();
			break;
		case XACT_EVENT_PARALLEL_PRE_COMMIT:
			break;
	}
}

void
AuditInit(void)
{
	RegisterXactCallback(AuditXactCallback, NULL);
}
