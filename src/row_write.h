/*
 * row_write.h — one row inserted or updated as an INSERT or UPDATE statement
 * writes it, without a statement (row_write.c).
 */
#ifndef SHARE_ACL_ROW_WRITE_H
#define SHARE_ACL_ROW_WRITE_H

#include "postgres.h"

#include "executor/tuptable.h"
#include "utils/relcache.h"

/* The values of a row to insert: by column name, of these types; the others take their defaults. */
typedef struct RowValues
{
	int			n;
	const char *const *columns;
	const Oid  *types;
	const Datum *values;
	const bool *nulls;
} RowValues;

/* What RowInsert did. */
typedef enum RowWritten
{
	ROW_BY_STATEMENT,			/* nothing: the table needs the statement */
	ROW_WRITTEN,
	ROW_SKIPPED					/* a BEFORE trigger or a conflict kept the row out */
} RowWritten;

extern void RowWriteInit(void);
extern RowWritten RowInsert(Relation rel, const RowValues *given, Oid arbiter, Datum *out,
							const char *out_column);
extern bool RowInsertsSeenApart(Relation rel, int n);
extern bool RowInsertEach(Relation rel, const RowValues *row, int varying, const Datum *values,
						  int n, Oid arbiter, int64 *written);

/*
 * The new values of the columns an update sets (in their order), computed
 * from the row as it is (which the caller may also read: the slot lives
 * until the update is done).
 */
typedef void (*RowChange) (TupleTableSlot *row, Datum *values, bool *nulls, void *arg);

extern bool RowUpdate(Relation rel, Oid index, AttrNumber key_column, RegProcedure eq, Datum key,
					  int ncolumns, const char *const *columns, RowChange change, void *arg,
					  bool *found);

/* The row a delete removed (the slot lives until the delete is done). */
typedef void (*RowRead) (TupleTableSlot *row, void *arg);

extern bool RowDelete(Relation rel, Oid index, AttrNumber key_column, RegProcedure eq, Datum key,
					  RowRead read, void *arg, bool *found);

#endif							/* SHARE_ACL_ROW_WRITE_H */
