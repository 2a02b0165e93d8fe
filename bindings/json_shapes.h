/* json_shapes.h — the encoder's memory of object shapes (json_shapes.c):
 * an object whose keys, by identity and in lua_next's order, match a shape
 * seen before is written in that shape's sorted order with its keys' texts
 * as written then, without sorting or escaping them again. Used by json.c
 * only; one per encoder, so one thread at a time. */
#ifndef REDRESS_JSON_SHAPES_H
#define REDRESS_JSON_SHAPES_H

#include <lua.h>
#include <stddef.h>
#include <stdint.h>

#define RD_SHAPE_KEYS 32    /* larger objects are sorted every time */
#define RD_SHAPE_SLOTS 256  /* two places a shape may sit in, by its hash */
#define RD_SHAPE_SEEN 1024  /* hashes seen once */

/* An object key as json.c sorts it. */
struct rd_json_key {
	const char *s;
	size_t len;
	uint64_t pre; /* the first 8 bytes, big-endian, zero-padded */
	int slot;     /* where the key itself sits on the stack */
};

struct rd_json_shape {
	struct rd_json_shape *next; /* in the list of shapes put aside */
	uint64_t hash;
	uint64_t used; /* the clock when it last served */
	int n;
	const void *ptr[RD_SHAPE_KEYS];       /* the key strings, in lua_next's order */
	unsigned char at[RD_SHAPE_KEYS];      /* sorted place k → place in lua_next's order */
	const char *s[RD_SHAPE_KEYS];         /* sorted place k → the key's bytes (kept alive) */
	size_t len[RD_SHAPE_KEYS];
	unsigned short off[RD_SHAPE_KEYS + 1]; /* sorted place k → its "key": in text */
	char text[];
};

struct rd_json_shapes {
	struct rd_json_shape *slots[RD_SHAPE_SLOTS]; /* NULL: none */
	uint64_t seen[RD_SHAPE_SEEN]; /* a shape's hash seen once: remembered when seen again */
	uint64_t clock;               /* shapes served */
	struct rd_json_shape *aside;  /* replaced during an encode: freed when it ends */
	int anchored;                 /* keys in the anchor table */
};

/* The shape of the object whose n keys sit on the stack from base + 1,
 * every second slot; NULL when none matches (then *hash is what
 * rd_json_shape_learn takes). */
const struct rd_json_shape *rd_json_shape_find(struct rd_json_shapes *c, lua_State *L, int base, int n,
					       uint64_t *hash);

/* After an object of n string keys was written the long way (keys sorted,
 * each one's "key": at buf[kstart[k]..kend[k])): remembers its shape when
 * its hash was seen before. owner: the stack index of the userdata whose
 * user value 1 is the anchor table (the keys kept alive). May raise a
 * memory error; leaves no shape half made. */
void rd_json_shape_learn(struct rd_json_shapes *c, lua_State *L, int owner, int base, int n, uint64_t hash,
			 const struct rd_json_key *keys, const char *buf, const size_t *kstart, const size_t *kend);

/* At the end of an encode: frees the shapes replaced during it. */
void rd_json_shapes_done(struct rd_json_shapes *c);

/* Frees every shape (the encoder's __gc). */
void rd_json_shapes_free(struct rd_json_shapes *c);

#endif
