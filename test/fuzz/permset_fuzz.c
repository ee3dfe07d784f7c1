/*
 * permset_fuzz.c — libFuzzer harness for the permset text parser.
 *
 * Checks, for any input, that PermsetParse never reads outside its buffer
 * (AddressSanitizer), returns only known bits, and that every accepted set
 * formats to a text that parses back to the same set.
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "permset.h"

int			LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	/* a copy of exactly size bytes, so that ASan sees any over-read */
	char	   *buf = malloc(size ? size : 1);
	PermsetParseResult r;

	memcpy(buf, data, size);
	r = PermsetParse(buf, size);
	if (r.status == PERMSET_PARSE_OK)
	{
		char		text[512];
		size_t		need;
		PermsetParseResult back;

		if (r.value & ~PERM_ALL)
			abort();
		need = PermsetFormat(r.value, text, sizeof(text));
		if (need >= sizeof(text))
			abort();
		back = PermsetParse(text, need);
		if (back.status != PERMSET_PARSE_OK || back.value != r.value)
			abort();
	}
	else if (r.status != PERMSET_PARSE_TOO_LONG && r.bad_offset > size)
		abort();
	free(buf);
	return 0;
}
