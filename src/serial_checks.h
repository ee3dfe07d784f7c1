/*
 * serial_checks.h — plans that call share_acl's functions run without
 * parallel workers in REPEATABLE READ and SERIALIZABLE, owned by
 * serial_checks.c.
 */
#ifndef SHARE_ACL_SERIAL_CHECKS_H
#define SHARE_ACL_SERIAL_CHECKS_H

extern void SerialChecksInit(void);

#endif
