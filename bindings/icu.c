/* icu.c — the `rd.icu` module: time zones through ICU, for redress.calendar.
 * Every function takes an IANA zone name; calendars are cached per zone in
 * the Lua registry and closed by __gc. No hand-written zone tables. */
#include <lauxlib.h>
#include <string.h>
#include <unicode/ucal.h>
#include <unicode/ustring.h>

#include "bindings.h"

#define CACHE "rd.icu.calendars"
#define CALMT "rd.icu.calendar"

static int cal_gc(lua_State *L)
{
	UCalendar **c = luaL_checkudata(L, 1, CALMT);
	if (*c) {
		ucal_close(*c);
		*c = NULL;
	}
	return 0;
}

/* The cached Gregorian calendar for zone, or a Lua error naming the zone. */
static UCalendar *calendar_for(lua_State *L, int arg)
{
	size_t len;
	const char *zone = luaL_checklstring(L, arg, &len);
	lua_getfield(L, LUA_REGISTRYINDEX, CACHE);
	lua_getfield(L, -1, zone);
	if (!lua_isnil(L, -1)) {
		UCalendar *c = *(UCalendar **)lua_touserdata(L, -1);
		lua_pop(L, 2);
		return c;
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
	UCalendar **slot = lua_newuserdatauv(L, sizeof *slot, 0);
	*slot = NULL;
	luaL_setmetatable(L, CALMT);
	st = U_ZERO_ERROR;
	*slot = ucal_open(uzone, -1, "en_US@calendar=gregorian", UCAL_GREGORIAN, &st);
	if (U_FAILURE(st))
		luaL_error(L, "ICU could not open a calendar for '%s': %s", zone, u_errorName(st));
	/* proleptic Gregorian: no Julian switch in the past */
	ucal_setGregorianChange(*slot, -8.64e15, &st);
	ucal_setAttribute(*slot, UCAL_REPEATED_WALL_TIME, UCAL_WALLTIME_FIRST);
	ucal_setAttribute(*slot, UCAL_SKIPPED_WALL_TIME, UCAL_WALLTIME_NEXT_VALID);
	lua_setfield(L, -2, zone);
	lua_pop(L, 1);
	return *slot;
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
	UCalendar *c = calendar_for(L, 1);
	lua_Integer ms = luaL_checkinteger(L, 2);
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
	lua_pushinteger(L, era == 0 ? 1 - v[0] : v[0]);
	lua_pushinteger(L, v[1] + 1);
	for (int i = 2; i < 7; i++)
		lua_pushinteger(L, v[i]);
	lua_pushinteger(L, dow == 1 ? 7 : dow - 1);
	lua_pushinteger(L, off);
	return 9;
}

/** icu.to_ms(zone, year, month, day [, hour, minute, second, ms]) → ms:
 * the instant of that wall time in the zone. A wall time skipped by a DST
 * change moves to the next valid one; a repeated one takes the first. */
static int l_to_ms(lua_State *L)
{
	UCalendar *c = calendar_for(L, 1);
	int y = (int)luaL_checkinteger(L, 2), mo = (int)luaL_checkinteger(L, 3), d = (int)luaL_checkinteger(L, 4);
	int h = (int)luaL_optinteger(L, 5, 0), mi = (int)luaL_optinteger(L, 6, 0), s = (int)luaL_optinteger(L, 7, 0);
	int msec = (int)luaL_optinteger(L, 8, 0);
	UErrorCode st = U_ZERO_ERROR;
	ucal_clear(c);
	ucal_setDateTime(c, y, mo - 1, d, h, mi, s, &st);
	ucal_set(c, UCAL_MILLISECOND, msec);
	UDate when = ucal_getMillis(c, &st);
	if (U_FAILURE(st))
		return luaL_error(L, "ICU: %s", u_errorName(st));
	lua_pushinteger(L, (lua_Integer)when);
	return 1;
}

int luaopen_rd_icu(lua_State *L)
{
	static const luaL_Reg fns[] = {
		{ "zone", l_zone },
		{ "fields", l_fields },
		{ "to_ms", l_to_ms },
		{ NULL, NULL },
	};
	if (luaL_newmetatable(L, CALMT)) {
		lua_pushcfunction(L, cal_gc);
		lua_setfield(L, -2, "__gc");
	}
	lua_pop(L, 1);
	lua_newtable(L);
	lua_setfield(L, LUA_REGISTRYINDEX, CACHE);
	luaL_newlib(L, fns);
	return 1;
}
