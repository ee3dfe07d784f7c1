/*
 * definer_frames.c — whose code is running between the session's role and
 * share_acl: the SECURITY DEFINER functions (and functions with SET
 * clauses) that are executing, counted through PostgreSQL's function-manager
 * hook, and whether any of them runs as a role that is not a trusted
 * administrator.
 *
 * context.c's trusted-administrator test asks about the role that called
 * from outside every SECURITY DEFINER function, since share_acl's own
 * management functions are SECURITY DEFINER and run as the extension's
 * owner.  Another role's SECURITY DEFINER function runs with that role's
 * rights in PostgreSQL, whoever calls it; so while such a function of a role
 * that is not a trusted administrator is executing (however deep), nothing
 * it calls is an administrator's call, even when a trusted administrator
 * called it.  Nor is a function entered inside a foreign key's action (a
 * cascade runs as the table's owner, whom the function-manager hook does not
 * see).
 *
 * The hook sees the functions that start after the library is loaded: with
 * share_acl in shared_preload_libraries (or session_preload_libraries),
 * every one.  Loaded later in a backend by a call made inside a user change
 * (some SECURITY DEFINER function running), the functions entered before
 * are unseen: an administrator's call made meanwhile is trusted, and when a
 * function then ends back in code of a role that is not trusted, that is an
 * error, which undoes what was done in it (the transaction's or the
 * caller's subtransaction's abort).  Loaded inside a foreign key's action,
 * whose role is unknown, nothing in that transaction is an administrator's
 * call.
 */
#include "postgres.h"

#include "access/xact.h"
#include "fmgr.h"
#include "miscadmin.h"
#include "utils/acl.h"
#include "utils/inval.h"
#include "utils/memutils.h"
#include "utils/syscache.h"

#include "definer_frames.h"

static fmgr_hook_type prev_fmgr_hook = NULL;

/*
 * The executing frames the hook saw start, innermost last (they end in the
 * reverse order: each is a C call of fmgr_security_definer), each noted
 * untrusted or not; and how many are untrusted.
 */
static bool *frame_untrusted = NULL;
static int	frame_depth = 0;
static int	frame_room = 0;
static int	untrusted_frames = 0;
/* in the transaction the library was loaded in, inside a user change: */
static bool frames_unseen = false;	/* ... functions entered before may be running */
static bool trusted_while_unseen = false;	/* ... and an administrator's call was made */
static bool loaded_in_fk_action = false;	/* ... inside a foreign key's action */

/* the last role asked about, until a role or membership changes */
static Oid	trusted_role = InvalidOid;
static bool trusted_answer = false;

static void
RolesChanged(Datum arg, int cacheid, uint32 hashvalue)
{
	trusted_role = InvalidOid;
}

/* Is role a trusted administrator: a superuser or a member of share_acl_admin? */
bool
RoleIsTrusted(Oid role)
{
	Oid			admin;

	if (OidIsValid(trusted_role) && role == trusted_role)
		return trusted_answer;
	admin = get_role_oid("share_acl_admin", true);
	trusted_answer = superuser_arg(role) || (OidIsValid(admin) && has_privs_of_role(role, admin));
	trusted_role = role;
	return trusted_answer;
}

/*
 * Does code of a role that is not a trusted administrator run between the
 * session's role and here (or may it, as far as this backend can tell)?
 */
bool
DefinerFramesUntrusted(void)
{
	return untrusted_frames > 0 || loaded_in_fk_action;
}

/*
 * An administrator's call is being made: while functions entered before the
 * library was loaded may be running, the callers of the functions that end
 * from now on are checked (CallerCheckedAfterUnseen).
 */
void
DefinerFramesNoteTrust(void)
{
	if (frames_unseen)
		trusted_while_unseen = true;
}

/*
 * A function has ended, and the role and security context it was called in
 * are the current ones again.  After an administrator's call made while
 * functions entered before the library was loaded may be running, that
 * caller must be a trusted administrator's code, outside any foreign key's
 * action: each function's end tells who called it (not its catalog row,
 * which its code may have changed), so by the time the session's own
 * statement is reached again every role in between was asked about.
 */
static void
CallerCheckedAfterUnseen(void)
{
	Oid			role;
	int			sec_context;

	GetUserIdAndSecContext(&role, &sec_context);
	if (!RoleIsTrusted(role) || (sec_context & SECURITY_NOFORCE_RLS) != 0)
		ereport(ERROR,
				(errcode(ERRCODE_INSUFFICIENT_PRIVILEGE),
				 errmsg("permission denied: a trusted administrator's share_acl call was made inside code of role \"%s\", which is not one",
						GetUserNameFromId(role, false)),
				 errdetail("share_acl was loaded in this backend inside a function that role's code called, so the call could not be refused at once; what it did is undone."),
				 errhint("Load share_acl at the start of each session (shared_preload_libraries or session_preload_libraries).")));
}

/*
 * A SECURITY DEFINER function (or one with SET clauses) starts, ends or is
 * left by an error.  At its start the user change is made: the role it runs
 * as is the current one; at its end the caller's is again.  A function that
 * started before the library was loaded ends with none of the stack's
 * entries its own.
 */
static void
FrameEvent(FmgrHookEventType event, FmgrInfo *flinfo, Datum *private)
{
	if (event == FHET_START)
	{
		Oid			role;
		int			sec_context;
		bool		untrusted;

		/* another hook's error here leaves no frame of ours behind */
		if (prev_fmgr_hook)
			prev_fmgr_hook(event, flinfo, private);
		GetUserIdAndSecContext(&role, &sec_context);
		untrusted = !RoleIsTrusted(role) || (sec_context & SECURITY_NOFORCE_RLS) != 0;
		if (frame_depth == frame_room)
		{
			int			room = Max(16, frame_room * 2);

			frame_untrusted = frame_untrusted == NULL ?
				MemoryContextAlloc(TopMemoryContext, room * sizeof(bool)) :
				repalloc(frame_untrusted, room * sizeof(bool));
			frame_room = room;
		}
		frame_untrusted[frame_depth++] = untrusted;
		if (untrusted)
			untrusted_frames++;
	}
	else
	{
		if (frame_depth > 0 && frame_untrusted[--frame_depth])
			untrusted_frames--;
		/* the other hooks see the end before this one's error can stop it */
		if (prev_fmgr_hook)
			prev_fmgr_hook(event, flinfo, private);
		if (event == FHET_END && frames_unseen)
		{
			if (trusted_while_unseen)
				CallerCheckedAfterUnseen();
			/* back in the session's own statement: nothing is unseen now */
			if (!InLocalUserIdChange())
				frames_unseen = trusted_while_unseen = false;
		}
	}
}

/* No function's frame outlives the transaction: the counts start afresh. */
static void
FramesXactCallback(XactEvent event, void *arg)
{
	if (event == XACT_EVENT_COMMIT || event == XACT_EVENT_ABORT ||
		event == XACT_EVENT_PARALLEL_COMMIT || event == XACT_EVENT_PARALLEL_ABORT ||
		event == XACT_EVENT_PREPARE)
	{
		frame_depth = 0;
		untrusted_frames = 0;
		frames_unseen = false;
		trusted_while_unseen = false;
		loaded_in_fk_action = false;
	}
}

/* Install the hook and callbacks; called once from _PG_init. */
void
DefinerFramesInit(void)
{
	prev_fmgr_hook = fmgr_hook;
	fmgr_hook = FrameEvent;
	RegisterXactCallback(FramesXactCallback, NULL);
	CacheRegisterSyscacheCallback(AUTHOID, RolesChanged, (Datum) 0);
	CacheRegisterSyscacheCallback(AUTHMEMROLEMEM, RolesChanged, (Datum) 0);
	/* loaded by a call inside some user change: what started before is unseen */
	if (!process_shared_preload_libraries_in_progress && InLocalUserIdChange())
	{
		Oid			role;
		int			sec_context;

		GetUserIdAndSecContext(&role, &sec_context);
		frames_unseen = true;
		loaded_in_fk_action = (sec_context & SECURITY_NOFORCE_RLS) != 0;
	}
}
