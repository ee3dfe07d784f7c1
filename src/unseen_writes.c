/*
 * unseen_writes.c — for the management functions that read a workspace's
 * policies in REPEATABLE READ or SERIALIZABLE: a serialization failure
 * (40001) when a write that this transaction's snapshot cannot see would
 * change what they decide (the policies changed, a link or share made
 * meanwhile).  Their checks read the latest committed state (R13); these
 * say when what the transaction's own statements read is older than that.
 * Nothing in READ COMMITTED, whose statements read the latest.
 */
#include "postgres.h"

#include "access/htup_details.h"
#include "access/multixact.h"
#include "access/transam.h"
#include "access/xact.h"
#include "catalog/pg_type.h"
#include "fmgr.h"
#include "utils/array.h"
#include "utils/snapmgr.h"
#include "utils/uuid.h"

#include "authorize.h"
#include "catalog.h"
#include "invalidation.h"

PG_FUNCTION_INFO_V1(policies_current);
PG_FUNCTION_INFO_V1(policies_unheld);
PG_FUNCTION_INFO_V1(exposure_unseen);

/* Where the workspace row a snapshot sees is (invalid: none). */
static void
RowPlace(TupleDesc desc, HeapTuple tup, void *arg)
{
	*(ItemPointerData *) arg = tup->t_self;
}

/*
 * _policies_current(workspace uuid) → void: in REPEATABLE READ and
 * SERIALIZABLE, 40001 when the workspace's row (its policies, or its name:
 * the row lock _get_policies takes next would fail on a renamed row all the
 * same) is not the version this transaction's snapshot sees: changed by a
 * transaction that
 * committed since, whose other changes the checks (which read the latest)
 * may count.  Takes no lock: a change in flight commits after this call,
 * as if made after it.  Nothing in READ COMMITTED.
 */
Datum
policies_current(PG_FUNCTION_ARGS)
{
	pg_uuid_t  *ws = PG_GETARG_UUID_P(0);
	ItemPointerData seen,
				latest;
	Snapshot	snap;
	bool		transient;

	if (!IsolationUsesXactSnapshot())
		PG_RETURN_VOID();
	CatalogLookup();
	ItemPointerSetInvalid(&seen);
	ItemPointerSetInvalid(&latest);
	snap = RegisterSnapshot(GetTransactionSnapshot());
	IndexScanEqual(MT_WORKSPACE, MT_WORKSPACE_PKEY, catalog.ws_id, ws, snap, RowPlace, &seen);
	UnregisterSnapshot(snap);
	snap = ReadSnapshot(&transient);
	IndexScanEqual(MT_WORKSPACE, MT_WORKSPACE_PKEY, catalog.ws_id, ws, snap, RowPlace, &latest);
	UnregisterSnapshot(snap);
	if (!ItemPointerEquals(&seen, &latest))
		ereport(ERROR,
				(errcode(ERRCODE_T_R_SERIALIZATION_FAILURE),
				 errmsg("could not serialize access: the policies or the name of workspace %s changed after this transaction began",
						UuidText(ws)),
				 errhint("Retry the transaction.")));
	PG_RETURN_VOID();
}

/* Did a transaction that snap does not see as finished hold the row (FOR SHARE)? */
typedef struct Holders
{
	Snapshot	snap;
	bool		unseen;
} Holders;

/*
 * Is xid another transaction that snap does not see as finished, and that
 * has not aborted (an aborted one made nothing: e.g. this transaction's own
 * subtransaction that locked the row and was rolled back)?
 */
static bool
HolderUnseen(TransactionId xid, Snapshot snap)
{
	return !TransactionIdIsCurrentTransactionId(xid) && XidInMVCCSnapshot(xid, snap) &&
		!TransactionIdDidAbort(xid);
}

/*
 * Start a search for what the transaction's snapshot does not see: that
 * snapshot in h, and the latest snapshot to scan with (UnseenEnd releases
 * both).
 */
static Snapshot
UnseenBegin(Holders *h)
{
	bool		transient;

	CatalogLookup();
	h->snap = RegisterSnapshot(GetTransactionSnapshot());
	h->unseen = false;
	return ReadSnapshot(&transient);
}

static void
UnseenEnd(Holders *h, Snapshot latest)
{
	UnregisterSnapshot(latest);
	UnregisterSnapshot(h->snap);
}

static void
RowHolders(TupleDesc desc, HeapTuple tup, void *arg)
{
	Holders    *h = (Holders *) arg;
	HeapTupleHeader t = tup->t_data;
	TransactionId xmax = HeapTupleHeaderGetRawXmax(t);

	if ((t->t_infomask & HEAP_XMAX_INVALID) || !HEAP_XMAX_IS_LOCKED_ONLY(t->t_infomask))
		return;
	if (t->t_infomask & HEAP_XMAX_IS_MULTI)
	{
		MultiXactMember *members;
		int			n = GetMultiXactIdMembers(xmax, &members, false, true);

		for (int i = 0; i < n; i++)
			h->unseen |= HolderUnseen(members[i].xid, h->snap);
		if (n > 0)
			pfree(members);
	}
	else
		h->unseen |= HolderUnseen(xmax, h->snap);
}

/*
 * _policies_unheld(workspace uuid) → void: in REPEATABLE READ and
 * SERIALIZABLE, 40001 when a transaction this one's snapshot does not see
 * as finished held the workspace's row (_get_policies, a share that may
 * reach an outsider): it may have made a link or such a share that this
 * transaction cannot see, and that a filing under allow_external_sharing =
 * false must count (set_workspace_policy turning it false).  The row's
 * holders still running, or finished so recently that no reader has marked
 * them so (a hint bit then forgets them): a later filing asks the rows
 * themselves (_exposure_unseen).  Nothing in READ COMMITTED, whose
 * statements read the latest.
 */
Datum
policies_unheld(PG_FUNCTION_ARGS)
{
	pg_uuid_t  *ws = PG_GETARG_UUID_P(0);
	Holders		h;
	Snapshot	latest;

	if (!IsolationUsesXactSnapshot())
		PG_RETURN_VOID();
	latest = UnseenBegin(&h);
	IndexScanEqual(MT_WORKSPACE, MT_WORKSPACE_PKEY, catalog.ws_id, ws, latest, RowHolders, &h);
	UnseenEnd(&h, latest);
	if (h.unseen)
		ereport(ERROR,
				(errcode(ERRCODE_T_R_SERIALIZATION_FAILURE),
				 errmsg("could not serialize access: a share link or share of workspace %s may have been made after this transaction began",
						UuidText(ws)),
				 errhint("Retry the transaction.")));
	PG_RETURN_VOID();
}

/* A row version the latest snapshot sees, made by a transaction snap does not see. */
static void
RowUnseen(TupleDesc desc, HeapTuple tup, void *arg)
{
	Holders    *h = (Holders *) arg;

	h->unseen |= HolderUnseen(HeapTupleHeaderGetXmin(tup->t_data), h->snap);
}

/*
 * _exposure_unseen(resources uuid[]) → void: in REPEATABLE READ and
 * SERIALIZABLE, 40001 when a share link, share or reviewer row on one of
 * the resources was written by a transaction this one's snapshot does not
 * see (_exposure_check would not count it: a link made while
 * allow_external_sharing was true, committed before the policy turned false
 * but after this transaction began).  Nothing in READ COMMITTED.
 */
Datum
exposure_unseen(PG_FUNCTION_ARGS)
{
	ArrayType  *resources = PG_GETARG_ARRAYTYPE_P(0);
	Datum	   *ids;
	bool	   *nulls;
	int			n;
	Holders		h;
	Snapshot	snap;

	if (!IsolationUsesXactSnapshot())
		PG_RETURN_VOID();
	deconstruct_array(resources, UUIDOID, UUID_LEN, false, TYPALIGN_CHAR, &ids, &nulls, &n);
	snap = UnseenBegin(&h);
	for (int i = 0; i < n && !h.unseen; i++)
	{
		const pg_uuid_t *id = DatumGetUUIDP(ids[i]);

		if (nulls[i])
			continue;
		IndexScanEqual(MT_LINK, MT_LINK_BY_RESOURCE, catalog.l_resource, id, snap, RowUnseen, &h);
		IndexScanEqual(MT_SHARE, MT_SHARE_BY_RESOURCE, catalog.s_resource, id, snap, RowUnseen, &h);
		IndexScanEqual(MT_REVIEW_REVIEWER, MT_REVIEW_REVIEWER_BY_RESOURCE, catalog.rr_resource, id, snap,
					   RowUnseen, &h);
	}
	UnseenEnd(&h, snap);
	if (h.unseen)
		ereport(ERROR,
				(errcode(ERRCODE_T_R_SERIALIZATION_FAILURE),
				 errmsg("could not serialize access: a share link or share that this transaction cannot see reaches the resource's new ancestors"),
				 errhint("Retry the transaction.")));
	PG_RETURN_VOID();
}
