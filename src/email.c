/*
 * email.c — which e-mail addresses and names share_acl accepts.  An e-mail
 * address is one it stores for a principal (share_with_email, create_user,
 * reviews named by e-mail) or the viewer e-mail of open_link, which goes
 * into audit rows and the link creator's notification: name@domain, the
 * name a dot-atom of at most 64 bytes and the domain a host name in ASCII of
 * at most 253 characters, labels of at most 63 (no second spelling of one
 * mailbox, which would be a second principal: DotSeparated), and no
 * character that
 * would make it display as another address or break what shows it —
 * white space, control characters, invisible and bidirectional formatting
 * characters (U+200B, U+202E, …), and < > ", nor, in a UTF-8 database, a
 * letter written otherwise than in Unicode's composed form (NFC: ü, not u
 * and a combining diaeresis), which displays as the composed address and
 * would be another principal.  Letters of the name are not judged
 * otherwise (internationalised names stay possible); which addresses are
 * one principal is share_acl.email_key's matter.  A name (of a workspace, a
 * team, a person, a link's label) holds no control character, line or
 * paragraph separator, or bidirectional embedding, override or isolate:
 * nothing that breaks a line where it is shown or makes it display as
 * other text; joiners and marks that scripts need stay allowed.
 */
#include "postgres.h"

#include "common/unicode_norm.h"
#include "fmgr.h"
#include "mb/pg_wchar.h"
#include "utils/builtins.h"

#include "email.h"

PG_FUNCTION_INFO_V1(check_email);
PG_FUNCTION_INFO_V1(email_ok);
PG_FUNCTION_INFO_V1(name_ok);
PG_FUNCTION_INFO_V1(name_shows);

/*
 * White space, a control character, < > ", or a character that shows
 * nothing: Unicode's default-ignorable code points, its format characters
 * and the blank fillers (U+3164, U+FFA0, U+2800).
 */
static bool
Refused(pg_wchar c)
{
	if (c <= 0x20 || (c >= 0x7F && c <= 0xA0))
		return true;			/* controls, space, DEL, C1 controls, no-break space */
	switch (c)
	{
		case '<':
		case '>':
		case '"':
		case 0x00AD:			/* soft hyphen */
		case 0x034F:			/* combining grapheme joiner */
		case 0x061C:			/* Arabic letter mark */
		case 0x06DD:			/* Arabic end of ayah */
		case 0x070F:			/* Syriac abbreviation mark */
		case 0x08E2:			/* Arabic disputed end of ayah */
		case 0x1680:			/* Ogham space mark */
		case 0x2028:			/* line and paragraph separators */
		case 0x2029:
		case 0x202F:			/* narrow no-break space */
		case 0x205F:			/* medium mathematical space */
		case 0x2800:			/* braille pattern blank */
		case 0x3000:			/* ideographic space */
		case 0x3164:			/* Hangul filler */
		case 0xFEFF:			/* zero width no-break space */
		case 0xFFA0:			/* halfwidth Hangul filler */
		case 0x110BD:			/* Kaithi number sign */
		case 0x110CD:
			return true;
	}
	return (c >= 0x0600 && c <= 0x0605) ||	/* Arabic number signs */
		(c >= 0x115F && c <= 0x1160) || /* Hangul fillers */
		(c >= 0x17B4 && c <= 0x17B5) || /* Khmer inherent vowels */
		(c >= 0x180B && c <= 0x180F) || /* Mongolian selectors and separator */
		(c >= 0x2000 && c <= 0x200F) || /* spaces, zero-width characters, LRM, RLM */
		(c >= 0x202A && c <= 0x202E) || /* bidirectional embeddings and overrides */
		(c >= 0x2060 && c <= 0x206F) || /* word joiner, invisible operators, isolates */
		(c >= 0xFE00 && c <= 0xFE0F) || /* variation selectors */
		(c >= 0xFFF0 && c <= 0xFFFB) || /* unassigned specials, interlinear annotation */
		(c >= 0x13430 && c <= 0x1343F) ||	/* Egyptian hieroglyph format controls */
		(c >= 0x1BCA0 && c <= 0x1BCA3) ||	/* shorthand format controls */
		(c >= 0x1D173 && c <= 0x1D17A) ||	/* musical symbol format controls */
		(c >= 0xE0000 && c <= 0xE0FFF); /* tags, variation selectors supplement */
}

/* A character a name may not hold (see the top of this file). */
static bool
RefusedInName(pg_wchar c)
{
	return c < 0x20 || (c >= 0x7F && c <= 0x9F) ||	/* controls */
		c == 0x2028 || c == 0x2029 ||	/* line and paragraph separators */
		(c >= 0x202A && c <= 0x202E) || /* bidirectional embeddings and overrides */
		(c >= 0x2066 && c <= 0x2069);	/* bidirectional isolates */
}

/*
 * The character at byte *i of s (in the database encoding, len bytes) into
 * *c, *i moved past it; false at a truncated character.  In an encoding
 * other than UTF-8, only ASCII is judged: the rest read as a letter.
 */
static bool
NextChar(const char *s, int len, int *i, pg_wchar *c)
{
	bool		utf8 = GetDatabaseEncoding() == PG_UTF8;
	int			l = utf8 ? pg_utf_mblen((const unsigned char *) s + *i) : pg_mblen(s + *i);

	if (l < 1 || *i + l > len)
		return false;
	*c = utf8 ? utf8_to_unicode((const unsigned char *) s + *i) :
		l == 1 && !IS_HIGHBIT_SET(s[*i]) ? (unsigned char) s[*i] : 0x100;
	*i += l;
	return true;
}

/* Is the text (in the database encoding, len bytes) a name share_acl accepts? */
static bool
NameIsValid(const char *s, int len)
{
	int			i = 0;
	pg_wchar	c;

	while (i < len)
	{
		if (!NextChar(s, len, &i, &c) || RefusedInName(c))
			return false;
	}
	return true;
}

/*
 * Does the name hold a character that shows: not white space, a control or
 * a character that shows nothing (Refused, where < > " are not refused)?  A
 * name that must be given ("   ", a run of zero-width spaces) is otherwise
 * one that nobody sees.
 */
static bool
NameShows(const char *s, int len)
{
	int			i = 0;
	pg_wchar	c;

	while (i < len)
	{
		if (!NextChar(s, len, &i, &c))
			return false;
		if (c == '<' || c == '>' || c == '"' || !Refused(c))
			return true;
	}
	return false;
}

/* Are the chars (0-terminated) in Unicode normalization form NFC? */
static bool
IsComposed(const pg_wchar *chars)
{
	UnicodeNormalizationQC quick = unicode_is_normalized_quickcheck(UNICODE_NFC, chars);
	pg_wchar   *composed;
	bool		same;
	int			i;

	if (quick != UNICODE_NORM_QC_MAYBE)
		return quick == UNICODE_NORM_QC_YES;
	composed = unicode_normalize(UNICODE_NFC, chars);
	for (i = 0; chars[i] != 0 && composed[i] == chars[i]; i++)
		;
	same = chars[i] == composed[i];
	pfree(composed);
	return same;
}

/*
 * The lengths mail and DNS allow (RFC 5321 section 4.5.3.1, RFC 1035
 * section 2.3.4): an address's name (its local part) has at most 64 bytes,
 * its domain at most 253 characters (255 with the root's dot and length
 * octets), each label of it at most 63.  A longer one is no mailbox.
 */
#define EMAIL_NAME_MAX_BYTES	64
#define EMAIL_DOMAIN_MAX		253
#define DNS_LABEL_MAX			63

/* May c be in a part of the name (host false) or a label of the domain, after part characters? */
static inline bool
InPart(pg_wchar c, bool host, int part)
{
	if (c >= 0x80)
		return !host;
	if (isalnum((unsigned char) c))
		return true;
	return host ? c == '-' && part > 0 : strchr("!#$%&'*+-/=?^_`{|}~", (int) c) != NULL;
}

/*
 * Is one side of the "@" (n characters) parts joined by single dots, none
 * empty: for the name (host false) a dot-atom, whose parts hold letters,
 * digits, the signs ! # $ % & ' * + - / = ? ^ _ ` { | } ~ and characters
 * beyond ASCII; for the domain (host true) a host name, whose labels hold
 * ASCII letters, digits and hyphens, none first or last.  What else mail
 * allows is another spelling of the same mailbox and would be a second
 * principal for it: in the name a comment in parentheses, a quoted or
 * escaped form, a leading, trailing or doubled dot that mail software
 * drops; in the domain a trailing dot, a port, an address literal, a label
 * beyond ASCII (which IDNA maps: a fullwidth "ａ" is "a"; an
 * internationalised domain is given in its ASCII form, xn--…).
 */
static bool
DotSeparated(const pg_wchar *chars, int n, bool host)
{
	int			part = 0;		/* characters of the part being read */
	int			i;

	for (i = 0; i < n; i++)
	{
		pg_wchar	c = chars[i];

		if (c == '.')
		{
			if (part == 0 || (host && chars[i - 1] == '-'))
				return false;
			part = 0;
		}
		else if (InPart(c, host, part) && !(host && part == DNS_LABEL_MAX))
			part++;
		else
			return false;
	}
	return part > 0 && !(host && chars[n - 1] == '-');
}

/* Is the text (in the database encoding, len bytes) an address share_acl accepts? */
static bool
EmailIsValid(const char *s, int len)
{
	pg_wchar	chars[320 + 1];
	bool		ascii = true;
	int			at = -1;
	int			n = 0;
	int			i = 0;

	while (i < len)
	{
		pg_wchar	c;
		int			start = i;

		if (n == 320)
			return false;		/* (a long text is not read to its end) */
		if (!NextChar(s, len, &i, &c))
			return false;
		if (c == '@')
		{
			if (at >= 0 || start > EMAIL_NAME_MAX_BYTES)
				return false;
			at = n;
		}
		else if (Refused(c))
			return false;
		ascii = ascii && c < 0x80;
		chars[n++] = c;
	}
	chars[n] = 0;
	/* (an empty side is no part: "@x" and "x@" are refused there) */
	if (at < 0 || n - at - 1 > EMAIL_DOMAIN_MAX || !DotSeparated(chars, at, false) ||
		!DotSeparated(chars + at + 1, n - at - 1, true))
		return false;
	return ascii || GetDatabaseEncoding() != PG_UTF8 || IsComposed(chars);
}

#define EMAIL_RULE_HINT "An e-mail address is name@domain: the name at most 64 bytes of letters, digits, dots (single, not first or last) and the signs ! # $ %% & ' * + - / = ? ^ _ ` { | } ~, with no control or invisible formatting character and its letters in Unicode's composed form (NFC); the domain at most 253 characters, ASCII letters, digits and hyphens in dot-separated labels of at most 63 (an internationalised domain in its xn-- form)."

/* Raise 22023 unless email is an address share_acl accepts. */
void
EmailCheck(text *email)
{
	char	   *shown;
	int			len,
				keep;

	if (EmailIsValid(VARDATA_ANY(email), VARSIZE_ANY_EXHDR(email)))
		return;
	/* the message shows at most 320 bytes of it, cut where a character ends */
	shown = text_to_cstring(email);
	len = strlen(shown);
	keep = pg_mbcliplen(shown, len, 320);
	ereport(ERROR,
			(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
			 errmsg("invalid e-mail address: \"%.*s%s\"", keep, shown, keep < len ? "..." : ""),
			 errhint(EMAIL_RULE_HINT)));
}

/*
 * EmailCheck for an argument that sits beside a secret (open_link's
 * viewer_email, next to the token and the password, all text): the message
 * does not show it, since a caller who swapped the arguments would find the
 * password or token in the error, the client's log and the server's.
 */
void
EmailCheckUnshown(text *email, const char *argument)
{
	if (EmailIsValid(VARDATA_ANY(email), VARSIZE_ANY_EXHDR(email)))
		return;
	ereport(ERROR,
			(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
			 errmsg("invalid e-mail address in %s", argument),
			 errdetail("The value is not shown: it may be a password or token given in its place."),
			 errhint(EMAIL_RULE_HINT)));
}

/* _check_email(text) → void: EmailCheck, for the SQL functions. */
Datum
check_email(PG_FUNCTION_ARGS)
{
	EmailCheck(PG_GETARG_TEXT_PP(0));
	PG_RETURN_VOID();
}

/* is_valid_email(text) → boolean: the same rule, for the CHECK of principal.email. */
Datum
email_ok(PG_FUNCTION_ARGS)
{
	text	   *t = PG_GETARG_TEXT_PP(0);

	PG_RETURN_BOOL(EmailIsValid(VARDATA_ANY(t), VARSIZE_ANY_EXHDR(t)));
}

/* is_valid_name(text) → boolean: the rule for names, for the CHECKs of names and labels. */
Datum
name_ok(PG_FUNCTION_ARGS)
{
	text	   *t = PG_GETARG_TEXT_PP(0);

	PG_RETURN_BOOL(NameIsValid(VARDATA_ANY(t), VARSIZE_ANY_EXHDR(t)));
}

/* _name_shows(text) → boolean: NameShows, for the names that must be given. */
Datum
name_shows(PG_FUNCTION_ARGS)
{
	text	   *t = PG_GETARG_TEXT_PP(0);

	PG_RETURN_BOOL(NameShows(VARDATA_ANY(t), VARSIZE_ANY_EXHDR(t)));
}
