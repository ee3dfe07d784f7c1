/*
 * commit_recheck.h — what an upload and a structure change that relied on
 * "nothing of anyone else's below" check again at commit, one workspace at a
 * time (commit_recheck.c).
 *
 * Owned by commit_recheck.c.  manage.c notes uploads; the SQL of R14 and of
 * member_edit_own_only notes its reliance through _recheck_at_commit().
 */
#ifndef SHARE_ACL_COMMIT_RECHECK_H
#define SHARE_ACL_COMMIT_RECHECK_H

#include "postgres.h"

#include "utils/uuid.h"

extern void CommitRecheckInit(void);
extern void CommitRecheckUpload(const pg_uuid_t *workspace, const pg_uuid_t *actor,
								const pg_uuid_t *parent);

#endif							/* SHARE_ACL_COMMIT_RECHECK_H */
