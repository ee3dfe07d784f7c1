/*
 * email.h — which e-mail addresses share_acl accepts (src/email.c).
 */
#ifndef SHARE_ACL_EMAIL_H
#define SHARE_ACL_EMAIL_H

#include "postgres.h"

/* Raise 22023 (invalid_parameter_value) unless email is an address share_acl accepts. */
extern void EmailCheck(text *email);
extern void EmailCheckUnshown(text *email, const char *argument);

#endif
