/*
 * image.h — caches shared by every backend of a database: files written by
 * one backend and mapped copy-on-write by the others.
 *
 * Owned by image.c.  One backend that loads a cache in full writes it as the
 * database's image of that kind (arrays and uuid index buckets as they are
 * in memory, positions as record numbers, never pointers, with the
 * change-log position it was read at); every other backend maps the newest
 * image privately (MAP_PRIVATE) instead of loading, and applies the change
 * log since the image's position: the pages it never writes stay one copy
 * in the kernel's page cache for all backends.  Reads take no lock.
 *
 * Three kinds: the structure (written and read here, ImagePublish and
 * ImageAdopt), the principal store (its format is principal_image.c's) and
 * the workspaces (workspaces.c's), these two written and mapped with
 * ImageWrite and ImageMap.
 */
#ifndef SHARE_ACL_IMAGE_H
#define SHARE_ACL_IMAGE_H

#include "postgres.h"

#include "change_log.h"
#include "structure.h"
#include "uuid_index.h"

typedef enum ImageKind
{
	IMAGE_STRUCTURE,
	IMAGE_PRINCIPALS,
	IMAGE_WORKSPACES,
	IMAGE_KINDS
} ImageKind;

/* A uuid index as an image holds it. */
typedef struct ImageIndex
{
	uint32		mask;
	uint32		record_mask;
	int32		count;
	Size		buckets;		/* offset */
} ImageIndex;

/* What every image starts with: whose it is, and the position it was read at. */
typedef struct ImageCommon
{
	uint32		magic;
	uint32		version;
	uint32		kind;			/* ImageKind */
	uint32		header_size;
	uint32		layout[4];		/* record sizes, as the kind defines them */
	uint64		system_identifier;
	TimestampTz server_started; /* images of another run of the server are not used */
	Size		size;			/* of the whole file */
	Oid			database;
	uint32		shared_memory;	/* nor of the same run before a crash restart */
	uint64		catalog_fingerprint;
	uint64		image_id;		/* distinguishes images of the same database */
	uint64		key[2];			/* the hash key of its uuid indexes */
	FullTransactionId xmin,
				xmax;
	int32		nxip;
	Size		xip;			/* offset */
} ImageCommon;

/* One array of an image being written: len bytes of data go to offset. */
typedef struct ImagePart
{
	const void *data;
	Size		len;
	Size		offset;
} ImagePart;

/* The part of n records of elem bytes at data, to be written at offset. */
static inline ImagePart
ImagePartOf(const void *data, Size n, Size elem, Size offset)
{
	ImagePart	part = {data, n * elem, offset};

	return part;
}

/* Laying out an image: reserve returns the offset of n records of elem bytes. */
extern Size ImageReserve(Size *end, Size n, Size elem);
extern bool ImageWithin(Size offset, Size n, Size elem, Size size);
extern int32 ImageRoom(int32 n);

extern bool ImageWrite(ImageKind kind, ImageCommon *header, const uint32 *layout,
					   const uint64 *key, const ChangeLogPosition *pos, Size size,
					   const ImagePart *parts, int nparts);
extern Size ImageSharedBound(void);
extern const char *ImageMap(ImageKind kind, Size header_size, const uint32 *layout,
							ChangeLogPosition *pos, uint64 *image_id);
extern void ImageIndexOut(ImageIndex *out, const UuidIndex *index, Size *end);
extern bool ImageIndexValid(const ImageIndex *in, Size size);
extern void ImageIndexIn(UuidIndex *index, const char *image, const ImageIndex *in,
						 const uint64 *key, const void *base, Size stride);

extern bool ImageMayHoldOnly(ChangeKind kind);
extern bool ImageWrittenWithin(ImageKind kind, int seconds);
extern bool ImageReplaced(ImageKind kind);
extern uint64 ImageFileStamp(ImageKind kind);
extern void ImageRelease(ImageKind kind);
extern void ImageReject(ImageKind kind);
extern bool ImageContains(ImageKind kind, const void *p);
extern Size ImageMappedBytes(ImageKind kind);
extern Size ImagePrivateBytes(ImageKind kind);

/* The structure's image */
extern bool ImagePublish(const StructureCache *s, const ChangeLogPosition *pos);
extern bool ImageAdopt(StructureCache *s, ChangeLogPosition *pos, uint64 *image_id);

#endif							/* SHARE_ACL_IMAGE_H */
