/*
 * app_references.h — application tables whose foreign keys reference
 * share_acl's tables, and what the management functions do about them
 * before they delete rows (app_references.c).
 */
#ifndef SHARE_ACL_APP_REFERENCES_H
#define SHARE_ACL_APP_REFERENCES_H

#include "postgres.h"

#include "utils/uuid.h"

extern void AppReferencesInit(void);
extern void AppReferencesRefuse(const char *function);
extern bool AppRowsClearing(const pg_uuid_t *resource);

#endif							/* SHARE_ACL_APP_REFERENCES_H */
