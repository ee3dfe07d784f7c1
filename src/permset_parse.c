/*
 * permset_parse.c — text parsing and formatting of permission sets.
 *
 * Pure C with no server dependencies, so that test/fuzz can build it into a
 * libFuzzer harness.  The backend wrappers (permset.c) turn the status codes
 * into ereport()s.
 *
 * Grammar: items separated by ',' or '|'; spaces, tabs and newlines around
 * items are ignored; names are case-insensitive ASCII; an empty (or blank)
 * string is the empty set; an empty item between separators is an error.
 */
#include "permset.h"

#include <string.h>

typedef struct PermsetName
{
	const char *name;
	Permset		value;
} PermsetName;

/* Flags in bit order: index i names PERM_BIT(i). */
static const char *const flag_names[PERM_NFLAGS] = {
	"view", "view_details", "react", "download", "comment", "annotate",
	"approve", "upload", "edit", "rename", "move", "copy", "delete_own",
	"delete", "view_activity", "run_ai", "share", "manage_members",
	"change_permissions", "manage_collections", "resolve_comments",
	"make_public", "manage_settings", "view_audit", "transfer_ownership",
	"delete_space"
};

/* Named sets, accepted on input and expanded to flags. */
static const PermsetName set_names[] = {
	{"viewer", PERMSET_VIEWER},
	{"commenter", PERMSET_COMMENTER},
	{"editor", PERMSET_EDITOR},
	{"manager", PERMSET_MANAGER},
	{"full", PERMSET_FULL},
	{"view_only", PERMSET_VIEW_ONLY},
	{"view_download", PERMSET_VIEW_DOWNLOAD},
	{"contributor", PERMSET_CONTRIBUTOR},
	{"full_editor", PERMSET_FULL_EDITOR},
};

#define N_SET_NAMES (sizeof(set_names) / sizeof(set_names[0]))

/* Levels of permset_level, lowest first. */
static const PermsetName level_names[] = {
	{"viewer", PERMSET_VIEWER},
	{"commenter", PERMSET_COMMENTER},
	{"editor", PERMSET_EDITOR},
	{"manager", PERMSET_MANAGER},
	{"full", PERMSET_FULL},
};

#define N_LEVEL_NAMES (sizeof(level_names) / sizeof(level_names[0]))

/* Whether c is a blank that may surround an item. */
static bool
is_blank(char c)
{
	return c == ' ' || c == '\t' || c == '\n' || c == '\r';
}

/* ASCII lower-case of c. */
static char
ascii_lower(char c)
{
	return (c >= 'A' && c <= 'Z') ? (char) (c - 'A' + 'a') : c;
}

/* Case-insensitive comparison of word[0..len) with the NUL-terminated name. */
static bool
word_equals(const char *word, size_t len, const char *name)
{
	size_t		i;

	for (i = 0; i < len; i++)
	{
		if (name[i] == '\0' || ascii_lower(word[i]) != name[i])
			return false;
	}
	return name[len] == '\0';
}

/* The flags a single word stands for; *found tells whether it is known. */
Permset
PermsetLookupWord(const char *word, size_t len, bool *found)
{
	size_t		i;

	*found = true;
	for (i = 0; i < PERM_NFLAGS; i++)
		if (word_equals(word, len, flag_names[i]))
			return PERM_BIT(i);
	for (i = 0; i < N_SET_NAMES; i++)
		if (word_equals(word, len, set_names[i].name))
			return set_names[i].value;
	*found = false;
	return 0;
}

/* Parse input[0..len) (not necessarily NUL-terminated) into a permission set. */
PermsetParseResult
PermsetParse(const char *input, size_t len)
{
	PermsetParseResult result = {PERMSET_PARSE_OK, 0, 0, 0};
	size_t		pos = 0;
	bool		any_content = false;
	size_t		i;

	if (len > PERMSET_MAX_INPUT)
	{
		result.status = PERMSET_PARSE_TOO_LONG;
		return result;
	}

	for (i = 0; i < len; i++)
	{
		unsigned char c = (unsigned char) input[i];

		if (c >= 0x80 || (c < 0x20 && !is_blank((char) c)) || c == 0x7f)
		{
			result.status = PERMSET_PARSE_BAD_BYTE;
			result.bad_offset = i;
			return result;
		}
		if (!is_blank((char) c))
			any_content = true;
	}

	/* A blank string is the empty set. */
	if (!any_content)
		return result;

	for (;;)
	{
		size_t		start,
					end;
		Permset		bits;
		bool		found;

		/* find the item [start, end) up to the next separator */
		end = pos;
		while (end < len && input[end] != ',' && input[end] != '|')
			end++;
		start = pos;
		while (start < end && is_blank(input[start]))
			start++;
		pos = end;
		while (end > start && is_blank(input[end - 1]))
			end--;

		if (start == end)
		{
			result.status = PERMSET_PARSE_EMPTY_ITEM;
			result.bad_offset = start;
			return result;
		}

		bits = PermsetLookupWord(input + start, end - start, &found);
		if (!found)
		{
			result.status = PERMSET_PARSE_UNKNOWN_NAME;
			result.bad_offset = start;
			result.bad_length = end - start;
			return result;
		}
		result.value |= bits;

		if (pos >= len)
			break;
		pos++;					/* skip the separator */
	}
	return result;
}

/* The name of flag number bit, or NULL past the last flag. */
const char *
PermsetFlagName(int bit)
{
	if (bit < 0 || bit >= PERM_NFLAGS)
		return NULL;
	return flag_names[bit];
}

/*
 * Write the canonical text of value (flags in table order, comma-separated)
 * into buf; returns the length it needs without the NUL.  Writes at most
 * buflen bytes including the NUL.
 */
size_t
PermsetFormat(Permset value, char *buf, size_t buflen)
{
	size_t		need = 0;
	int			i;

	if (buflen > 0)
		buf[0] = '\0';
	for (i = 0; i < PERM_NFLAGS; i++)
	{
		const char *name;
		size_t		nlen;

		if (!(value & PERM_BIT(i)))
			continue;
		name = flag_names[i];
		nlen = strlen(name);
		if (need > 0)
		{
			if (need + 1 < buflen)
			{
				buf[need] = ',';
				buf[need + 1] = '\0';
			}
			need++;
		}
		if (need + nlen < buflen)
			memcpy(buf + need, name, nlen + 1);
		need += nlen;
	}
	return need;
}

/* The highest named level that value contains, or NULL. */
const char *
PermsetLevelName(Permset value)
{
	const char *best = NULL;
	size_t		i;

	for (i = 0; i < N_LEVEL_NAMES; i++)
		if ((value & level_names[i].value) == level_names[i].value)
			best = level_names[i].name;
	return best;
}

/* All accepted names, for error hints. */
const char *
PermsetValidNames(void)
{
	return "viewer, commenter, editor, manager, full, view_only, view_download, "
		"contributor, full_editor, view, view_details, react, download, comment, "
		"annotate, approve, upload, edit, rename, move, copy, delete_own, delete, "
		"view_activity, run_ai, share, manage_members, change_permissions, "
		"manage_collections, resolve_comments, make_public, manage_settings, "
		"view_audit, transfer_ownership, delete_space";
}
