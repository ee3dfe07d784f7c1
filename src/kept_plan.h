/*
 * kept_plan.h — SPI statements prepared once per backend and kept, owned by
 * kept_plan.c.
 */
#ifndef SHARE_ACL_KEPT_PLAN_H
#define SHARE_ACL_KEPT_PLAN_H

#include "postgres.h"

#include "executor/spi.h"

/* A statement's kept plan: NULL until first used. */
typedef struct KeptPlan
{
	SPIPlanPtr	plan;
	uint64		generation;		/* the catalog generation it was prepared in */
} KeptPlan;

extern SPIPlanPtr KeptPlanGet(KeptPlan *kept, const char *query, int nargs, const Oid *argtypes,
							  int cursor_options);

#endif							/* SHARE_ACL_KEPT_PLAN_H */
