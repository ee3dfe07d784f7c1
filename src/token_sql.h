/*
 * token_sql.h — what C callers use of the link tokens and passwords
 * (defined in token.c).  Kept apart from token.h, which stays pure C for the fuzz
 * harness.
 */
#ifndef SHARE_ACL_TOKEN_SQL_H
#define SHARE_ACL_TOKEN_SQL_H

#include "postgres.h"

#include "utils/uuid.h"

extern bool TokenKeyId(Datum token, int32 *kid);
/* The secret (a bytea datum) of signing key kid, or 0 when there is no such key. */
typedef Datum (*TokenKeyLookup) (int32 kid, void *arg);

extern bool TokenLinkId(Datum token, TokenKeyLookup lookup, void *arg, pg_uuid_t *link);
extern bool TokenPasswordMatches(Datum password, text *hash);

#endif							/* SHARE_ACL_TOKEN_SQL_H */
