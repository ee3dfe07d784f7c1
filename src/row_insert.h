/*
 * row_insert.h — one row inserted as an INSERT statement inserts it, without
 * a statement (row_insert.c).
 */
#ifndef SHARE_ACL_ROW_INSERT_H
#define SHARE_ACL_ROW_INSERT_H

#include "postgres.h"

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

extern bool RowInsert(Relation rel, const RowValues *given, Datum *out, const char *out_column);

#endif							/* SHARE_ACL_ROW_INSERT_H */
