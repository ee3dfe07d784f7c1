/*
 * xact_notes.c — notes a transaction keeps until it ends, each made by a
 * subtransaction (xact_notes.h): a ROLLBACK TO SAVEPOINT drops the notes of
 * the subtransaction it ends, a RELEASE hands them to its parent.
 */
#include "postgres.h"

#include "xact_notes.h"

/*
 * The n notes (each size bytes, its SubTransactionId at subid_offset) after
 * the subtransaction event: the aborted subtransaction's dropped (the rest
 * kept in order), the committed one's handed to parentSubid.
 */
void
XactNotesAtSubXactEnd(void *notes, int *n, Size size, Size subid_offset, SubXactEvent event,
					  SubTransactionId mySubid, SubTransactionId parentSubid)
{
	char	   *base = notes;
	int			i,
				kept = 0;

	if (event != SUBXACT_EVENT_ABORT_SUB && event != SUBXACT_EVENT_COMMIT_SUB)
		return;
	for (i = 0; i < *n; i++)
	{
		char	   *note = base + (Size) i * size;
		SubTransactionId *subid = (SubTransactionId *) (note + subid_offset);

		if (event == SUBXACT_EVENT_COMMIT_SUB)
		{
			if (*subid == mySubid)
				*subid = parentSubid;
		}
		else if (*subid != mySubid)
		{
			if (kept != i)
				memcpy(base + (Size) kept * size, note, size);
			kept++;
		}
	}
	if (event == SUBXACT_EVENT_ABORT_SUB)
		*n = kept;
}
