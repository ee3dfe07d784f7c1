/*
 * mailer.c — where the application's mailer may claim the mail outbox
 * (share_acl.claim_email_outbox, claim_digests: sql/install/078_notifications.sql).
 *
 * A claim holds its rows (FOR UPDATE) until its transaction ends, and the
 * mailer sends them before it commits: outside a transaction block the
 * claim would end with its statement and protect nothing (LOCK TABLE refuses
 * so too), and a SERIALIZABLE transaction could fail at its commit after the
 * mails went out, which would then be sent again.
 */
#include "postgres.h"

#include "access/xact.h"
#include "utils/builtins.h"

PG_FUNCTION_INFO_V1(mailer_claim_check);

/*
 * _mailer_claim_check(action text) → void: 25P01 outside a transaction
 * block, 25000 in a SERIALIZABLE transaction.
 */
Datum
mailer_claim_check(PG_FUNCTION_ARGS)
{
	const char *action = text_to_cstring(PG_GETARG_TEXT_PP(0));

	if (!IsTransactionBlock())
		ereport(ERROR,
				(errcode(ERRCODE_NO_ACTIVE_SQL_TRANSACTION),
				 errmsg("%s can only be used in transaction blocks", action),
				 errdetail("A claim holds its notifications only until its transaction ends."),
				 errhint("BEGIN, claim, send the mails, mark them with share_acl.mark_notifications_sent(), COMMIT.")));
	if (IsolationIsSerializable())
		ereport(ERROR,
				(errcode(ERRCODE_INVALID_TRANSACTION_STATE),
				 errmsg("%s cannot be used in a SERIALIZABLE transaction", action),
				 errdetail("Its commit could fail after the mails were sent, and they would be sent again."),
				 errhint("Run the mailer's transactions in READ COMMITTED.")));
	PG_RETURN_VOID();
}
