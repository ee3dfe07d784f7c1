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
extern bool TokenLinkId(Datum token, int32 kid, Datum secret, pg_uuid_t *link);
extern bool TokenPasswordMatches(Datum password, text *hash);

#endif							/* SHARE_ACL_TOKEN_SQL_H */
