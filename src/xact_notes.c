/*
 * xact_notes.c — notes a transaction keeps until it ends, each made by a
 * subtransaction (xact_notes.h): a ROLLBACK TO SAVEPOINT drops the notes of
 * the subtransaction it ends, a RELEASE hands them to its parent, and the
 * end of the transaction forgets them all.
 */
#include "postgres.h"

#include "utils/memutils.h"

#include "xact_notes.h"

/*
 * A new note at the end, in TopTransactionContext, made by the current
 * subtransaction; the caller fills in the rest.
 */
void *
XactNoteAdd(XactNotes *notes)
{
	char	   *note;

	if (notes->n == notes->max)
	{
		int			newmax = notes->max == 0 ? 8 : notes->max * 2;

		notes->items = notes->items == NULL
			? MemoryContextAlloc(TopTransactionContext, newmax * notes->size)
			: repalloc(notes->items, newmax * notes->size);
		notes->max = newmax;
	}
	note = notes->items + (Size) notes->n++ * notes->size;
	*(SubTransactionId *) (note + notes->subid_offset) = GetCurrentSubTransactionId();
	return note;
}

/*
 * The notes after a subtransaction event: the aborted subtransaction's
 * dropped (the rest kept in order), the committed one's handed to
 * parentSubid.
 */
void
XactNotesAtSubXactEnd(XactNotes *notes, SubXactEvent event, SubTransactionId mySubid,
					  SubTransactionId parentSubid)
{
	int			i,
				kept = 0;

	if (event != SUBXACT_EVENT_ABORT_SUB && event != SUBXACT_EVENT_COMMIT_SUB)
		return;
	for (i = 0; i < notes->n; i++)
	{
		char	   *note = notes->items + (Size) i * notes->size;
		SubTransactionId *subid = (SubTransactionId *) (note + notes->subid_offset);

		if (event == SUBXACT_EVENT_COMMIT_SUB)
		{
			if (*subid == mySubid)
				*subid = parentSubid;
		}
		else if (*subid != mySubid)
		{
			if (kept != i)
				memcpy(notes->items + (Size) kept * notes->size, note, notes->size);
			kept++;
		}
	}
	if (event == SUBXACT_EVENT_ABORT_SUB)
		notes->n = kept;
}

/* Does this transaction event end the transaction (TopTransactionContext goes)? */
bool
XactEventEnds(XactEvent event)
{
	switch (event)
	{
		case XACT_EVENT_COMMIT:
		case XACT_EVENT_ABORT:
		case XACT_EVENT_PREPARE:
		case XACT_EVENT_PARALLEL_COMMIT:
		case XACT_EVENT_PARALLEL_ABORT:
			return true;
		case XACT_EVENT_PRE_COMMIT:
		case XACT_EVENT_PARALLEL_PRE_COMMIT:
		case XACT_EVENT_PRE_PREPARE:
			return false;
	}
	return false;
}

/* No notes (their memory went with TopTransactionContext). */
void
XactNotesForget(XactNotes *notes)
{
	notes->items = NULL;
	notes->n = notes->max = 0;
}
