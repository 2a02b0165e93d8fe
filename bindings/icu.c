/* icu.c — the `rd.icu` module: time zones, currencies and locale formats
 * through ICU, for redress.calendar, redress.money and redress.wording.
 * Every function takes an IANA zone name or a locale; the ICU objects behind
 * them (calendars per zone; number, date and plural formatters per locale,
 * zone, skeleton and currency) are opened once and cached in the Lua
 * registry of the state that uses them — one per decision worker, so no
 * object is shared between threads — and closed by __gc. Opening them is
 * what costs (a date format: ~0.5 ms to open, ~2 µs to use). No
 * hand-written zone tables. */
#include <lauxlib.h>
#include <stdlib.h>
#include <string.h>
#include <stdio.h>
#include <unicode/ucal.h>
#include <unicode/ucurr.h>
#include <unicode/udat.h>
#include <unicode/udatpg.h>
#include <unicode/unum.h>
#include <unicode/upluralrules.h>
#include <unicode/ustring.h>

#include "bindings.h"

#define CACHE "rd.icu.calendars"
#define CALMT "rd.icu.calendar"
#define OBJECTS "rd.icu.objects"
#define OBJMT "rd.icu.object"
#define CURRENCIES "rd.icu.currencies"
/* Formatters kept per state in one generation (see put_object). */
#define MAX_OBJECTS 256

enum { OBJ_NUMBER, OBJ_DATE, OBJ_PLURAL };
#define DAYS_KEPT 4

struct icu_object {
	int kind;
	void *p;
	/* a date format whose pattern shows no time of day gives the same text
	 * for every instant of a local day: the last few, kept with their days
	 * (a decision prints a next contact and a deadline, say) */
	int date_only;
	int next_day; /* the slot the next text goes to */
	struct {
		double from, until; /* [from, until) of the kept text's day */
		char *text;
		size_t len;
	} days[DAYS_KEPT];
};

static void close_object(int kind, void *p)
{
	if (!p)
		return;
	if (kind == OBJ_NUMBER)
		unum_close(p);
	else if (kind == OBJ_DATE)
		udat_close(p);
	else
		uplrules_close(p);
}

static int object_gc(lua_State *L)
{
	struct icu_object *o = luaL_checkudata(L, 1, OBJMT);
	close_object(o->kind, o->p);
	o->p = NULL;
	for (int i = 0; i < DAYS_KEPT; i++) {
		free(o->days[i].text);
		o->days[i].text = NULL;
	}
	return 0;
}

/* Writes the cache key prefix:a:b:c (b, c may be NULL) into key; returns its
 * length, or cap when it does not fit (then nothing is kept). Formatters
 * are looked up on every call: snprintf's format parsing cost more than
 * the lookup. */
static int object_key(char *key, size_t cap, const char *prefix, const char *a, const char *b, const char *c)
{
	const char *parts[4] = { prefix, a, b, c };
	size_t len = 0;
	for (int i = 0; i < 4 && parts[i]; i++) {
		size_t n = strlen(parts[i]);
		if (len + n + 2 > cap)
			return (int)cap;
		if (i > 0)
			key[len++] = ':';
		memcpy(key + len, parts[i], n);
		len += n;
	}
	key[len] = '\0';
	return (int)len;
}

/* The formatters are kept in two generations: OBJECTS holds up to
 * MAX_OBJECTS, and when it is full it becomes OLD_OBJECTS (the generation
 * before is dropped; its formatters are closed by their __gc) and a new
 * one starts. A formatter found in the old generation moves to the new one
 * and stays open, so those a state uses keep being found, however many
 * others it has asked for once (a pack's many zones, a policy asking for
 * endless skeletons). One generation that kept its first 256 for ever
 * made every later formatter be opened and closed on every call: 40 µs for
 * a money format, 460 µs for a date. A pointer handed out stays valid to
 * the end of the call that got it: a generation is dropped only after
 * MAX_OBJECTS more formatters have been opened. */
#define OLD_OBJECTS "rd.icu.objects.old"
#define OPENED "rd.icu.opened" /* formatters opened, for icu.cache_stats */

/* Puts the object at the top of the stack under key in the current
 * generation (starting a new one when it is full); pops it. */
static void put_object(lua_State *L, const char *key, size_t klen)
{
	lua_getfield(L, LUA_REGISTRYINDEX, OBJECTS);
	lua_getfield(L, -1, "#");
	lua_Integer n = lua_tointeger(L, -1);
	lua_pop(L, 1);
	if (n >= MAX_OBJECTS) {
		lua_setfield(L, LUA_REGISTRYINDEX, OLD_OBJECTS);
		lua_newtable(L);
		lua_pushvalue(L, -1);
		lua_setfield(L, LUA_REGISTRYINDEX, OBJECTS);
		n = 0;
	}
	lua_pushlstring(L, key, klen);
	lua_pushvalue(L, -3);
	lua_rawset(L, -3);
	lua_pushinteger(L, n + 1);
	lua_setfield(L, -2, "#");
	lua_pop(L, 2);
}

/* The cached object under key, or NULL. */
static struct icu_object *cached_object(lua_State *L, const char *key, size_t klen)
{
	rd_getfield(L, LUA_REGISTRYINDEX, OBJECTS);
	lua_pushlstring(L, key, klen);
	lua_rawget(L, -2);
	struct icu_object *o = lua_touserdata(L, -1);
	lua_pop(L, 2);
	if (o)
		return o->p ? o : NULL;
	if (lua_getfield(L, LUA_REGISTRYINDEX, OLD_OBJECTS) != LUA_TTABLE) {
		lua_pop(L, 1);
		return NULL;
	}
	lua_pushlstring(L, key, klen);
	lua_rawget(L, -2);
	o = lua_touserdata(L, -1);
	if (!o || !o->p) {
		lua_pop(L, 2);
		return NULL;
	}
	/* still in use: into the current generation */
	lua_pushlstring(L, key, klen);
	lua_pushnil(L);
	lua_rawset(L, -4);
	put_object(L, key, klen);
	lua_pop(L, 1);
	return o;
}

/* The cached formatter under key, or NULL. */
static void *cached(lua_State *L, const char *key, size_t klen)
{
	struct icu_object *o = cached_object(L, key, klen);
	return o ? o->p : NULL;
}

/* Keeps p, just opened, under key (see above); returns 1. */
static int keep(lua_State *L, const char *key, size_t klen, int kind, void *p)
{
	lua_getfield(L, LUA_REGISTRYINDEX, OPENED);
	lua_Integer opened = lua_tointeger(L, -1);
	lua_pop(L, 1);
	lua_pushinteger(L, opened + 1);
	lua_setfield(L, LUA_REGISTRYINDEX, OPENED);
	struct icu_object *o = lua_newuserdatauv(L, sizeof *o, 0);
	memset(o, 0, sizeof *o);
	o->kind = kind;
	o->p = p;
	luaL_setmetatable(L, OBJMT);
	put_object(L, key, klen);
	return 1;
}

/** icu.cache_stats() → { kept = formatters in the current generation,
 * opened = formatters opened since the state began } (for tests and
 * benchmarks). */
static int l_cache_stats(lua_State *L)
{
	lua_createtable(L, 0, 2);
	lua_getfield(L, LUA_REGISTRYINDEX, OBJECTS);
	lua_getfield(L, -1, "#");
	lua_setfield(L, -3, "kept");
	lua_pop(L, 1);
	lua_getfield(L, LUA_REGISTRYINDEX, OPENED);
	lua_pushinteger(L, lua_tointeger(L, -1));
	lua_setfield(L, -3, "opened");
	lua_pop(L, 1);
	return 1;
}

/* A zone's calendar, and the span of instants around the last one asked
 * about in which the zone's UTC offset does not change (between two of its
 * transitions). Inside the span, fields and instants are plain arithmetic
 * on (ms + offset): the same answers ICU gives, without its calendar
 * machinery, which cost more than the rest of a business-day count. */
struct zone_cal {
	UCalendar *c;
	int has_span;
	double from, until; /* [from, until): the offset holds */
	int64_t offset;     /* ms east of UTC, DST included */
};

static int cal_gc(lua_State *L)
{
	struct zone_cal *z = luaL_checkudata(L, 1, CALMT);
	if (z->c) {
		ucal_close(z->c);
		z->c = NULL;
	}
	return 0;
}

#define DAY_MS 86400000LL
/* Far enough from a transition that no other offset can give the same wall
 * time (offsets have changed by a whole day: Samoa, 2011). */
#define SPAN_MARGIN (2 * DAY_MS)

/* Notes the span around the calendar's current instant (set by the caller). */
static void learn_span(struct zone_cal *z)
{
	UErrorCode st = U_ZERO_ERROR;
	UDate at = ucal_getMillis(z->c, &st), prev, next;
	int32_t off = ucal_get(z->c, UCAL_ZONE_OFFSET, &st) + ucal_get(z->c, UCAL_DST_OFFSET, &st);
	UErrorCode st2 = U_ZERO_ERROR;
	UBool has_prev = ucal_getTimeZoneTransitionDate(z->c, UCAL_TZ_TRANSITION_PREVIOUS_INCLUSIVE, &prev, &st2);
	UBool has_next = ucal_getTimeZoneTransitionDate(z->c, UCAL_TZ_TRANSITION_NEXT, &next, &st2);
	z->has_span = 0;
	if (U_FAILURE(st) || U_FAILURE(st2))
		return;
	z->from = has_prev ? prev : -8.64e15;
	z->until = has_next ? next : 8.64e15;
	z->offset = off;
	z->has_span = at >= z->from && at < z->until;
	ucal_setMillis(z->c, at, &st); /* the transition queries leave the calendar where it was */
}

/* Whether instant ms lies in the zone's span, learning the span around ms
 * first when it does not (the calendar is then set to ms); 0 with st set on
 * an ICU failure, or when ms has no span to count in. */
static int span_holds(struct zone_cal *z, int64_t ms, UErrorCode *st)
{
	if (z->has_span && (double)ms >= z->from && (double)ms < z->until)
		return 1;
	ucal_setMillis(z->c, (UDate)ms, st);
	if (U_FAILURE(*st))
		return 0;
	learn_span(z);
	return z->has_span;
}

static int64_t floor_div(int64_t a, int64_t b)
{
	int64_t q = a / b;
	return (a % b != 0 && (a < 0) != (b < 0)) ? q - 1 : q;
}

/* The zone's calendar and span, made once per zone, or a Lua error naming it. */
static struct zone_cal *zone_for(lua_State *L, int arg)
{
	size_t len;
	const char *zone = luaL_checklstring(L, arg, &len);
	rd_getfield(L, LUA_REGISTRYINDEX, CACHE);
	lua_pushvalue(L, arg); /* the zone's own string: no lookup of its text */
	lua_rawget(L, -2);
	if (!lua_isnil(L, -1)) {
		struct zone_cal *z = lua_touserdata(L, -1);
		lua_pop(L, 2);
		return z;
	}
	lua_pop(L, 1);
	UChar uzone[128], canon[128];
	if (len >= 128)
		luaL_error(L, "time zone name too long: %s", zone);
	u_uastrcpy(uzone, zone);
	UErrorCode st = U_ZERO_ERROR;
	UBool is_system = 0;
	ucal_getCanonicalTimeZoneID(uzone, -1, canon, 128, &is_system, &st);
	if (U_FAILURE(st) || !is_system)
		luaL_error(L, "unknown time zone '%s' (use an IANA name such as Europe/London)", zone);
	struct zone_cal *slot = lua_newuserdatauv(L, sizeof *slot, 0);
	memset(slot, 0, sizeof *slot);
	luaL_setmetatable(L, CALMT);
	st = U_ZERO_ERROR;
	slot->c = ucal_open(uzone, -1, "en_US@calendar=gregorian", UCAL_GREGORIAN, &st);
	if (U_FAILURE(st))
		luaL_error(L, "ICU could not open a calendar for '%s': %s", zone, u_errorName(st));
	/* proleptic Gregorian: no Julian switch in the past */
	ucal_setGregorianChange(slot->c, -8.64e15, &st);
	ucal_setAttribute(slot->c, UCAL_REPEATED_WALL_TIME, UCAL_WALLTIME_FIRST);
	ucal_setAttribute(slot->c, UCAL_SKIPPED_WALL_TIME, UCAL_WALLTIME_NEXT_VALID);
	lua_setfield(L, -2, zone);
	lua_pop(L, 1);
	return slot;
}

static UCalendar *calendar_for(lua_State *L, int arg)
{
	return zone_for(L, arg)->c;
}

/** icu.zone(name) → true if ICU knows the IANA zone, else nil, message */
static int l_zone(lua_State *L)
{
	lua_settop(L, 1);
	calendar_for(L, 1);
	lua_pushboolean(L, 1);
	return 1;
}

/** icu.fields(zone, ms) → year, month (1–12), day, hour, minute, second,
 * millisecond, weekday (1 = Monday … 7 = Sunday, ISO), utc offset ms */
static int l_fields(lua_State *L)
{
	struct zone_cal *z = zone_for(L, 1);
	UCalendar *c = z->c;
	lua_Integer ms = luaL_checkinteger(L, 2);
	if (z->has_span && (double)ms >= z->from && (double)ms < z->until) {
		int64_t local = (int64_t)ms + z->offset, day = floor_div(local, DAY_MS), sod = local - day * DAY_MS;
		int64_t y, mo, d;
		rd__civil_from_days(day, &y, &mo, &d);
		lua_pushinteger(L, y);
		lua_pushinteger(L, mo);
		lua_pushinteger(L, d);
		lua_pushinteger(L, sod / 3600000);
		lua_pushinteger(L, sod / 60000 % 60);
		lua_pushinteger(L, sod / 1000 % 60);
		lua_pushinteger(L, sod % 1000);
		lua_pushinteger(L, day + 3 - floor_div(day + 3, 7) * 7 + 1); /* 1970-01-01 was a Thursday (4) */
		lua_pushinteger(L, z->offset);
		return 9;
	}
	UErrorCode st = U_ZERO_ERROR;
	ucal_setMillis(c, (UDate)ms, &st);
	int f[] = { UCAL_YEAR, UCAL_MONTH, UCAL_DATE, UCAL_HOUR_OF_DAY, UCAL_MINUTE, UCAL_SECOND, UCAL_MILLISECOND };
	int v[7];
	for (int i = 0; i < 7; i++)
		v[i] = ucal_get(c, f[i], &st);
	int era = ucal_get(c, UCAL_ERA, &st);
	int dow = ucal_get(c, UCAL_DAY_OF_WEEK, &st); /* 1 = Sunday */
	int off = ucal_get(c, UCAL_ZONE_OFFSET, &st) + ucal_get(c, UCAL_DST_OFFSET, &st);
	if (U_FAILURE(st))
		return luaL_error(L, "ICU: %s", u_errorName(st));
	learn_span(z);
	lua_pushinteger(L, era == 0 ? 1 - v[0] : v[0]);
	lua_pushinteger(L, v[1] + 1);
	for (int i = 2; i < 7; i++)
		lua_pushinteger(L, v[i]);
	lua_pushinteger(L, dow == 1 ? 7 : dow - 1);
	lua_pushinteger(L, off);
	return 9;
}

/** icu.day(zone, ms) → the local date of instant ms in the zone, as days
 * since 1970-01-01 (what a business calendar counts in) */
static int l_day(lua_State *L)
{
	struct zone_cal *z = zone_for(L, 1);
	lua_Integer ms = luaL_checkinteger(L, 2);
	UErrorCode st = U_ZERO_ERROR;
	if (!span_holds(z, ms, &st)) {
		if (U_FAILURE(st))
			return luaL_error(L, "ICU: %s", u_errorName(st));
		/* no span to count in: ICU's own fields */
		int y = ucal_get(z->c, UCAL_EXTENDED_YEAR, &st), mo = ucal_get(z->c, UCAL_MONTH, &st) + 1,
		    d = ucal_get(z->c, UCAL_DATE, &st);
		if (U_FAILURE(st))
			return luaL_error(L, "ICU: %s", u_errorName(st));
		lua_pushinteger(L, rd__days_from_civil(y, mo, d));
		return 1;
	}
	lua_pushinteger(L, floor_div((int64_t)ms + z->offset, DAY_MS));
	return 1;
}

/** icu.to_ms(zone, year, month, day [, hour, minute, second, ms]) → ms:
 * the instant of that wall time in the zone. A wall time skipped by a DST
 * change moves to the next valid one; a repeated one takes the first. */
static int l_to_ms(lua_State *L)
{
	struct zone_cal *z = zone_for(L, 1);
	UCalendar *c = z->c;
	int y = (int)luaL_checkinteger(L, 2), mo = (int)luaL_checkinteger(L, 3), d = (int)luaL_checkinteger(L, 4);
	int h = (int)luaL_optinteger(L, 5, 0), mi = (int)luaL_optinteger(L, 6, 0), s = (int)luaL_optinteger(L, 7, 0);
	int msec = (int)luaL_optinteger(L, 8, 0);
	/* fields in their usual ranges (day 31 of a short month counts on, as
	 * ICU's lenient calendar does), mapped by the span's offset when the
	 * instant lies well inside the span: no other offset can give it */
	if (z->has_span && y > -200000 && y < 200000 && mo >= 1 && mo <= 12 && d >= 1 && d <= 31 && h >= 0 && h < 24 &&
	    mi >= 0 && mi < 60 && s >= 0 && s < 60 && msec >= 0 && msec < 1000) {
		int64_t local = rd__days_from_civil(y, mo, d) * DAY_MS + h * 3600000LL + mi * 60000LL + s * 1000LL + msec;
		int64_t at = local - z->offset;
		if ((double)at >= z->from + SPAN_MARGIN && (double)at < z->until - SPAN_MARGIN) {
			lua_pushinteger(L, at);
			return 1;
		}
	}
	UErrorCode st = U_ZERO_ERROR;
	ucal_clear(c);
	ucal_setDateTime(c, y, mo - 1, d, h, mi, s, &st);
	ucal_set(c, UCAL_MILLISECOND, msec);
	UDate when = ucal_getMillis(c, &st);
	if (U_FAILURE(st))
		return luaL_error(L, "ICU: %s", u_errorName(st));
	learn_span(z);
	lua_pushinteger(L, (lua_Integer)when);
	return 1;
}

/* UTF-16 → a Lua string (UTF-8). */
static void push_utf16(lua_State *L, const UChar *u, int32_t len)
{
	char out[1024];
	int32_t n = 0;
	UErrorCode st = U_ZERO_ERROR;
	u_strToUTF8(out, sizeof out, &n, u, len, &st);
	if (U_FAILURE(st))
		luaL_error(L, "ICU: cannot convert to UTF-8: %s", u_errorName(st));
	lua_pushlstring(L, out, (size_t)n);
}

/* A locale must look like a BCP 47 tag before ICU sees it: a language of
 * 2–3 letters, then subtags of 1–8 letters or digits ("en", "fa-IR",
 * "th-TH-u-ca-buddhist"). ICU 72 crashes in SimpleDateFormat on some
 * malformed names (a 13-letter "language"), and policies can pass any
 * string, so this check is the only door to ICU for locales. */
static const char *check_locale(lua_State *L, int arg)
{
	const char *loc = luaL_checkstring(L, arg);
	size_t len = strlen(loc);
	if (len > 64)
		luaL_error(L, "locale name too long");
	size_t i = 0, sub = 0, first = 1;
	for (;; i++) {
		char c = loc[i];
		if (c == '-' || c == '_' || c == '\0') {
			if (first ? (sub < 2 || sub > 3) : (sub < 1 || sub > 8))
				luaL_error(L, "not a locale (a BCP 47 tag such as en, fa-IR): '%s'", loc);
			if (c == '\0')
				break;
			first = 0;
			sub = 0;
		} else if ((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (!first && c >= '0' && c <= '9')) {
			sub++;
		} else {
			luaL_error(L, "not a locale (a BCP 47 tag such as en, fa-IR): '%s'", loc);
		}
	}
	return loc;
}

/** icu.is_currency(code) → true when code is an ISO 4217 currency ICU knows */
static int l_is_currency(lua_State *L)
{
	const char *code = luaL_checkstring(L, 1);
	if (lua_getfield(L, LUA_REGISTRYINDEX, CURRENCIES) != LUA_TTABLE) {
		/* the list once per state, as a set */
		lua_pop(L, 1);
		lua_newtable(L);
		UErrorCode st = U_ZERO_ERROR;
		UEnumeration *en = ucurr_openISOCurrencies(UCURR_COMMON | UCURR_NON_DEPRECATED, &st);
		const char *c;
		while (U_SUCCESS(st) && (c = uenum_next(en, NULL, &st)) != NULL) {
			lua_pushboolean(L, 1);
			lua_setfield(L, -2, c);
		}
		uenum_close(en);
		lua_pushvalue(L, -1);
		lua_setfield(L, LUA_REGISTRYINDEX, CURRENCIES);
	}
	lua_getfield(L, -1, code);
	lua_pushboolean(L, strlen(code) == 3 && lua_toboolean(L, -1));
	return 1;
}

/* Formats a decimal string with a number formatter of the given style. */
static int format_decimal(lua_State *L, const char *loc, UNumberFormatStyle style, const char *decimal,
			  const char *currency)
{
	char key[160];
	char prefix[3] = { 'n', (char)('0' + ((unsigned)style & 63)), '\0' }; /* one byte per style (all < 64) */
	int klen = object_key(key, sizeof key, prefix, loc, currency ? currency : "", NULL);
	UErrorCode st = U_ZERO_ERROR;
	UNumberFormat *f = klen < (int)sizeof key ? cached(L, key, (size_t)klen) : NULL;
	int kept = f != NULL;
	if (!f) {
		f = unum_open(style, NULL, 0, loc, NULL, &st);
		if (U_FAILURE(st))
			return luaL_error(L, "ICU: no number format for '%s': %s", loc, u_errorName(st));
		if (currency) {
			UChar cur[4];
			u_uastrcpy(cur, currency);
			unum_setTextAttribute(f, UNUM_CURRENCY_CODE, cur, 3, &st);
		}
		kept = U_SUCCESS(st) && klen < (int)sizeof key && keep(L, key, (size_t)klen, OBJ_NUMBER, f);
	}
	UChar buf[256];
	int32_t n = unum_formatDecimal(f, decimal, -1, buf, 256, NULL, &st);
	if (!kept)
		unum_close(f);
	if (U_FAILURE(st))
		return luaL_error(L, "ICU: cannot format %s: %s", decimal, u_errorName(st));
	push_utf16(L, buf, n);
	return 1;
}

/* Pushes amount (minor units) as plain digits with a point before the
 * last `digits` (0-4): "12.50", "-0.05", "500". */
static void push_decimal(lua_State *L, lua_Integer amount, lua_Integer digits)
{
	unsigned long long u = amount < 0 ? 0ULL - (unsigned long long)amount : (unsigned long long)amount;
	char tmp[32], out[40];
	int n = 0;
	do { /* the digits, last first, with at least digits + 1 of them */
		tmp[n++] = (char)('0' + u % 10);
		u /= 10;
	} while (u || n <= digits);
	size_t len = 0;
	if (amount < 0)
		out[len++] = '-';
	while (n > digits)
		out[len++] = tmp[--n];
	if (digits > 0) {
		out[len++] = '.';
		while (n > 0)
			out[len++] = tmp[--n];
	}
	lua_pushlstring(L, out, len);
}

/** icu.decimal(minor_units, digits) → the amount as plain digits with a
 * point before the last `digits` (0–4): "12.50", "-0.05", "500". Not ICU's
 * (no locale: the engine's texts and money's major()), but kept with the
 * money code; every decision makes a few, and in Lua each took two
 * integer-to-text conversions through snprintf. */
static int l_decimal(lua_State *L)
{
	lua_Integer amount = luaL_checkinteger(L, 1);
	lua_Integer digits = luaL_checkinteger(L, 2);
	luaL_argcheck(L, digits >= 0 && digits <= 4, 2, "digits must be 0 to 4");
	push_decimal(L, amount, digits);
	return 1;
}

/* money_texter's function: the upvalue maps currency codes to their digits
 * where they are not 2. */
static int money_text(lua_State *L)
{
	luaL_checktype(L, 1, LUA_TTABLE);
	lua_settop(L, 1);
	lua_getfield(L, 1, "amount");
	lua_getfield(L, 1, "currency");
	int ok;
	lua_Integer amount = lua_tointegerx(L, 2, &ok);
	if (!ok || lua_type(L, 3) != LUA_TSTRING)
		return luaL_error(L, "money: not a money value (its amount must be an integer, its currency a code)");
	lua_Integer digits = 2;
	lua_pushvalue(L, 3);
	if (lua_rawget(L, lua_upvalueindex(1)) == LUA_TNUMBER)
		digits = lua_tointeger(L, -1);
	lua_pop(L, 1);
	if (digits < 0 || digits > 4)
		return luaL_error(L, "money: a currency's digits must be 0 to 4");
	push_decimal(L, amount, digits);
	lua_pushliteral(L, " ");
	lua_pushvalue(L, 3);
	lua_concat(L, 3);
	return 1;
}

/** icu.money_texter(minor_units) → a function of a money value m giving
 * icu.decimal(m.amount, digits) .. " " .. m.currency ("12.50 EUR"), the
 * digits from minor_units (code → digits where not 2: redress.currencies).
 * Money's __tostring: one C call where it was three Lua calls and a
 * concatenation (explanations and traces print money on most decisions). */
static int l_money_texter(lua_State *L)
{
	luaL_checktype(L, 1, LUA_TTABLE);
	lua_settop(L, 1);
	lua_pushcclosure(L, money_text, 1);
	return 1;
}

/** icu.format_money(locale, decimal_string, currency) → "€12.50", "฿1,250.00", "۱۲٫۵۰ €"… */
static int l_format_money(lua_State *L)
{
	const char *loc = check_locale(L, 1);
	const char *dec = luaL_checkstring(L, 2);
	const char *cur = luaL_checkstring(L, 3);
	if (strlen(cur) != 3)
		return luaL_error(L, "a currency is a three-letter ISO 4217 code");
	return format_decimal(L, loc, UNUM_CURRENCY, dec, cur);
}

/** icu.format_number(locale, decimal_string) → the number in the locale's digits and separators */
static int l_format_number(lua_State *L)
{
	return format_decimal(L, check_locale(L, 1), UNUM_DECIMAL, luaL_checkstring(L, 2), NULL);
}

/* Whether a date pattern shows no time of day (letters inside quotes are
 * text, not fields). */
static int pattern_date_only(const UChar *pattern, int32_t len)
{
	int quoted = 0;
	for (int32_t i = 0; i < len; i++) {
		UChar c = pattern[i];
		if (c == '\'')
			quoted = !quoted;
		else if (!quoted && c < 128 && strchr("hHkKmsSAabBzZOvVXx", (char)c))
			return 0;
	}
	return 1;
}

/* The local day of instant ms in zone z as [from, until), when the zone's
 * offset holds for the whole of it; 0 otherwise (a day with a transition). */
static int local_day(struct zone_cal *z, int64_t ms, double *from, double *until)
{
	UErrorCode st = U_ZERO_ERROR;
	if (!span_holds(z, ms, &st))
		return 0;
	int64_t start = floor_div(ms + z->offset, DAY_MS) * DAY_MS - z->offset;
	*from = (double)start;
	*until = (double)(start + DAY_MS);
	return *from >= z->from && *until <= z->until;
}

/** icu.format_date(locale, zone, ms, skeleton) → the date in the locale's own
 * calendar (th-TH: Buddhist era; fa-IR: Solar Hijri) and the zone; skeleton
 * is an ICU skeleton such as "yMMMMd" or "yMMMMdjmm". A date without a time of
 * day is formatted once per local day (the last day's text is kept with the
 * formatter). */
static int l_format_date(lua_State *L)
{
	const char *loc = check_locale(L, 1);
	const char *zone = luaL_checkstring(L, 2);
	lua_Integer ms = luaL_checkinteger(L, 3);
	const char *skel = luaL_optstring(L, 4, "yMMMMd");
	if (strlen(skel) >= 64)
		return luaL_error(L, "ICU: date skeleton too long (at most 63 letters)");
	char key[256];
	int klen = object_key(key, sizeof key, "d", loc, zone, skel);
	struct icu_object *o = klen < (int)sizeof key ? cached_object(L, key, (size_t)klen) : NULL;
	for (int i = 0; o && o->date_only && i < DAYS_KEPT; i++) {
		if (o->days[i].text && (double)ms >= o->days[i].from && (double)ms < o->days[i].until) {
			lua_pushlstring(L, o->days[i].text, o->days[i].len); /* a kept day's text */
			return 1;
		}
	}
	UDateFormat *df = o ? o->p : NULL;
	int kept = df != NULL, date_only = 0;
	UErrorCode st = U_ZERO_ERROR;
	if (!df) {
		calendar_for(L, 2); /* validates the zone with a clear message */
		UChar uzone[128], uskel[64], pattern[128];
		u_uastrcpy(uzone, zone);
		u_uastrcpy(uskel, skel);
		UDateTimePatternGenerator *g = udatpg_open(loc, &st);
		int32_t plen = udatpg_getBestPattern(g, uskel, -1, pattern, 128, &st);
		udatpg_close(g);
		if (U_FAILURE(st))
			return luaL_error(L, "ICU: no date pattern for '%s' in '%s': %s", skel, loc, u_errorName(st));
		date_only = pattern_date_only(pattern, plen);
		df = udat_open(UDAT_PATTERN, UDAT_PATTERN, loc, uzone, -1, pattern, plen, &st);
		if (U_FAILURE(st))
			return luaL_error(L, "ICU: no date format for '%s': %s", loc, u_errorName(st));
		kept = klen < (int)sizeof key && keep(L, key, (size_t)klen, OBJ_DATE, df);
		if (kept) {
			o = cached_object(L, key, (size_t)klen);
			o->date_only = date_only;
		}
	}
	UChar out[256];
	int32_t n = udat_format(df, (UDate)ms, out, 256, NULL, &st);
	if (!kept)
		udat_close(df);
	if (U_FAILURE(st))
		return luaL_error(L, "ICU: cannot format the date: %s", u_errorName(st));
	push_utf16(L, out, n);
	double from, until;
	if (kept && o->date_only && local_day(zone_for(L, 2), ms, &from, &until)) {
		size_t len;
		const char *text = lua_tolstring(L, -1, &len);
		char *copy = malloc(len ? len : 1);
		if (copy) {
			memcpy(copy, text, len);
			int k = o->next_day;
			o->next_day = (k + 1) % DAYS_KEPT;
			free(o->days[k].text);
			o->days[k].text = copy;
			o->days[k].len = len;
			o->days[k].from = from;
			o->days[k].until = until;
		}
	}
	return 1;
}

/** icu.plural(locale, n) → "zero" | "one" | "two" | "few" | "many" | "other" */
static int l_plural(lua_State *L)
{
	const char *loc = check_locale(L, 1);
	double n = luaL_checknumber(L, 2);
	char key[160];
	int klen = object_key(key, sizeof key, "p", loc, NULL, NULL);
	UPluralRules *pr = klen < (int)sizeof key ? cached(L, key, (size_t)klen) : NULL;
	int kept = pr != NULL;
	UErrorCode st = U_ZERO_ERROR;
	if (!pr) {
		pr = uplrules_open(loc, &st);
		if (U_FAILURE(st))
			return luaL_error(L, "ICU: no plural rules for '%s': %s", loc, u_errorName(st));
		kept = klen < (int)sizeof key && keep(L, key, (size_t)klen, OBJ_PLURAL, pr);
	}
	UChar kw[32];
	int32_t k = uplrules_select(pr, n, kw, 32, &st);
	if (!kept)
		uplrules_close(pr);
	if (U_FAILURE(st))
		return luaL_error(L, "ICU: no plural rules for '%s': %s", loc, u_errorName(st));
	push_utf16(L, kw, k);
	return 1;
}

int luaopen_rd_icu(lua_State *L)
{
	static const luaL_Reg fns[] = {
		{ "zone", l_zone },
		{ "fields", l_fields },
		{ "day", l_day },
		{ "to_ms", l_to_ms },
		{ "is_currency", l_is_currency },
		{ "cache_stats", l_cache_stats },
		{ "format_money", l_format_money },
		{ "decimal", l_decimal },
		{ "money_texter", l_money_texter },
		{ "format_number", l_format_number },
		{ "format_date", l_format_date },
		{ "plural", l_plural },
		{ NULL, NULL },
	};
	if (luaL_newmetatable(L, CALMT)) {
		lua_pushcfunction(L, cal_gc);
		lua_setfield(L, -2, "__gc");
	}
	lua_pop(L, 1);
	if (luaL_newmetatable(L, OBJMT)) {
		lua_pushcfunction(L, object_gc);
		lua_setfield(L, -2, "__gc");
	}
	lua_pop(L, 1);
	lua_newtable(L);
	lua_setfield(L, LUA_REGISTRYINDEX, CACHE);
	lua_newtable(L);
	lua_setfield(L, LUA_REGISTRYINDEX, OBJECTS);
	luaL_newlib(L, fns);
	return 1;
}
