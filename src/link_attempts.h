/*
 * link_attempts.h — how open_link records what must outlive the caller's
 * transaction (src/link_attempts.c), and the check of the logging settings
 * that would write tokens or passwords to the server log (src/secret_log.c).
 */
#ifndef SHARE_ACL_LINK_ATTEMPTS_H
#define SHARE_ACL_LINK_ATTEMPTS_H

#include "postgres.h"
#include "fmgr.h"
#include "datatype/timestamp.h"
#include "utils/uuid.h"

/* Register the transaction callbacks that count views at commit (_PG_init). */
extern void LinkAttemptsInit(void);
extern void LinkViewAtCommit(const pg_uuid_t *link, const pg_uuid_t *workspace,
							 const pg_uuid_t *lock_resource, const char *viewer_email,
							 TimestampTz at);
extern void LinkOpenedInTransaction(void);

/* src/secret_log.c: warn (once per backend) when the log would show these. */
extern void WarnLogExposure(const char *token, const char *password);
extern bool LogExposureWarned(void);

/* Entry point of the background worker that records one attempt. */
extern PGDLLEXPORT void share_acl_link_attempt_main(Datum main_arg);

#endif							/* SHARE_ACL_LINK_ATTEMPTS_H */
