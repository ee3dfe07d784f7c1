/*
 * permset.h — the permission set: a 64-bit mask of fine-grained flags.
 *
 * The flag order is the order of SPEC §1 and is part of the on-disk format:
 * never reorder, only append.  The named sets (viewer, commenter, …) are
 * defined here too, because the engine caps and grants with them.
 *
 * This header is pure C (no backend includes) so that the parser can be
 * compiled into a fuzz harness outside the server.
 */
#ifndef SHARE_ACL_PERMSET_H
#define SHARE_ACL_PERMSET_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

typedef uint64_t Permset;

#define PERM_BIT(n)				((Permset) 1 << (n))

#define PERM_VIEW				PERM_BIT(0)
#define PERM_VIEW_DETAILS		PERM_BIT(1)
#define PERM_REACT				PERM_BIT(2)
#define PERM_DOWNLOAD			PERM_BIT(3)
#define PERM_COMMENT			PERM_BIT(4)
#define PERM_ANNOTATE			PERM_BIT(5)
#define PERM_APPROVE			PERM_BIT(6)
#define PERM_UPLOAD				PERM_BIT(7)
#define PERM_EDIT				PERM_BIT(8)
#define PERM_RENAME				PERM_BIT(9)
#define PERM_MOVE				PERM_BIT(10)
#define PERM_COPY				PERM_BIT(11)
#define PERM_DELETE_OWN			PERM_BIT(12)
#define PERM_DELETE				PERM_BIT(13)
#define PERM_VIEW_ACTIVITY		PERM_BIT(14)
#define PERM_RUN_AI				PERM_BIT(15)
#define PERM_SHARE				PERM_BIT(16)
#define PERM_MANAGE_MEMBERS		PERM_BIT(17)
#define PERM_CHANGE_PERMISSIONS	PERM_BIT(18)
#define PERM_MANAGE_COLLECTIONS	PERM_BIT(19)
#define PERM_RESOLVE_COMMENTS	PERM_BIT(20)
#define PERM_MAKE_PUBLIC		PERM_BIT(21)
#define PERM_MANAGE_SETTINGS	PERM_BIT(22)
#define PERM_VIEW_AUDIT			PERM_BIT(23)
#define PERM_TRANSFER_OWNERSHIP	PERM_BIT(24)
#define PERM_DELETE_SPACE		PERM_BIT(25)

#define PERM_NFLAGS				26
#define PERM_ALL				(PERM_BIT(PERM_NFLAGS) - 1)

/* Named sets of SPEC §1 */
#define PERMSET_VIEWER		(PERM_VIEW | PERM_VIEW_DETAILS | PERM_REACT)
#define PERMSET_COMMENTER	(PERMSET_VIEWER | PERM_COMMENT | PERM_ANNOTATE | PERM_APPROVE)
#define PERMSET_EDITOR		(PERMSET_COMMENTER | PERM_DOWNLOAD | PERM_UPLOAD | PERM_EDIT | \
							 PERM_RENAME | PERM_MOVE | PERM_COPY | PERM_DELETE_OWN | \
							 PERM_VIEW_ACTIVITY | PERM_RUN_AI)
#define PERMSET_MANAGER		(PERMSET_EDITOR | PERM_SHARE | PERM_MANAGE_MEMBERS | \
							 PERM_CHANGE_PERMISSIONS | PERM_MANAGE_COLLECTIONS | \
							 PERM_RESOLVE_COMMENTS)
#define PERMSET_FULL		PERM_ALL
#define PERMSET_VIEW_ONLY	(PERM_VIEW | PERM_VIEW_DETAILS)
#define PERMSET_VIEW_DOWNLOAD (PERM_VIEW | PERM_VIEW_DETAILS | PERM_DOWNLOAD)
#define PERMSET_CONTRIBUTOR	(PERM_VIEW | PERM_VIEW_DETAILS | PERM_DOWNLOAD | PERM_UPLOAD | \
							 PERM_EDIT | PERM_RENAME | PERM_COPY | PERM_MOVE | \
							 PERM_VIEW_ACTIVITY)
#define PERMSET_FULL_EDITOR	(PERMSET_CONTRIBUTOR | PERM_DELETE)

/* What a share link never grants (R9): share and every flag after it in SPEC §1. */
#define PERMSET_LINK_NEVER	(PERM_ALL & ~(PERM_SHARE - 1))

/* The flags each toggle of a share or link removes when false (R6). */
#define PERM_TOGGLE_DOWNLOAD	(PERM_DOWNLOAD)
#define PERM_TOGGLE_COMMENTS	(PERM_COMMENT | PERM_ANNOTATE | PERM_REACT)
#define PERM_TOGGLE_APPROVAL	(PERM_APPROVE)
#define PERM_TOGGLE_CONTRIBUTION (PERM_UPLOAD | PERM_EDIT | PERM_RENAME | PERM_MOVE | \
								 PERM_COPY | PERM_DELETE_OWN | PERM_DELETE)

/* A permission set masked by the four toggles of a share or link (R6). */
static inline Permset
PermsetApplyToggles(Permset perms, bool allow_download, bool allow_comments,
					bool allow_approval, bool allow_contribution)
{
	if (!allow_download)
		perms &= ~PERM_TOGGLE_DOWNLOAD;
	if (!allow_comments)
		perms &= ~PERM_TOGGLE_COMMENTS;
	if (!allow_approval)
		perms &= ~PERM_TOGGLE_APPROVAL;
	if (!allow_contribution)
		perms &= ~PERM_TOGGLE_CONTRIBUTION;
	return perms;
}

/* Longest text accepted by the parser (bytes); longer input is refused. */
#define PERMSET_MAX_INPUT	4096

/* Outcome of PermsetParse, for the caller to turn into an error. */
typedef enum PermsetParseStatus
{
	PERMSET_PARSE_OK,
	PERMSET_PARSE_TOO_LONG,			/* input longer than PERMSET_MAX_INPUT */
	PERMSET_PARSE_BAD_BYTE,			/* control or non-ASCII byte */
	PERMSET_PARSE_EMPTY_ITEM,		/* "view,,edit", a trailing separator, … */
	PERMSET_PARSE_UNKNOWN_NAME		/* a word that is no flag and no named set */
} PermsetParseStatus;

typedef struct PermsetParseResult
{
	PermsetParseStatus status;
	Permset		value;
	size_t		bad_offset;			/* where the offending item starts */
	size_t		bad_length;			/* its length (for UNKNOWN_NAME) */
} PermsetParseResult;

extern PermsetParseResult PermsetParse(const char *input, size_t len);
extern Permset PermsetLookupWord(const char *word, size_t len, bool *found);
extern const char *PermsetFlagName(int bit);
extern size_t PermsetFormat(Permset value, char *buf, size_t buflen);
extern const char *PermsetLevelName(Permset value);
extern const char *PermsetValidNames(void);

#endif							/* SHARE_ACL_PERMSET_H */
