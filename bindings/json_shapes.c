/* json_shapes.c — the encoder's memory of object shapes (see json_shapes.h).
 *
 * Sorting an object's keys and writing each as a JSON string was about a
 * third of encoding it: the copy of each key, its bytes, the sort, the
 * escape scan. Records of one kind have the same keys, and tables made the
 * same way give them to lua_next in the same order, so an object whose keys
 * (by identity) and order match a shape seen before is written in that
 * shape's order, with the keys' texts the encoder wrote the first time:
 * 17,000 fewer instructions a retail decision, which writes about 75 keys.
 *
 * Identity is safe because a shape keeps its keys alive: a remembered key
 * string sits in the anchor table, so its address names no other string
 * while the shape exists. The anchor table grows to SHAPE_ANCHORS keys;
 * then every shape is forgotten and a new table replaces it, so the memory
 * is bounded whatever objects pass through.
 */
#include "json_shapes.h"

#include <lauxlib.h>
#include <stdlib.h>
#include <string.h>

#define SHAPE_KEY_LEN 64   /* a longer key: its object is not remembered */
#define SHAPE_ANCHORS 8192 /* keys kept alive before the shapes start over */

static int slot_of(uint64_t h, int way)
{
	return (int)((way ? h >> 40 : h ^ h >> 32) & (RD_SHAPE_SLOTS - 1));
}

/* A shape replaced while an encode runs may be the one an outer object is
 * being written from: it is put aside, and freed when the encode is over. */
static void put_aside(struct rd_json_shapes *c, struct rd_json_shape *sh)
{
	if (sh) {
		sh->next = c->aside;
		c->aside = sh;
	}
}

void rd_json_shapes_done(struct rd_json_shapes *c)
{
	while (c->aside) {
		struct rd_json_shape *sh = c->aside;
		c->aside = sh->next;
		free(sh);
	}
}

static void forget(struct rd_json_shapes *c)
{
	for (int k = 0; k < RD_SHAPE_SLOTS; k++) {
		put_aside(c, c->slots[k]);
		c->slots[k] = NULL;
	}
	memset(c->seen, 0, sizeof c->seen);
	c->anchored = 0;
}

void rd_json_shapes_free(struct rd_json_shapes *c)
{
	forget(c);
	rd_json_shapes_done(c);
}

const struct rd_json_shape *rd_json_shape_find(struct rd_json_shapes *c, lua_State *L, int base, int n,
					       uint64_t *hash)
{
	const void *ptr[RD_SHAPE_KEYS];
	uint64_t h = 0xcbf29ce484222325ULL ^ (uint64_t)n;
	for (int k = 0; k < n; k++) {
		/* a string's object (a number gives NULL, which no shape holds) */
		ptr[k] = lua_topointer(L, base + 1 + 2 * k);
		h = (h ^ ((uintptr_t)ptr[k] >> 4)) * 0x100000001b3ULL;
	}
	*hash = h;
	for (int w = 0; w < 2; w++) {
		struct rd_json_shape *sh = c->slots[slot_of(h, w)];
		if (sh && sh->hash == h && sh->n == n && memcmp(sh->ptr, ptr, (size_t)n * sizeof *ptr) == 0) {
			sh->used = ++c->clock;
			return sh;
		}
	}
	return NULL;
}

void rd_json_shape_learn(struct rd_json_shapes *c, lua_State *L, int owner, int base, int n, uint64_t h,
			 const struct rd_json_key *keys, const char *buf, const size_t *kstart, const size_t *kend)
{
	/* one-off objects (a complaint's details) do not churn the slots */
	uint64_t *seen = &c->seen[(h >> 20) & (RD_SHAPE_SEEN - 1)];
	if (*seen != h) {
		*seen = h;
		return;
	}
	size_t text = 0;
	for (int k = 0; k < n; k++) {
		if (keys[k].len > SHAPE_KEY_LEN)
			return;
		text += kend[k] - kstart[k];
	}
	if (text > 0xFFFF)
		return;
	if (c->anchored + n > SHAPE_ANCHORS) {
		forget(c);
		lua_newtable(L);
		lua_setiuservalue(L, owner, 1);
	}
	/* the keys kept alive first (a memory error here leaves no shape) */
	luaL_checkstack(L, 3, "json");
	lua_getiuservalue(L, owner, 1);
	for (int k = 0; k < n; k++) {
		lua_pushvalue(L, keys[k].slot);
		lua_pushboolean(L, 1);
		lua_rawset(L, -3);
	}
	lua_pop(L, 1);
	c->anchored += n;
	struct rd_json_shape *sh = malloc(sizeof *sh + text);
	if (!sh)
		return; /* written the long way next time too */
	sh->hash = h;
	sh->used = ++c->clock;
	sh->n = n;
	size_t at = 0;
	for (int k = 0; k < n; k++) {
		int place = (keys[k].slot - base - 1) / 2;
		sh->ptr[place] = lua_topointer(L, keys[k].slot);
		sh->at[k] = (unsigned char)place;
		sh->s[k] = keys[k].s;
		sh->len[k] = keys[k].len;
		sh->off[k] = (unsigned short)at;
		memcpy(sh->text + at, buf + kstart[k], kend[k] - kstart[k]);
		at += kend[k] - kstart[k];
	}
	sh->off[n] = (unsigned short)at;
	/* an empty place of its two, else the one served longer ago */
	int a = slot_of(h, 0), b = slot_of(h, 1);
	int slot = !c->slots[a] ? a : !c->slots[b] ? b : c->slots[a]->used <= c->slots[b]->used ? a : b;
	put_aside(c, c->slots[slot]);
	c->slots[slot] = sh;
}
