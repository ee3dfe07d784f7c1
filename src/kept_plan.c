/*
 * kept_plan.c — SPI statements prepared once per backend and kept: what the
 * C code runs at every call (the management functions, notifications, the
 * audit seal, the change log).  A kept plan is prepared again once the
 * model's catalog facts have changed (the extension dropped and created
 * again): its argument types or relations may then be others.  Needs an SPI
 * connection.
 */
#include "postgres.h"

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
