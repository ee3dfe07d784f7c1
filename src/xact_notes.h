/*
 * xact_notes.h — notes a transaction keeps until it ends, each made by a
 * subtransaction (xact_notes.c): an array in TopTransactionContext that a
 * ROLLBACK TO SAVEPOINT trims and the end of the transaction forgets.
 *
 * Owned by xact_notes.c.  Used by the modules that act at commit on what
 * their calls noted (link_attempts.c: views to count; commit_recheck.c:
 * questions to ask again); XactEventEnds also by the audit seal.
 */
#ifndef SHARE_ACL_XACT_NOTES_H
#define SHARE_ACL_XACT_NOTES_H

#include "postgres.h"

#include "access/xact.h"

/* n notes of size bytes each, their SubTransactionId at subid_offset */
typedef struct XactNotes
{
	char	   *items;
	int			n;
	int			max;
	Size		size;
	Size		subid_offset;
} XactNotes;

#define XACT_NOTES_INIT(type, subid_field) \
	{NULL, 0, 0, sizeof(type), offsetof(type, subid_field)}
#define XACT_NOTE(notes, type, i) ((type *) ((notes)->items + (Size) (i) * (notes)->size))

extern void *XactNoteAdd(XactNotes *notes);
extern void XactNotesAtSubXactEnd(XactNotes *notes, SubXactEvent event,
								  SubTransactionId mySubid, SubTransactionId parentSubid);
extern bool XactEventEnds(XactEvent event);
extern void XactNotesForget(XactNotes *notes);

#endif							/* SHARE_ACL_XACT_NOTES_H */
