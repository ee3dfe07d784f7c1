/*
 * utf8_text.c — the database's text in UTF-8, for what must judge or hash
 * it as Unicode whatever the database's encoding: the audit hash (audit.c)
 * and the characters of names and e-mail addresses (email.c).
 */
#include "postgres.h"

#include "catalog/namespace.h"
#include "mb/pg_wchar.h"

#include "utf8_text.h"

/*
 * The conversions between the database's encoding and UTF-8, looked up once
 * (a backend's database, and so its encoding, never changes): none in a
 * UTF-8 or SQL_ASCII database, nor in one whose encoding has no conversion
 * to UTF-8 at all (MULE_INTERNAL).
 */
static bool conversions_known = false;
static Oid	to_utf8 = InvalidOid;
static Oid	from_utf8 = InvalidOid;

/* Must (and can) the database's text be converted to UTF-8? */
bool
Utf8TextConverts(void)
{
	if (!conversions_known)
	{
		int			encoding = GetDatabaseEncoding();

		if (encoding != PG_UTF8 && encoding != PG_SQL_ASCII)
		{
			to_utf8 = FindDefaultConversionProc(encoding, PG_UTF8);
			from_utf8 = FindDefaultConversionProc(PG_UTF8, encoding);
			if (!OidIsValid(to_utf8) || !OidIsValid(from_utf8))
				to_utf8 = from_utf8 = InvalidOid;
		}
		conversions_known = true;
	}
	return OidIsValid(to_utf8);
}

/* src (len bytes) converted by proc into a palloc'd buffer; NULL when a character does not convert. */
static unsigned char *
Convert(Oid proc, int from, int to, const char *src, int len)
{
	int			size = len * MAX_CONVERSION_GROWTH + 1;
	unsigned char *dest = palloc_extended(size, MCXT_ALLOC_HUGE);

	if (pg_do_encoding_conversion_buf(proc, from, to, (unsigned char *) unconstify(char *, src), len,
									  dest, size, true) < len)
		return NULL;
	return dest;
}

/*
 * The string s of len bytes of the database's encoding in UTF-8 (its length
 * in *len); NULL when one of its characters has none there, or when UTF-8
 * does not give its bytes back: an encoding whose characters are not all
 * distinct in Unicode (EUC_JP's NEC duplicates of JIS codes) would let an
 * edit of such a character into its twin keep the hash.  For a database
 * whose text Utf8TextConverts.
 */
const char *
Utf8TextOf(const char *s, int *len)
{
	int			encoding = GetDatabaseEncoding();
	unsigned char *utf8;
	unsigned char *back;
	int			utf8_len;

	if (*len == 0)
		return s;
	if (*len > (INT_MAX - 1) / MAX_CONVERSION_GROWTH)
		return NULL;
	utf8 = Convert(to_utf8, encoding, PG_UTF8, s, *len);
	if (utf8 == NULL)
		return NULL;
	utf8_len = strlen((char *) utf8);
	if (utf8_len > (INT_MAX - 1) / MAX_CONVERSION_GROWTH)
		return NULL;
	back = Convert(from_utf8, PG_UTF8, encoding, (const char *) utf8, utf8_len);
	if (back == NULL || strlen((char *) back) != (size_t) *len || memcmp(back, s, *len) != 0)
		return NULL;
	*len = utf8_len;
	return (const char *) utf8;
}
