/*
 * kept_plan.c — SPI statements prepared once per backend and kept: what the
 * C code runs at every call (the management functions, notifications, the
 * audit seal, the change log).  A kept plan is prepared again once the
 * model's catalog facts have changed (the extension dropped and created
 * again): its argument types or relations may then be others.  Needs an SPI
 * connection.
 */
#include "postgres.h"

#include "access/xact.h"
#include "catalog/pg_type.h"

#include "utils/uuid.h"

#include "catalog.h"
#include "kept_plan.h"

SPIPlanPtr
KeptPlanGet(KeptPlan *kept, const char *query, int nargs, const Oid *argtypes, int cursor_options)
{
	if (kept->plan != NULL && kept->generation != CatalogGeneration())
	{
		SPI_freeplan(kept->plan);
		kept->plan = NULL;
	}
	if (kept->plan == NULL)
	{
		SPIPlanPtr	p = SPI_prepare_cursor(query, nargs, (Oid *) argtypes, cursor_options);

		if (p == NULL)
			elog(ERROR, "SPI_prepare failed for \"%s\": %s", query, SPI_result_code_string(SPI_result));
		SPI_keepplan(p);
		kept->plan = p;
		kept->generation = CatalogGeneration();
	}
	return kept->plan;
}

/* The types of a statement's parameters, by their letters (types: one per letter). */
void
KeptStatementTypes(const KeptStatement *st, Oid *types)
{
	int			nargs = strlen(st->params);
	int			i;

	Assert(nargs <= FUNC_MAX_ARGS);
	CatalogLookup();
	for (i = 0; i < nargs; i++)
		switch (st->params[i])
		{
			case 'u':
				types[i] = UUIDOID;
				break;
			case 't':
				types[i] = TEXTOID;
				break;
			case 'b':
				types[i] = BOOLOID;
				break;
			case 'i':
				types[i] = INT8OID;
				break;
			case 'z':
				types[i] = TIMESTAMPTZOID;
				break;
			case 'P':
				types[i] = catalog.permset_type;
				break;
			case 'K':
				types[i] = catalog.resource_kind_type;
				break;
			default:
				elog(ERROR, "unknown parameter type '%c'", st->params[i]);
		}
}

/* The kept generic plan of a statement (its parameters' types by letter). */
SPIPlanPtr
KeptStatementPlan(KeptPlan *kept, const KeptStatement *st)
{
	Oid			types[FUNC_MAX_ARGS];

	CatalogLookup();
	if (kept->plan != NULL && kept->generation == CatalogGeneration())
		return kept->plan;		/* (its argument types need not be looked up) */
	KeptStatementTypes(st, types);
	return KeptPlanGet(kept, st->query, strlen(st->params), types, CURSOR_OPT_GENERIC_PLAN);
}

/*
 * Run a kept statement that returns at most one row (SPI_OK_* expected);
 * true when it returned one.  Its changes are then visible to what follows
 * (the engine reads the latest snapshot), as after a PL/pgSQL statement.
 */
bool
KeptStatementRun(KeptPlan *kept, const KeptStatement *st, Datum *values, const char *nulls,
				 int expected)
{
	int			rc = SPI_execute_plan(KeptStatementPlan(kept, st), values, nulls, false, 0);

	if (rc != expected)
		elog(ERROR, "share_acl statement failed: %s", SPI_result_code_string(rc));
	CommandCounterIncrement();
	return SPI_processed == 1;
}

/* Column n (from 1) of the row the last KeptStatementRun returned. */
Datum
KeptStatementColumn(int n, bool *isnull)
{
	return SPI_getbinval(SPI_tuptable->vals[0], SPI_tuptable->tupdesc, n, isnull);
}

/* Column n (a uuid) of that row into *out; false when it is NULL. */
bool
KeptStatementUuid(int n, pg_uuid_t *out)
{
	bool		isnull;
	Datum		d = KeptStatementColumn(n, &isnull);

	if (!isnull)
		*out = *DatumGetUUIDP(d);
	return !isnull;
}
