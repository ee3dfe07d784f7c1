/*
 * image.c — writing and mapping the shared image of the structure
 * (image.h).
 *
 * The image of database D is the file base/pgsql_tmp/pgsql_tmp_share_acl_D:
 * a header, then the node, collection-link, owner and workspace arrays (each
 * with room to grow, left sparse) and the three uuid index bucket arrays, at
 * offsets the header gives, all positions being record numbers (no
 * pointers).  A writer writes a file of its own and renames it over the
 * image, so a reader always opens a whole image, and a backend that mapped
 * the previous one keeps it until it unmaps it.  Files under pgsql_tmp are
 * removed when the server starts and skipped by base backups, so an image
 * never outlives the cluster run that wrote it.
 *
 * An image is used only by a backend of the same server run (system
 * identifier and start time), build layout and model catalog (relation
 * OIDs, column numbers, enum labels) as the one that wrote it, and only when
 * its header's offsets and counts lie within the file.  Its uuid
 * indexes carry their own hash key, drawn by the writing backend.  Nothing
 * uncommitted is ever in an image: a backend whose transaction changed the
 * structure does not write one.
 */
#include "postgres.h"

#include <fcntl.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <unistd.h>

#include "common/hashfn.h"
#include "miscadmin.h"
#include "access/xlog.h"
#include "postmaster/postmaster.h"
#include "storage/fd.h"
#include "utils/timestamp.h"

#include "catalog.h"
#include "image.h"

#define IMAGE_MAGIC		0x53414931	/* "SAI1" */
#define IMAGE_VERSION	1

typedef struct ImageIndex
{
	uint32		mask;
	uint32		record_mask;
	int32		count;
	Size		buckets;		/* offset */
} ImageIndex;

typedef struct ImageHeader
{
	uint32		magic;
	uint32		version;
	uint32		layout[4];		/* sizes of the header, a node, a link, an index */
	uint64		system_identifier;
	TimestampTz server_started; /* images of another run of the server are not used */
	Size		size;			/* of the whole file */
	Oid			database;
	uint64		catalog_fingerprint;
	uint64		image_id;		/* distinguishes images of the same database */
	uint64		key[2];			/* the hash key of the three indexes */
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
	FullTransactionId xmin,
				xmax;
	int32		nxip;
	Size		xip;			/* offset */
} ImageHeader;

/* The image this backend has mapped. */
static char *mapped = NULL;
static Size mapped_size = 0;

static void
ImagePath(char *path, Size len)
{
	snprintf(path, len, "base/%s/%s_share_acl_%u", PG_TEMP_FILES_DIR, PG_TEMP_FILE_PREFIX,
			 MyDatabaseId);
}

/* A fingerprint of the catalog facts: equal in every backend of the same installation. */
static uint64
CatalogFingerprint(void)
{
	return hash_bytes_extended((const unsigned char *) &catalog, sizeof(catalog), IMAGE_VERSION);
}

static Size
Align(Size n)
{
	return TYPEALIGN(64, n);
}

/* What must be equal for this build to read an image. */
static void
ImageLayout(uint32 *layout)
{
	layout[0] = sizeof(ImageHeader);
	layout[1] = sizeof(ResourceNode);
	layout[2] = sizeof(CollectionLink);
	layout[3] = sizeof(UuidIndex);
}

/* Does [offset, offset + n * elem) lie within an image of size bytes? */
static bool
Within(Size offset, Size n, Size elem, Size size)
{
	return offset <= size && n <= (size - offset) / Max(elem, 1);
}

/* Room to grow an array of n records: an eighth more, and 1,024. */
static int32
Room(int32 n)
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
 * Write s (a full structure held in backend memory, read at pos) as the
 * image of this database.  false when it was not written (an I/O error is
 * reported at LOG; the backend keeps its own copy).
 */
bool
ImagePublish(const StructureCache *s, const ChangeLogPosition *pos)
{
	ImageHeader h;
	char		path[MAXPGPATH];
	char		tmp[MAXPGPATH];
	Size		off;
	int			fd;
	bool		ok;

	if (s->partial || s->mapped_arrays || !pos->valid || s->resource_index.buckets == NULL ||
		s->owner_index.buckets == NULL || s->workspace_index.buckets == NULL)
		return false;
	memset(&h, 0, sizeof(h));
	h.magic = IMAGE_MAGIC;
	h.version = IMAGE_VERSION;
	ImageLayout(h.layout);
	h.system_identifier = GetSystemIdentifier();
	h.server_started = PgStartTime;
	h.database = MyDatabaseId;
	h.catalog_fingerprint = CatalogFingerprint();
	h.image_id = ((uint64) MyProcPid << 32) ^ (uint64) GetCurrentTimestamp();
	memcpy(h.key, s->resource_index.key, sizeof(h.key));
	if (memcmp(s->owner_index.key, h.key, sizeof(h.key)) != 0 ||
		memcmp(s->workspace_index.key, h.key, sizeof(h.key)) != 0)
		return false;
	h.nresources = s->nresources;
	h.rescap = Room(s->nresources);
	h.ndead = s->ndead;
	h.nlinks = s->nlinks;
	h.linkcap = Room(s->nlinks);
	h.nlinks_dropped = s->nlinks_dropped;
	h.nowners = s->nowners;
	h.ownercap = Room(s->nowners);
	h.nworkspaces = s->nworkspaces;
	h.wscap = Room(s->nworkspaces);
	h.xmin = pos->xmin;
	h.xmax = pos->xmax;
	h.nxip = pos->nxip;

	off = Align(sizeof(ImageHeader));
	h.xip = off;
	off = Align(off + sizeof(FullTransactionId) * pos->nxip);
	h.resources = off;
	off = Align(off + sizeof(ResourceNode) * (Size) h.rescap);
	h.links = off;
	off = Align(off + sizeof(CollectionLink) * (Size) h.linkcap);
	h.owner_ids = off;
	off = Align(off + sizeof(pg_uuid_t) * (Size) h.ownercap);
	h.workspace_ids = off;
	off = Align(off + sizeof(pg_uuid_t) * (Size) h.wscap);
#define INDEX_OUT(field) \
	do { \
		h.field.mask = s->field.mask; \
		h.field.record_mask = s->field.record_mask; \
		h.field.count = s->field.count; \
		h.field.buckets = off; \
		off = Align(off + sizeof(uint32) * ((Size) s->field.mask + 1)); \
	} while (0)
	INDEX_OUT(resource_index);
	INDEX_OUT(owner_index);
	INDEX_OUT(workspace_index);
#undef INDEX_OUT
	h.size = off;

	if (MakePGDirectory("base/" PG_TEMP_FILES_DIR) < 0 && errno != EEXIST)
		return false;
	ImagePath(path, sizeof(path));
	snprintf(tmp, sizeof(tmp), "%s.%d", path, MyProcPid);
	fd = OpenTransientFile(tmp, O_RDWR | O_CREAT | O_TRUNC | PG_BINARY);
	if (fd < 0)
	{
		ereport(LOG, (errcode_for_file_access(),
					  errmsg("could not create share_acl image \"%s\": %m", tmp)));
		return false;
	}
	ok = ftruncate(fd, (off_t) h.size) == 0 &&
		WriteAt(fd, pos->xip, sizeof(FullTransactionId) * pos->nxip, h.xip) &&
		WriteAt(fd, s->resources, sizeof(ResourceNode) * (Size) s->nresources, h.resources) &&
		WriteAt(fd, s->links, sizeof(CollectionLink) * (Size) s->nlinks, h.links) &&
		WriteAt(fd, s->owner_ids, sizeof(pg_uuid_t) * (Size) s->nowners, h.owner_ids) &&
		WriteAt(fd, s->workspace_ids, sizeof(pg_uuid_t) * (Size) s->nworkspaces, h.workspace_ids) &&
		WriteAt(fd, s->resource_index.buckets, sizeof(uint32) * ((Size) s->resource_index.mask + 1),
				h.resource_index.buckets) &&
		WriteAt(fd, s->owner_index.buckets, sizeof(uint32) * ((Size) s->owner_index.mask + 1),
				h.owner_index.buckets) &&
		WriteAt(fd, s->workspace_index.buckets,
				sizeof(uint32) * ((Size) s->workspace_index.mask + 1), h.workspace_index.buckets) &&
		WriteAt(fd, &h, sizeof(h), 0);	/* the header last */
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
	return ok;
}

/* Unmap the image this backend uses, if any. */
void
ImageRelease(void)
{
	if (mapped != NULL)
		munmap(mapped, mapped_size);
	mapped = NULL;
	mapped_size = 0;
}

/* Is p inside the mapped image? */
bool
ImageContains(const void *p)
{
	return mapped != NULL && (const char *) p >= mapped && (const char *) p < mapped + mapped_size;
}

static void
IndexIn(UuidIndex *index, const ImageHeader *h, const ImageIndex *in, const char *base, Size stride)
{
	index->buckets = (uint32 *) (mapped + in->buckets);
	index->mask = in->mask;
	index->record_mask = in->record_mask;
	index->count = in->count;
	index->base = base;
	index->stride = stride;
	memcpy(index->key, h->key, sizeof(index->key));
	index->borrowed = true;
}

/*
 * Map this database's image, if there is one made for this catalog, into *s
 * (whose arrays then point into the mapping) and its position into *pos
 * (allocated in TopMemoryContext); *image_id identifies it.  Releases the
 * image mapped before.
 */
bool
ImageAdopt(StructureCache *s, ChangeLogPosition *pos, uint64 *image_id)
{
	char		path[MAXPGPATH];
	int			fd;
	struct stat st;
	void	   *addr;
	const ImageHeader *h;
	FullTransactionId *xip;
	uint32		layout[4];

	ImageRelease();
	ImagePath(path, sizeof(path));
	fd = OpenTransientFile(path, O_RDONLY | PG_BINARY);
	if (fd < 0)
		return false;
	if (fstat(fd, &st) != 0 || (Size) st.st_size < sizeof(ImageHeader))
	{
		CloseTransientFile(fd);
		return false;
	}
	addr = mmap(NULL, (Size) st.st_size, PROT_READ | PROT_WRITE, MAP_PRIVATE, fd, 0);
	CloseTransientFile(fd);
	if (addr == MAP_FAILED)
		return false;
	mapped = addr;
	mapped_size = (Size) st.st_size;
	h = (const ImageHeader *) mapped;
	ImageLayout(layout);
	if (h->magic != IMAGE_MAGIC || h->version != IMAGE_VERSION ||
		memcmp(h->layout, layout, sizeof(layout)) != 0 ||
		h->system_identifier != GetSystemIdentifier() || h->server_started != PgStartTime ||
		h->size != mapped_size || h->database != MyDatabaseId ||
		h->catalog_fingerprint != CatalogFingerprint() ||
		U64FromFullTransactionId(h->xmax) > U64FromFullTransactionId(ReadNextFullTransactionId()) ||
		h->nxip < 0 || h->nresources < 0 || h->nresources > h->rescap ||
		h->nlinks < 0 || h->nlinks > h->linkcap || h->nowners < 0 || h->nowners > h->ownercap ||
		h->nworkspaces < 0 || h->nworkspaces > h->wscap ||
		!Within(h->xip, h->nxip, sizeof(FullTransactionId), mapped_size) ||
		!Within(h->resources, h->rescap, sizeof(ResourceNode), mapped_size) ||
		!Within(h->links, h->linkcap, sizeof(CollectionLink), mapped_size) ||
		!Within(h->owner_ids, h->ownercap, sizeof(pg_uuid_t), mapped_size) ||
		!Within(h->workspace_ids, h->wscap, sizeof(pg_uuid_t), mapped_size) ||
		!Within(h->resource_index.buckets, (Size) h->resource_index.mask + 1, sizeof(uint32), mapped_size) ||
		!Within(h->owner_index.buckets, (Size) h->owner_index.mask + 1, sizeof(uint32), mapped_size) ||
		!Within(h->workspace_index.buckets, (Size) h->workspace_index.mask + 1, sizeof(uint32), mapped_size))
	{
		ImageRelease();
		return false;
	}

	xip = MemoryContextAlloc(TopMemoryContext, sizeof(FullTransactionId) * (h->nxip + 1));
	memcpy(xip, mapped + h->xip, sizeof(FullTransactionId) * h->nxip);
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

	s->partial = false;
	s->warming = false;
	s->mapped_arrays = true;
	s->nresources = h->nresources;
	s->rescap = h->rescap;
	s->ndead = h->ndead;
	s->resources = (ResourceNode *) (mapped + h->resources);
	s->nlinks = h->nlinks;
	s->linkcap = h->linkcap;
	s->nlinks_dropped = h->nlinks_dropped;
	s->links = (CollectionLink *) (mapped + h->links);
	s->nowners = h->nowners;
	s->ownercap = h->ownercap;
	s->owner_ids = (pg_uuid_t *) (mapped + h->owner_ids);
	s->nworkspaces = h->nworkspaces;
	s->wscap = h->wscap;
	s->workspace_ids = (pg_uuid_t *) (mapped + h->workspace_ids);
	IndexIn(&s->resource_index, h, &h->resource_index, (const char *) s->resources, sizeof(ResourceNode));
	IndexIn(&s->owner_index, h, &h->owner_index, (const char *) s->owner_ids, sizeof(pg_uuid_t));
	IndexIn(&s->workspace_index, h, &h->workspace_index, (const char *) s->workspace_ids, sizeof(pg_uuid_t));
	*image_id = h->image_id;
	return true;
}

/* The size of the mapped image (shared by every backend that maps it). */
Size
ImageMappedBytes(void)
{
	return mapped_size;
}

/*
 * The pages of the mapped image this backend has written, and so holds a
 * private copy of ("Anonymous" pages of the mapping in /proc/self/smaps;
 * pages read from the page cache, even dirty ones a writer has not flushed
 * yet, are shared); 0 where that is not readable.
 */
Size
ImagePrivateBytes(void)
{
	FILE	   *f;
	char		line[256];
	bool		in_image = false;
	Size		kb = 0;
	unsigned long start = (unsigned long) mapped;

	if (mapped == NULL || (f = AllocateFile("/proc/self/smaps", "r")) == NULL)
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
