/*
 * app_references.h — where a management function's deletion reaches the
 * application's tables (app_references.c).
 */
#ifndef SHARE_ACL_APP_REFERENCES_H
#define SHARE_ACL_APP_REFERENCES_H

#include "postgres.h"

extern void AppReferencesInit(void);
extern void AppReferencesRefuse(const char *function);
extern bool AppReferencesInDeleteCascade(void);

#endif							/* SHARE_ACL_APP_REFERENCES_H */
