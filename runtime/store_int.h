/* store_int.h — what the store's own files share (store.c, store_writes.c,
 * store_backup.c); nothing else includes it. */
#ifndef RD_STORE_INT_H
#define RD_STORE_INT_H

#include "store.h"

/* Maps an LMDB (or errno) code to an RD_E code: the one mapping. */
int rd__lmdb_error(int rc);
/* Creates and opens s->env on s->path (s->map_size at least) with the
 * daemon's settings, and its databases. */
int rd__store_env_open(rd_store *s, char *err, size_t errlen);
/* Takes the data directory's lock (one redressd per directory). */
int rd__store_lock(rd_store *s, const char *dir, char *err, size_t errlen);

#endif
