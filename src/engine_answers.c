/*
 * engine_answers.c — what the PL/pgSQL management functions ask the engine
 * (engine.h): membership of a team, a role, the member_edit_own_only cap, an
 * outsider among a team's members, the room left for depth.  Each answers
 * as every check does: by the latest committed state and the transaction's
 * own changes.
 */
#include "postgres.h"

#include "fmgr.h"
#include "utils/builtins.h"
#include "utils/uuid.h"

#include "authorize.h"
#include "catalog.h"
#include "engine.h"
#include "principals.h"

PG_FUNCTION_INFO_V1(in_team);
PG_FUNCTION_INFO_V1(role_now);
PG_FUNCTION_INFO_V1(edit_own_only_now);
PG_FUNCTION_INFO_V1(outsider_in);
PG_FUNCTION_INFO_V1(depth_room);

/* _in_team(principal uuid, team uuid) → boolean: is the principal in teams(team)? */
Datum
in_team(PG_FUNCTION_ARGS)
{
	PG_RETURN_BOOL(EngineInTeam(PG_GETARG_UUID_P(0), PG_GETARG_UUID_P(1)));
}

/*
 * _role_now(workspace uuid, principal uuid) → text: the principal's role as
 * every check sees it (latest committed, also in REPEATABLE READ), or NULL.
 */
Datum
role_now(PG_FUNCTION_ARGS)
{
	WorkspaceRole role = EngineRoleIn(PG_GETARG_UUID_P(1), PG_GETARG_UUID_P(0));

	if (role < ROLE_OWNER || role >= ROLE_UNKNOWN)
		PG_RETURN_NULL();
	PG_RETURN_TEXT_P(cstring_to_text(role_labels[role]));
}

/*
 * _edit_own_only_now(principal uuid, resource uuid) → boolean: does
 * member_edit_own_only cap the principal at the resource (R9), as every
 * check sees it?
 */
Datum
edit_own_only_now(PG_FUNCTION_ARGS)
{
	PG_RETURN_BOOL(EngineMemberEditOwnOnly(PG_GETARG_UUID_P(0), PG_GETARG_UUID_P(1)));
}

/* _outsider_in(p uuid, ws uuid) → uuid: see OutsiderIn (principals.c). */
Datum
outsider_in(PG_FUNCTION_ARGS)
{
	pg_uuid_t  *outsider = OutsiderIn(PG_GETARG_UUID_P(0), PG_GETARG_UUID_P(1));

	if (outsider == NULL)
		PG_RETURN_NULL();
	PG_RETURN_UUID_P(outsider);
}

/*
 * _depth_room(above uuid) → integer: how many levels may be below a new
 * child of above (NULL: below a top-level resource) within the limit on the
 * depth of resources; negative when that child itself would be too deep.
 * For move_resource and add_to_collection (_depth_check), which measure
 * what is below the resource they move.
 */
Datum
depth_room(PG_FUNCTION_ARGS)
{
	PG_RETURN_INT32(EngineDepthRoom(ARG_UUID_OR_NULL(0)));
}
