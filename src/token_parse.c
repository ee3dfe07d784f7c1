/*
 * token_parse.c — strict base64url and the share link token layout.
 *
 * Pure C with no server dependencies (see token.h for the layout), so that
 * test/fuzz can build it into a libFuzzer harness.  The base64 work itself is
 * done by PostgreSQL's common/base64.h routines (standard alphabet, with
 * padding); this file checks the input strictly first and translates between
 * the two alphabets one 4-character quantum at a time, so that no buffer
 * depends on the input's length.
 */
#include "token.h"

#include <string.h>

#include "common/base64.h"

/* The value of a base64url character, or -1. */
static inline int
B64urlValue(unsigned char c)
{
	if (c >= 'A' && c <= 'Z')
		return c - 'A';
	if (c >= 'a' && c <= 'z')
		return c - 'a' + 26;
	if (c >= '0' && c <= '9')
		return c - '0' + 52;
	if (c == '-')
		return 62;
	if (c == '_')
		return 63;
	return -1;
}

int
TokenB64urlEncode(const uint8_t *src, size_t len, char *dst, size_t dstlen)
{
	size_t		need = (len / 3) * 4 + (len % 3 ? len % 3 + 1 : 0);
	size_t		in = 0;
	size_t		out = 0;

	if (need > dstlen || need > 0x7FFFFFFF)
		return -1;
	while (in < len)
	{
		char		quantum[4];
		size_t		chunk = len - in < 3 ? len - in : 3;
		size_t		chars = chunk + 1;	/* 3 bytes: 4 chars; 2: 3; 1: 2 */
		size_t		i;

		if (pg_b64_encode((const char *) src + in, (int) chunk, quantum, 4) != 4)
			return -1;
		for (i = 0; i < chars; i++)
		{
			char		c = quantum[i];

			dst[out++] = c == '+' ? '-' : c == '/' ? '_' : c;
		}
		in += chunk;
	}
	return (int) out;
}

int
TokenB64urlDecode(const char *src, size_t len, uint8_t *dst, size_t dstlen)
{
	size_t		rest = len % 4;
	size_t		need = (len / 4) * 3 + (rest ? rest - 1 : 0);
	size_t		in = 0;
	size_t		out = 0;
	size_t		i;

	if (rest == 1 || need > dstlen || len > 0x7FFFFFFF)
		return -1;
	for (i = 0; i < len; i++)
		if (B64urlValue((unsigned char) src[i]) < 0)
			return -1;
	/* the bits of a partial last quantum that carry no data must be zero */
	if (rest == 2 && (B64urlValue((unsigned char) src[len - 1]) & 0x0F) != 0)
		return -1;
	if (rest == 3 && (B64urlValue((unsigned char) src[len - 1]) & 0x03) != 0)
		return -1;
	while (in < len)
	{
		char		quantum[4] = {'=', '=', '=', '='};
		char		bytes[3];
		size_t		chars = len - in < 4 ? len - in : 4;
		int			n;

		for (i = 0; i < chars; i++)
		{
			char		c = src[in + i];

			quantum[i] = c == '-' ? '+' : c == '_' ? '/' : c;
		}
		n = pg_b64_decode(quantum, 4, bytes, 3);
		if (n != (int) chars - 1)
			return -1;
		memcpy(dst + out, bytes, n);
		out += n;
		in += chars;
	}
	return (int) out;
}

TokenStatus
TokenParse(const char *text, size_t len, TokenParts *out)
{
	uint8_t		raw[TOKEN_RAW_LEN];
	size_t		i;

	memset(out, 0, sizeof(*out));
	if (len != TOKEN_TEXT_LEN)
		return TOKEN_BAD_LENGTH;
	for (i = 0; i < len; i++)
		if (B64urlValue((unsigned char) text[i]) < 0)
			return TOKEN_BAD_CHAR;
	if (TokenB64urlDecode(text, len, raw, sizeof(raw)) != TOKEN_RAW_LEN)
		return TOKEN_BAD_ENCODING;
	if (raw[0] != TOKEN_VERSION)
		return TOKEN_BAD_VERSION;
	out->version = raw[0];
	out->kid = ((uint32_t) raw[1] << 24) | ((uint32_t) raw[2] << 16) |
		((uint32_t) raw[3] << 8) | (uint32_t) raw[4];
	if (out->kid == 0 || out->kid > TOKEN_KID_MAX)
		return TOKEN_BAD_KID;
	memcpy(out->link, raw + 1 + TOKEN_KID_LEN, TOKEN_ID_LEN);
	memcpy(out->mac, raw + TOKEN_SIGNED_LEN, TOKEN_MAC_LEN);
	return TOKEN_OK;
}

void
TokenSignedBytes(const TokenParts *parts, uint8_t *out)
{
	out[0] = parts->version;
	out[1] = (uint8_t) (parts->kid >> 24);
	out[2] = (uint8_t) (parts->kid >> 16);
	out[3] = (uint8_t) (parts->kid >> 8);
	out[4] = (uint8_t) parts->kid;
	memcpy(out + 1 + TOKEN_KID_LEN, parts->link, TOKEN_ID_LEN);
}

bool
TokenFormat(const TokenParts *parts, char *dst, size_t dstlen)
{
	uint8_t		raw[TOKEN_RAW_LEN];

	if (dstlen < TOKEN_TEXT_LEN + 1)
		return false;
	TokenSignedBytes(parts, raw);
	memcpy(raw + TOKEN_SIGNED_LEN, parts->mac, TOKEN_MAC_LEN);
	if (TokenB64urlEncode(raw, sizeof(raw), dst, dstlen) != TOKEN_TEXT_LEN)
		return false;
	dst[TOKEN_TEXT_LEN] = '\0';
	return true;
}
