/*
 * image.c — writing and mapping the images of image.h, and the structure's
 * image format.
 *
 * The image of kind K of database D is the file
 * base/pgsql_tmp/pgsql_tmp_share_acl_D (the structure), ..._D_p (the
 * principal store) or ..._D_w (the workspaces): an ImageCommon header, the
 * kind's own header fields, then its arrays at offsets the header gives, all
 * positions being record numbers (no pointers).  A writer writes a file of
 * its own and renames it over the image, so a reader always opens a whole
 * image, and a backend that mapped the previous one keeps it until it unmaps
 * it.  Files under
 * pgsql_tmp are removed when the server starts and skipped by base backups,
 * so an image never outlives the cluster run that wrote it.
 *
 * An image is used only by a backend of the same server run (system
 * identifier, start time, and main shared memory segment: a crash restart
 * makes a new one, and with remove_temp_files_after_crash off the images of
 * before the crash, which may hold commits that recovery did not bring
 * back, stay in pgsql_tmp), build layout, model catalog (relation OIDs,
 * column numbers, enum labels) and database (not one dropped before it
 * with its OID) as the one that wrote it, and only when its header's
 * offsets and counts lie within the file.  Writing an image removes those
 * of dropped databases.  Its uuid indexes
 * carry their own hash key, drawn by the writing backend.  Nothing
 * uncommitted is ever in an image: a backend whose transaction changed the
 * model does not write one.
 *
 * The structure's image holds the node, collection-link, owner and
 * workspace arrays (each with room to grow, left sparse) and the three uuid
 * index bucket arrays.
 */
#include "postgres.h"

#include <fcntl.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "common/hashfn.h"
#include "miscadmin.h"
#include "access/htup_details.h"
#include "access/xact.h"
#include "access/xlog.h"
#include "postmaster/postmaster.h"
#include "storage/fd.h"
#include "storage/pg_shmem.h"
#include "utils/syscache.h"
#include "utils/timestamp.h"

#include "catalog.h"
#include "image.h"

#define IMAGE_MAGIC		0x53414931	/* "SAI1" */
#define IMAGE_VERSION	5

/* The structure's header. */
typedef struct ImageHeader
{
	ImageCommon common;
	int32		nresources,
				rescap,
				ndead,
				nlinks,
				linkcap,
				nlinks_dropped,
				nowners,
				ownercap,
				nworkspaces,
				wscap;
	Size		resources,
				links,
				owner_ids,
				workspace_ids;	/* offsets */
	ImageIndex	resource_index,
				owner_index,
				workspace_index;
} ImageHeader;

/* The images this backend has mapped, by kind. */
static char *mapped[IMAGE_KINDS];
static const char *const kind_suffix[IMAGE_KINDS] = {"", "_p", "_w"};
static const char *const kind_name[IMAGE_KINDS] = {"structure", "principal", "workspace"};
static Size mapped_size[IMAGE_KINDS];
static uint64 mapped_stamp[IMAGE_KINDS];	/* the file each was mapped from (FileStamp) */

static void
ImagePath(ImageKind kind, char *path, Size len)
{
	snprintf(path, len, "base/%s/%s_share_acl_%u%s", PG_TEMP_FILES_DIR, PG_TEMP_FILE_PREFIX,
			 MyDatabaseId, kind_suffix[kind]);
}

/*
 * What names this making of the server's shared memory (done when the server
 * starts and at every crash restart): the handle of its dynamic shared
 * memory control segment, which the postmaster draws at random each time.
 */
static uint32
SharedMemoryMade(void)
{
	return ((const PGShmemHeader *) UsedShmemSegAddr)->dsm_control;
}

/*
 * The catalog facts' fingerprint, of this image format and this database:
 * its pg_database row's xmin tells it from a database dropped before it
 * that had its OID (CREATE DATABASE … OID, or the OIDs wrapping around),
 * whose images stay in pgsql_tmp, and which a copy of the same template
 * gives the same relation OIDs.  (An ALTER DATABASE that writes the row
 * anew changes it too, which only costs the images.)
 */
static uint64
ImageCatalogFingerprint(void)
{
	HeapTuple	tup = SearchSysCache1(DATABASEOID, ObjectIdGetDatum(MyDatabaseId));
	TransactionId created;

	if (!HeapTupleIsValid(tup))
		elog(ERROR, "cache lookup failed for database %u", MyDatabaseId);
	created = HeapTupleHeaderGetRawXmin(tup->t_data);
	ReleaseSysCache(tup);
	return hash_combine64(hash_combine64(CatalogFingerprint(), IMAGE_VERSION), created);
}

/* Does [offset, offset + n * elem) lie within an image of size bytes? */
bool
ImageWithin(Size offset, Size n, Size elem, Size size)
{
	return offset <= size && n <= (size - offset) / Max(elem, 1);
}

/* Reserve n records of elem bytes at *end (64-byte aligned); returns their offset. */
Size
ImageReserve(Size *end, Size n, Size elem)
{
	Size		off = TYPEALIGN(64, *end);

	*end = off + n * elem;
	return off;
}

/* Room to grow an array of n records: an eighth more, and 1,024. */
int32
ImageRoom(int32 n)
{
	return n + n / 8 + 1024;
}

/* Write all of buf at offset; false on an error. */
static bool
WriteAt(int fd, const void *buf, Size len, Size offset)
{
	const char *p = buf;

	while (len > 0)
	{
		ssize_t		w = pwrite(fd, p, Min(len, (Size) 1 << 30), (off_t) offset);

		if (w <= 0)
			return false;
		p += w;
		len -= w;
		offset += w;
	}
	return true;
}

/*
 * Remove the image files of databases that no longer exist (a dropped
 * database's would otherwise stay in pgsql_tmp until the server restarts).
 * A database created meanwhile with such an OID loses at worst an image it
 * wrote, which it writes again.
 */
static void
RemoveImagesOfDropped(void)
{
	DIR		   *d = AllocateDir("base/" PG_TEMP_FILES_DIR);
	struct dirent *de;
	char		prefix[64];
	size_t		prefix_len;

	prefix_len = snprintf(prefix, sizeof(prefix), "%s_share_acl_", PG_TEMP_FILE_PREFIX);
	while ((de = ReadDirExtended(d, "base/" PG_TEMP_FILES_DIR, LOG)) != NULL)
	{
		char	   *end;
		unsigned long db;
		char		path[MAXPGPATH];

		if (strncmp(de->d_name, prefix, prefix_len) != 0)
			continue;
		errno = 0;
		db = strtoul(de->d_name + prefix_len, &end, 10);
		if (errno != 0 || end == de->d_name + prefix_len || db > PG_UINT32_MAX ||
			SearchSysCacheExists1(DATABASEOID, ObjectIdGetDatum((Oid) db)))
			continue;
		snprintf(path, sizeof(path), "base/%s/%s", PG_TEMP_FILES_DIR, de->d_name);
		if (unlink(path) != 0 && errno != ENOENT)
			ereport(LOG, (errcode_for_file_access(),
						  errmsg("could not remove share_acl image \"%s\": %m", path)));
	}
	FreeDir(d);
}

/*
 * share_acl.shared_cache_size in bytes: the largest image written or mapped
 * (so that lowering the setting also stops backends from mapping an image
 * written under a larger one), and what the writers estimate against.
 */
Size
ImageSharedBound(void)
{
	return (Size) share_acl_shared_cache_size_mb * 1024 * 1024;
}

/*
 * Write an image of kind: header (an ImageCommon followed by the kind's
 * fields, header->header_size bytes in all; its common part is filled here),
 * the parts, and pos's xip at the offset header->xip, in a file of size
 * bytes.  false when it was not written (an I/O error is reported at LOG).
 */
bool
ImageWrite(ImageKind kind, ImageCommon *header, const uint32 *layout, const uint64 *key,
		   const ChangeLogPosition *pos, Size size, const ImagePart *parts, int nparts)
{
	char		path[MAXPGPATH];
	char		tmp[MAXPGPATH];
	int			fd;
	bool		ok;
	int			i;

	if (!pos->valid || size > ImageSharedBound())
		return false;
	header->magic = IMAGE_MAGIC;
	header->version = IMAGE_VERSION;
	header->kind = kind;
	memcpy(header->layout, layout, sizeof(header->layout));
	header->system_identifier = GetSystemIdentifier();
	header->server_started = PgStartTime;
	header->shared_memory = SharedMemoryMade();
	header->size = size;
	header->database = MyDatabaseId;
	header->catalog_fingerprint = ImageCatalogFingerprint();
	header->image_id = ((uint64) MyProcPid << 32) ^ (uint64) GetCurrentTimestamp();
	memcpy(header->key, key, sizeof(header->key));
	header->xmin = pos->xmin;
	header->xmax = pos->xmax;
	header->nxip = pos->nxip;

	if (MakePGDirectory("base/" PG_TEMP_FILES_DIR) < 0 && errno != EEXIST)
		return false;
	ImagePath(kind, path, sizeof(path));
	snprintf(tmp, sizeof(tmp), "%s.%d", path, MyProcPid);
	fd = OpenTransientFile(tmp, O_RDWR | O_CREAT | O_TRUNC | PG_BINARY);
	if (fd < 0)
	{
		ereport(LOG, (errcode_for_file_access(),
					  errmsg("could not create share_acl image \"%s\": %m", tmp)));
		return false;
	}
	ok = ftruncate(fd, (off_t) size) == 0 &&
		WriteAt(fd, pos->xip, sizeof(FullTransactionId) * pos->nxip, header->xip);
	for (i = 0; ok && i < nparts; i++)
		ok = WriteAt(fd, parts[i].data, parts[i].len, parts[i].offset);
	ok = ok && WriteAt(fd, header, header->header_size, 0);	/* the header last */
	if (CloseTransientFile(fd) != 0)
		ok = false;
	if (ok && rename(tmp, path) != 0)
		ok = false;
	if (!ok)
	{
		ereport(LOG, (errcode_for_file_access(),
					  errmsg("could not write share_acl image \"%s\": %m", path)));
		unlink(tmp);
	}
	else
		RemoveImagesOfDropped();
	return ok;
}

/* Unmap the image of kind this backend uses, if any. */
void
ImageRelease(ImageKind kind)
{
	if (mapped[kind] != NULL)
		munmap(mapped[kind], mapped_size[kind]);
	mapped[kind] = NULL;
	mapped_size[kind] = 0;
}

/*
 * May what this backend reads now of a cache of change kind become an image?
 * Not when it may hold this transaction's uncommitted changes (a transaction
 * that has written anything writes no image), nor in parallel mode (the
 * query's snapshot, not the latest).
 */
bool
ImageMayHoldOnly(ChangeKind kind)
{
	return !IsInParallelMode() && !TransactionIdIsValid(GetTopTransactionIdIfAny()) &&
		!ChangeLogOwnChanges(kind);
}

/* Was this database's image of kind written less than seconds ago? */
bool
ImageWrittenWithin(ImageKind kind, int seconds)
{
	char		path[MAXPGPATH];
	struct stat st;

	ImagePath(kind, path, sizeof(path));
	return stat(path, &st) == 0 && st.st_mtime > time(NULL) - seconds;
}

/*
 * What tells an image file from the ones written before and after it under
 * the same name (its inode, size and modification time: an inode number can
 * be reused once the file it named is gone); never 0.
 */
static uint64
FileStamp(const struct stat *st)
{
	uint64		stamp = (uint64) st->st_ino * UINT64CONST(0x9E3779B97F4A7C15);

	stamp ^= (uint64) st->st_size + ((uint64) st->st_mtim.tv_sec << 30) + (uint64) st->st_mtim.tv_nsec;
	return stamp != 0 ? stamp : 1;
}

/* The FileStamp of this database's image file of kind, or 0 when there is none. */
uint64
ImageFileStamp(ImageKind kind)
{
	char		path[MAXPGPATH];
	struct stat st;

	ImagePath(kind, path, sizeof(path));
	return stat(path, &st) == 0 ? FileStamp(&st) : 0;
}

/*
 * Is there an image of kind other than the one this backend maps (written,
 * and renamed over it, since it was mapped)?
 */
bool
ImageReplaced(ImageKind kind)
{
	uint64		stamp;

	if (mapped[kind] == NULL)
		return false;
	stamp = ImageFileStamp(kind);
	return stamp != 0 && stamp != mapped_stamp[kind];
}

/* Release the mapped image of kind, whose own fields are wrong (damaged). */
void
ImageReject(ImageKind kind)
{
	ImageRelease(kind);
	elog(DEBUG1, "share_acl: the %s image is damaged: not used", kind_name[kind]);
}

/* Is p inside the mapped image of kind? */
bool
ImageContains(ImageKind kind, const void *p)
{
	return mapped[kind] != NULL && (const char *) p >= mapped[kind] &&
		(const char *) p < mapped[kind] + mapped_size[kind];
}

/*
 * Map this database's image of kind, if there is one made by this server
 * run, build and catalog, whose header (header_size bytes) and xip lie
 * within it; its position goes to *pos (the xip allocated in the current
 * memory context, so that an error before the caller frees it leaves it to
 * that context) and its id to *image_id.  Releases the image of kind
 * mapped before.  The caller checks its own header fields (ImageWithin) and
 * calls ImageReject when they are wrong.  NULL when there is none to use.
 */
const char *
ImageMap(ImageKind kind, Size header_size, const uint32 *layout, ChangeLogPosition *pos,
		 uint64 *image_id)
{
	char		path[MAXPGPATH];
	int			fd;
	struct stat st;
	void	   *addr;
	const ImageCommon *h;
	FullTransactionId *xip;

	ImageRelease(kind);
	ImagePath(kind, path, sizeof(path));
	fd = OpenTransientFile(path, O_RDONLY | PG_BINARY);
	if (fd < 0)
		return NULL;
	if (fstat(fd, &st) != 0 || (Size) st.st_size < header_size)
	{
		CloseTransientFile(fd);
		elog(DEBUG1, "share_acl: image \"%s\" not used: shorter than its header", path);
		return NULL;
	}
	if ((Size) st.st_size > ImageSharedBound())
	{
		CloseTransientFile(fd);
		elog(DEBUG1, "share_acl: image \"%s\" not used: larger than share_acl.shared_cache_size", path);
		return NULL;
	}
	addr = mmap(NULL, (Size) st.st_size, PROT_READ | PROT_WRITE, MAP_PRIVATE, fd, 0);
	CloseTransientFile(fd);
	if (addr == MAP_FAILED)
		return NULL;
	mapped[kind] = addr;
	mapped_size[kind] = (Size) st.st_size;
	mapped_stamp[kind] = FileStamp(&st);
	h = (const ImageCommon *) addr;
	if (h->magic != IMAGE_MAGIC || h->version != IMAGE_VERSION || h->kind != (uint32) kind ||
		h->header_size != header_size || memcmp(h->layout, layout, sizeof(h->layout)) != 0 ||
		h->system_identifier != GetSystemIdentifier() || h->server_started != PgStartTime ||
		h->shared_memory != SharedMemoryMade() ||
		h->size != mapped_size[kind] || h->database != MyDatabaseId ||
		h->catalog_fingerprint != ImageCatalogFingerprint() ||
		U64FromFullTransactionId(h->xmax) > U64FromFullTransactionId(ReadNextFullTransactionId()) ||
		h->nxip < 0 || !ImageWithin(h->xip, h->nxip, sizeof(FullTransactionId), mapped_size[kind]))
	{
		ImageRelease(kind);
		elog(DEBUG1, "share_acl: image \"%s\" not used: made by another server run, build or catalog, or damaged",
			 path);
		return NULL;
	}

	xip = palloc(sizeof(FullTransactionId) * (h->nxip + 1));
	memcpy(xip, mapped[kind] + h->xip, sizeof(FullTransactionId) * h->nxip);
	pos->valid = false;
	if (pos->xip)
		pfree(pos->xip);
	pos->xip = xip;
	pos->nxip = h->nxip;
	pos->xmin = h->xmin;
	pos->xmax = h->xmax;
	pos->own = InvalidFullTransactionId;
	pos->own_curcid = InvalidCommandId;
	pos->valid = true;
	*image_id = h->image_id;
	return mapped[kind];
}

/* Describe index in out, its buckets reserved at *end. */
void
ImageIndexOut(ImageIndex *out, const UuidIndex *index, Size *end)
{
	out->mask = index->mask;
	out->record_mask = index->record_mask;
	out->count = index->count;
	out->buckets = ImageReserve(end, (Size) index->mask + 1, sizeof(uint32));
}

/* Do the buckets of an image index lie within an image of size bytes? */
bool
ImageIndexValid(const ImageIndex *in, Size size)
{
	return ImageWithin(in->buckets, (Size) in->mask + 1, sizeof(uint32), size) &&
		(in->mask & (in->mask + 1)) == 0;
}

/* Point index at an image's index, over records at base. */
void
ImageIndexIn(UuidIndex *index, const char *image, const ImageIndex *in, const uint64 *key,
			 const void *base, Size stride)
{
	index->buckets = (uint32 *) (image + in->buckets);
	index->mask = in->mask;
	index->record_mask = in->record_mask;
	index->count = in->count;
	index->base = base;
	index->stride = stride;
	memcpy(index->key, key, sizeof(index->key));
	index->borrowed = true;
}

/* The size of the mapped image of kind (shared by every backend that maps it). */
Size
ImageMappedBytes(ImageKind kind)
{
	return mapped_size[kind];
}

/*
 * The pages of the mapped image of kind this backend has written, and so
 * holds a private copy of ("Anonymous" pages of the mapping in
 * /proc/self/smaps; pages read from the page cache, even dirty ones a writer
 * has not flushed yet, are shared); 0 where that is not readable.
 */
Size
ImagePrivateBytes(ImageKind kind)
{
	FILE	   *f;
	char		line[256];
	bool		in_image = false;
	Size		kb = 0;
	unsigned long start = (unsigned long) mapped[kind];

	if (mapped[kind] == NULL || (f = AllocateFile("/proc/self/smaps", "r")) == NULL)
		return 0;
	while (fgets(line, sizeof(line), f) != NULL)
	{
		unsigned long lo,
					hi;
		unsigned long v;

		if (sscanf(line, "%lx-%lx ", &lo, &hi) == 2 && strchr(line, '-') < strchr(line, ' '))
			in_image = lo == start;
		else if (in_image && sscanf(line, "Anonymous: %lu kB", &v) == 1)
			kb += v;
	}
	FreeFile(f);
	return kb * 1024;
}

/* ---------------------------------------------------------------------------
 * The structure's image
 * ------------------------------------------------------------------------- */

/* What must be equal for this build to read a structure image. */
static void
StructureLayout(uint32 *layout)
{
	layout[0] = sizeof(ResourceNode);
	layout[1] = sizeof(CollectionLink);
	layout[2] = sizeof(UuidIndex);
	layout[3] = sizeof(pg_uuid_t);
}

/*
 * Write s (a full structure as of pos: held in backend memory, or a mapped
 * image with the changes since, its added nodes in its own index) as the
 * image of this database.  false when it was not written (the backend keeps
 * its own copy).
 */
bool
ImagePublish(const StructureCache *s, const ChangeLogPosition *pos)
{
	ImageHeader h;
	uint32		layout[4];
	Size		end = sizeof(ImageHeader);
	ImagePart	parts[7];

	if (s->partial || s->added_index.count > 0 || !pos->valid || s->resource_index.buckets == NULL ||
		s->owner_index.buckets == NULL || s->workspace_index.buckets == NULL ||
		memcmp(s->owner_index.key, s->resource_index.key, sizeof(s->resource_index.key)) != 0 ||
		memcmp(s->workspace_index.key, s->resource_index.key, sizeof(s->resource_index.key)) != 0)
		return false;
	memset(&h, 0, sizeof(h));
	h.common.header_size = sizeof(ImageHeader);
	h.nresources = s->nresources;
	h.rescap = ImageRoom(s->nresources);
	h.ndead = s->ndead;
	h.nlinks = s->nlinks;
	h.linkcap = ImageRoom(s->nlinks);
	h.nlinks_dropped = s->nlinks_dropped;
	h.nowners = s->nowners;
	h.ownercap = ImageRoom(s->nowners);
	h.nworkspaces = s->nworkspaces;
	h.wscap = ImageRoom(s->nworkspaces);

	h.common.xip = ImageReserve(&end, pos->nxip, sizeof(FullTransactionId));
	h.resources = ImageReserve(&end, h.rescap, sizeof(ResourceNode));
	h.links = ImageReserve(&end, h.linkcap, sizeof(CollectionLink));
	h.owner_ids = ImageReserve(&end, h.ownercap, sizeof(pg_uuid_t));
	h.workspace_ids = ImageReserve(&end, h.wscap, sizeof(pg_uuid_t));
	ImageIndexOut(&h.resource_index, &s->resource_index, &end);
	ImageIndexOut(&h.owner_index, &s->owner_index, &end);
	ImageIndexOut(&h.workspace_index, &s->workspace_index, &end);

	parts[0] = ImagePartOf(s->resources, s->nresources, sizeof(ResourceNode), h.resources);
	parts[1] = ImagePartOf(s->links, s->nlinks, sizeof(CollectionLink), h.links);
	parts[2] = ImagePartOf(s->owner_ids, s->nowners, sizeof(pg_uuid_t), h.owner_ids);
	parts[3] = ImagePartOf(s->workspace_ids, s->nworkspaces, sizeof(pg_uuid_t), h.workspace_ids);
	parts[4] = ImagePartOf(s->resource_index.buckets, (Size) s->resource_index.mask + 1, sizeof(uint32),
		 h.resource_index.buckets);
	parts[5] = ImagePartOf(s->owner_index.buckets, (Size) s->owner_index.mask + 1, sizeof(uint32),
		 h.owner_index.buckets);
	parts[6] = ImagePartOf(s->workspace_index.buckets, (Size) s->workspace_index.mask + 1, sizeof(uint32),
		 h.workspace_index.buckets);
	StructureLayout(layout);
	return ImageWrite(IMAGE_STRUCTURE, &h.common, layout, s->resource_index.key, pos,
					  TYPEALIGN(64, end), parts, lengthof(parts));
}

/*
 * Map this database's structure image, if there is one made for this
 * catalog, into *s (whose arrays then point into the mapping) and its
 * position into *pos (its xip allocated in the current memory context);
 * *image_id identifies it.  Releases the image mapped before.
 */
bool
ImageAdopt(StructureCache *s, ChangeLogPosition *pos, uint64 *image_id)
{
	uint32		layout[4];
	const char *image;
	const ImageHeader *h;
	Size		size;

	StructureLayout(layout);
	image = ImageMap(IMAGE_STRUCTURE, sizeof(ImageHeader), layout, pos, image_id);
	if (image == NULL)
		return false;
	h = (const ImageHeader *) image;
	size = h->common.size;
	if (h->nresources < 0 || h->nresources > h->rescap ||
		h->nlinks < 0 || h->nlinks > h->linkcap || h->nowners < 0 || h->nowners > h->ownercap ||
		h->nworkspaces < 0 || h->nworkspaces > h->wscap ||
		!ImageWithin(h->resources, h->rescap, sizeof(ResourceNode), size) ||
		!ImageWithin(h->links, h->linkcap, sizeof(CollectionLink), size) ||
		!ImageWithin(h->owner_ids, h->ownercap, sizeof(pg_uuid_t), size) ||
		!ImageWithin(h->workspace_ids, h->wscap, sizeof(pg_uuid_t), size) ||
		!ImageIndexValid(&h->resource_index, size) || !ImageIndexValid(&h->owner_index, size) ||
		!ImageIndexValid(&h->workspace_index, size))
	{
		ImageReject(IMAGE_STRUCTURE);
		return false;
	}

	s->partial = false;
	s->warming = false;
	s->mapped_arrays = true;
	s->nresources = h->nresources;
	s->rescap = h->rescap;
	s->ndead = h->ndead;
	s->resources = (ResourceNode *) (image + h->resources);
	s->nlinks = h->nlinks;
	s->linkcap = h->linkcap;
	s->nlinks_dropped = h->nlinks_dropped;
	s->links = (CollectionLink *) (image + h->links);
	s->nowners = h->nowners;
	s->ownercap = h->ownercap;
	s->owner_ids = (pg_uuid_t *) (image + h->owner_ids);
	s->nworkspaces = h->nworkspaces;
	s->wscap = h->wscap;
	s->workspace_ids = (pg_uuid_t *) (image + h->workspace_ids);
	ImageIndexIn(&s->resource_index, image, &h->resource_index, h->common.key,
				 s->resources, sizeof(ResourceNode));
	ImageIndexIn(&s->owner_index, image, &h->owner_index, h->common.key,
				 s->owner_ids, sizeof(pg_uuid_t));
	ImageIndexIn(&s->workspace_index, image, &h->workspace_index, h->common.key,
				 s->workspace_ids, sizeof(pg_uuid_t));
	return true;
}
