/*
 * cache_stats.c — share_acl.cache_stats(): what this backend's caches hold
 * and how they were kept up to date, for operators.
 */
#include "postgres.h"

#include "fmgr.h"
#include "funcapi.h"
#include "utils/builtins.h"

#include "principals.h"
#include "structure.h"
#include "workspaces.h"

PG_FUNCTION_INFO_V1(cache_stats);

/*
 * cache_stats() → (mode text, structure text, resources bigint,
 *   private_bytes bigint, shared_bytes bigint, generation bigint,
 *   full_loads bigint, delta_batches bigint, deltas_applied bigint,
 *   principals text, contexts_built bigint, workspaces text,
 *   workspace_reads bigint)
 */
Datum
cache_stats(PG_FUNCTION_ARGS)
{
	TupleDesc	desc;
	StructureStats st;
	Datum		values[13];
	bool		nulls[13] = {0};

	if (get_call_result_type(fcinfo, NULL, &desc) != TYPEFUNC_COMPOSITE)
		ereport(ERROR,
				(errcode(ERRCODE_FEATURE_NOT_SUPPORTED),
				 errmsg("function returning record called in context that cannot accept type record")));
	StructureGetStats(&st);
	values[0] = CStringGetTextDatum(st.shared ? "shared" : "backend");
	values[1] = CStringGetTextDatum(st.state);
	values[2] = Int64GetDatum(st.nodes);
	values[3] = Int64GetDatum((int64) (st.bytes + WorkspacesMemory() + PrincipalsMemory()));
	values[4] = Int64GetDatum((int64) (st.shared_bytes + PrincipalsSharedBytes() + WorkspacesSharedBytes()));
	values[5] = Int64GetDatum((int64) st.generation);
	values[6] = Int64GetDatum((int64) st.full_loads);
	values[7] = Int64GetDatum((int64) st.delta_batches);
	values[8] = Int64GetDatum((int64) st.deltas_applied);
	values[9] = CStringGetTextDatum(PrincipalsMode());
	values[10] = Int64GetDatum((int64) PrincipalsContextsBuilt());
	values[11] = CStringGetTextDatum(WorkspacesMode());
	values[12] = Int64GetDatum((int64) WorkspacesTableReads());
	PG_RETURN_DATUM(HeapTupleGetDatum(heap_form_tuple(BlessTupleDesc(desc), values, nulls)));
}
