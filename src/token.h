/*
 * token.h — share link tokens (SPEC §5): layout, strict base64url, parsing.
 *
 * A token is the base64url encoding (RFC 4648 §5, no '=' padding) of 45
 * bytes:
 *
 *     offset  size  field
 *          0     1  version, TOKEN_VERSION (1)
 *          1     4  key id (kid) of the signing key, unsigned big-endian,
 *                   1 .. 2^31-1 (share_acl.signing_key.kid)
 *          5    16  link id (share_acl.link.id, the uuid's 16 bytes)
 *         21    24  HMAC-SHA256 over bytes 0..20 under the secret of kid,
 *                   its first 24 bytes (192 bits kept)
 *
 * so every token is exactly 60 characters of [A-Za-z0-9_-]: URL-safe ASCII,
 * no padding, and 45 bytes fill whole base64 quanta, so that every character
 * carries 6 bits of the token and changing any one of them changes the bytes.
 * The token names only a key id: the algorithm is fixed by the version and
 * the key is looked up by the server in its own table; nothing in a token can
 * choose either.  A token is not stored anywhere: it is recomputed from the
 * link id and the key when needed (create_link), and verified by recomputing
 * the MAC and comparing it in constant time.
 *
 * Decoding is strict: any character outside the alphabet (including '=',
 * '+', '/', whitespace, NUL and non-ASCII bytes), a length that is not
 * exactly TOKEN_TEXT_LEN, an unknown version or a key id out of range is
 * rejected before any key is looked up.
 *
 * This header and token_parse.c are pure C (no backend includes) so that
 * test/fuzz can build the parser into a libFuzzer harness; the base64
 * routines used are PostgreSQL's common/base64.h (libpgcommon).  The
 * SQL-callable functions, the MAC and the password hashing are in token.c.
 */
#ifndef SHARE_ACL_TOKEN_H
#define SHARE_ACL_TOKEN_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#define TOKEN_VERSION		1
#define TOKEN_KID_LEN		4
#define TOKEN_ID_LEN		16
#define TOKEN_MAC_LEN		24		/* of the 32 bytes of HMAC-SHA256 */
#define TOKEN_SIGNED_LEN	(1 + TOKEN_KID_LEN + TOKEN_ID_LEN)	/* 21 */
#define TOKEN_RAW_LEN		(TOKEN_SIGNED_LEN + TOKEN_MAC_LEN)	/* 45 */
#define TOKEN_TEXT_LEN		60		/* base64url of 45 bytes, no padding */
#define TOKEN_MAX_INPUT		200		/* longer input is refused unread */
#define TOKEN_KID_MAX		0x7FFFFFFFu

/* The fields of a token. */
typedef struct TokenParts
{
	uint8_t		version;
	uint32_t	kid;
	uint8_t		link[TOKEN_ID_LEN];
	uint8_t		mac[TOKEN_MAC_LEN];
} TokenParts;

/* Outcome of TokenParse; the SQL layer maps every non-OK status to 'invalid'. */
typedef enum TokenStatus
{
	TOKEN_OK,
	TOKEN_BAD_LENGTH,			/* not exactly TOKEN_TEXT_LEN characters */
	TOKEN_BAD_CHAR,				/* a byte outside [A-Za-z0-9_-] */
	TOKEN_BAD_ENCODING,			/* decoding failed (cannot happen after the checks) */
	TOKEN_BAD_VERSION,			/* unknown version byte */
	TOKEN_BAD_KID				/* key id 0 or above TOKEN_KID_MAX */
} TokenStatus;

/*
 * Strict base64url without padding.  Encode returns the number of characters
 * written (no terminator is added), or -1 if dst is too small.  Decode
 * returns the number of bytes written, or -1 for any character outside the
 * alphabet, any '=', a length of 1 modulo 4, non-zero unused bits in the last
 * character (a non-canonical encoding), or a too small dst.
 */
extern int	TokenB64urlEncode(const uint8_t *src, size_t len, char *dst, size_t dstlen);
extern int	TokenB64urlDecode(const char *src, size_t len, uint8_t *dst, size_t dstlen);

/* Parse a token's text (len bytes, need not be terminated) into its fields. */
extern TokenStatus TokenParse(const char *text, size_t len, TokenParts *out);

/* The bytes the MAC covers: version, kid, link id (TOKEN_SIGNED_LEN bytes). */
extern void TokenSignedBytes(const TokenParts *parts, uint8_t *out);

/*
 * Format the fields (mac included) as text: TOKEN_TEXT_LEN characters into
 * dst, plus a terminating NUL; dstlen must be at least TOKEN_TEXT_LEN + 1.
 * Returns false if it is not.
 */
extern bool TokenFormat(const TokenParts *parts, char *dst, size_t dstlen);

#endif							/* SHARE_ACL_TOKEN_H */
