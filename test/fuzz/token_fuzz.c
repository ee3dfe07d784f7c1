/*
 * token_fuzz.c — libFuzzer harness for the share link token parser and the
 * strict base64url codec (src/token_parse.c).
 *
 * Checks, for any input, that neither reads outside its buffer
 * (AddressSanitizer), and that decoding is strict: every string accepted as
 * base64url or as a token is the one canonical encoding of what it decodes
 * to (so no two texts give the same token, and changing any one character of
 * a token changes its bytes), and that encoding any bytes decodes back to
 * them.
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "token.h"

int			LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

#define MAX_BYTES 4096

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	/* a copy of exactly size bytes, so that ASan sees any over-read */
	char	   *buf = malloc(size ? size : 1);
	uint8_t		bytes[MAX_BYTES];
	char		text[MAX_BYTES * 2];
	TokenParts	parts;
	TokenStatus st;
	int			n;

	memcpy(buf, data, size);

	/* the token parser: accepted ⇒ canonical, and the fields are in range */
	st = TokenParse(buf, size, &parts);
	if (st == TOKEN_OK)
	{
		char		back[TOKEN_TEXT_LEN + 1];

		if (size != TOKEN_TEXT_LEN || parts.version != TOKEN_VERSION ||
			parts.kid == 0 || parts.kid > TOKEN_KID_MAX)
			abort();
		if (!TokenFormat(&parts, back, sizeof(back)) || memcmp(back, buf, size) != 0)
			abort();
	}
	else if (st > TOKEN_BAD_KID)
		abort();

	/* strict base64url: accepted ⇒ re-encodes to the very same text */
	n = TokenB64urlDecode(buf, size, bytes, sizeof(bytes));
	if (n >= 0)
	{
		int			m;

		if ((size_t) n != size / 4 * 3 + (size % 4 ? size % 4 - 1 : 0))
			abort();
		m = TokenB64urlEncode(bytes, (size_t) n, text, sizeof(text));
		if (m < 0 || (size_t) m != size || memcmp(text, buf, size) != 0)
			abort();
		for (m = 0; m < (int) size; m++)
			if (buf[m] == '=' || buf[m] == '+' || buf[m] == '/')
				abort();
	}

	/* any bytes: encode, decode back to the same bytes */
	if (size <= MAX_BYTES)
	{
		int			m = TokenB64urlEncode(data, size, text, sizeof(text));

		if (m < 0)
			abort();
		n = TokenB64urlDecode(text, (size_t) m, bytes, sizeof(bytes));
		if (n < 0 || (size_t) n != size || memcmp(bytes, data, size) != 0)
			abort();
	}
	free(buf);
	return 0;
}
