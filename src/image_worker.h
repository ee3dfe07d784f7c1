/*
 * image_worker.h — the background worker that writes a database's images
 * for the backends that cannot (src/image_worker.c).
 */
#ifndef SHARE_ACL_IMAGE_WORKER_H
#define SHARE_ACL_IMAGE_WORKER_H

#include "postgres.h"
#include "fmgr.h"

/*
 * A backend asks for an image that is merely too far behind only when it was
 * written more than this many seconds ago (an image that is missing, at once).
 */
#define IMAGE_REWRITE_AFTER_S	30

/* Start the image writer for this database, unless one is at work (or asked for just now). */
extern void ImageWorkerRequest(void);

/* Entry point of the worker. */
extern PGDLLEXPORT void share_acl_image_worker_main(Datum main_arg);

#endif							/* SHARE_ACL_IMAGE_WORKER_H */
