/*
 * fk_check.h — the foreign-key checks of a row written below the executor
 * (fk_check.c).
 */
#ifndef SHARE_ACL_FK_CHECK_H
#define SHARE_ACL_FK_CHECK_H

#include "postgres.h"

#include "nodes/execnodes.h"

extern void FkCheckInit(void);
extern void FkCheckInstall(ResultRelInfo *rri);

#endif							/* SHARE_ACL_FK_CHECK_H */
