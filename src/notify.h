/*
 * notify.h — telling people of an event (SPEC §8), owned by notify.c: the
 * notification rows and their NOTIFY, for the C paths that write them, and
 * the jsonb objects of their payloads (also an audit row's).
 */
#ifndef SHARE_ACL_NOTIFY_H
#define SHARE_ACL_NOTIFY_H

#include "postgres.h"

#include "utils/uuid.h"

extern int	NotifyRecipients(Datum recipients, bool hold_something, const char *kind,
							 const pg_uuid_t *resource, Datum payload, const pg_uuid_t *workspace);
extern int	NotifyPerson(const pg_uuid_t *person, bool mutes, bool holds_something,
						 const char *kind, const pg_uuid_t *resource, Datum payload,
						 const pg_uuid_t *workspace);
extern Datum JsonbObjectOf(int n, const char *const *keys, const Datum *values, const Oid *types,
						   const bool *isnull);

#endif							/* SHARE_ACL_NOTIFY_H */
