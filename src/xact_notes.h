/*
 * xact_notes.h — notes a transaction keeps until it ends, each made by a
 * subtransaction: what the end of a subtransaction does to them
 * (xact_notes.c).
 *
 * Owned by xact_notes.c.  Used by the modules that act at commit on what
 * their calls noted (link_attempts.c: views to count; commit_recheck.c:
 * questions to ask again).
 */
#ifndef SHARE_ACL_XACT_NOTES_H
#define SHARE_ACL_XACT_NOTES_H

#include "postgres.h"

#include "access/xact.h"

extern void XactNotesAtSubXactEnd(void *notes, int *n, Size size, Size subid_offset,
								  SubXactEvent event, SubTransactionId mySubid,
								  SubTransactionId parentSubid);

#endif							/* SHARE_ACL_XACT_NOTES_H */
