/*
 * kept_plan.h — SPI statements prepared once per backend and kept, owned by
 * kept_plan.c.
 */
#ifndef SHARE_ACL_KEPT_PLAN_H
#define SHARE_ACL_KEPT_PLAN_H

#include "postgres.h"

#include "executor/spi.h"
#include "utils/uuid.h"

typedef struct KeptPlan
{
	SPIPlanPtr	plan;
	uint64		generation;		/* the catalog generation it was prepared in */
} KeptPlan;

/*
 * A statement's text and its parameters' types, one letter per parameter:
 * u uuid, t text, b boolean, i bigint, z timestamptz, P share_acl.permset,
 * K share_acl.resource_kind.
 */
typedef struct KeptStatement
{
	const char *query;
	const char *params;
} KeptStatement;

extern SPIPlanPtr KeptPlanGet(KeptPlan *kept, const char *query, int nargs, const Oid *argtypes,
							  int cursor_options);
extern void KeptStatementTypes(const KeptStatement *st, Oid *types);
extern SPIPlanPtr KeptStatementPlan(KeptPlan *kept, const KeptStatement *st);
extern bool KeptStatementRun(KeptPlan *kept, const KeptStatement *st, Datum *values,
							 const char *nulls, int expected);
extern Datum KeptStatementColumn(int n, bool *isnull);
extern bool KeptStatementUuid(int n, pg_uuid_t *out);

#endif							/* SHARE_ACL_KEPT_PLAN_H */
