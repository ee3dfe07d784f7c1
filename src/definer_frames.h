/*
 * definer_frames.h — whether code of a role that is not a trusted
 * administrator runs between the session's role and share_acl
 * (definer_frames.c).
 */
#ifndef SHARE_ACL_DEFINER_FRAMES_H
#define SHARE_ACL_DEFINER_FRAMES_H

#include "postgres.h"

extern void DefinerFramesInit(void);
extern bool RoleIsTrusted(Oid role);
extern bool DefinerFramesUntrusted(void);
extern void DefinerFramesNoteTrust(void);

#endif							/* SHARE_ACL_DEFINER_FRAMES_H */
