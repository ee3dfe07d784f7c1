/*
 * utf8_text.h — the database's text in UTF-8 (utf8_text.c).
 */
#ifndef SHARE_ACL_UTF8_TEXT_H
#define SHARE_ACL_UTF8_TEXT_H

/* Must (and can) the database's text be converted to UTF-8 (neither UTF-8 nor SQL_ASCII)? */
extern bool Utf8TextConverts(void);
/* s (*len bytes, the database's encoding) in UTF-8, its length in *len; NULL when it has none */
extern const char *Utf8TextOf(const char *s, int *len);

#endif							/* SHARE_ACL_UTF8_TEXT_H */
