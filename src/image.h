/*
 * image.h — the structure shared by every backend of a database: a file
 * image of a fully loaded structure, mapped copy-on-write.
 *
 * Owned by image.c.  One backend that loads the structure in full writes it
 * as the database's image (arrays and uuid index buckets as they are in
 * memory, with room to grow, and the change-log position it was loaded at);
 * every backend that needs the structure in full maps the newest image
 * privately (MAP_PRIVATE) instead of loading, and applies the change log
 * since the image's position: the pages it never writes stay one copy in the
 * kernel's page cache for all backends; a delta copies only the pages it
 * writes into the backend.  Reads take no lock.
 */
#ifndef SHARE_ACL_IMAGE_H
#define SHARE_ACL_IMAGE_H

#include "postgres.h"

#include "change_log.h"
#include "structure.h"

extern bool ImagePublish(const StructureCache *s, const ChangeLogPosition *pos);
extern bool ImageAdopt(StructureCache *s, ChangeLogPosition *pos, uint64 *image_id);
extern void ImageRelease(void);
extern bool ImageContains(const void *p);
extern Size ImageMappedBytes(void);
extern Size ImagePrivateBytes(void);

#endif							/* SHARE_ACL_IMAGE_H */
