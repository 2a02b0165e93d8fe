/* metrics_lua.c — the `rd.metrics` module for the daemon's trusted Lua:
 * the Prometheus text, the families the Lua declares, and a decision's
 * observations as the lines rd_metrics_apply takes (metrics.h). */
#include "store_lua.h"

#include "../bindings/bindings.h"

#include <lauxlib.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "metrics.h"
#include "textout.h"

/** metrics.text() → the Prometheus text of the process's metrics */
static int l_metrics_text(lua_State *L)
{
	size_t len = 0;
	char *text = rd_metrics_render(&len);
	if (!text)
		return luaL_error(L, "out of memory");
	lua_pushlstring(L, text, len);
	free(text);
	return 1;
}

/** metrics.declare{ name, help, kind = "counter" | "histogram" | "gauge",
 * label = "outcome" or "currency,kind" (optional), buckets = { … } (a
 * histogram's bounds), series = { "kept", … } (label values shown at 0
 * before their first event) } —
 * declares a family the trusted Lua reports (see rd_metrics_declare). */
static int l_metrics_declare(lua_State *L)
{
	luaL_checktype(L, 1, LUA_TTABLE);
	lua_getfield(L, 1, "name");
	lua_getfield(L, 1, "help");
	lua_getfield(L, 1, "kind");
	lua_getfield(L, 1, "label");
	const char *name = luaL_checkstring(L, -4), *help = luaL_optstring(L, -3, ""), *label = luaL_optstring(L, -1, NULL);
	const char *kind = luaL_optstring(L, -2, "counter");
	double bounds[16];
	int nb = 0;
	if (lua_getfield(L, 1, "buckets") == LUA_TTABLE) {
		nb = (int)luaL_len(L, -1);
		if (nb > 16)
			return luaL_error(L, "metrics.declare: at most 16 buckets");
		for (int i = 0; i < nb; i++) {
			lua_rawgeti(L, -1, i + 1);
			bounds[i] = luaL_checknumber(L, -1);
			lua_pop(L, 1);
		}
	}
	const char *series[32];
	int ns = 0;
	if (lua_getfield(L, 1, "series") == LUA_TTABLE) {
		int t = lua_gettop(L);
		ns = (int)luaL_len(L, t);
		if (ns > 32)
			return luaL_error(L, "metrics.declare: at most 32 series");
		luaL_checkstack(L, ns, "metrics.declare");
		for (int i = 0; i < ns; i++) {
			lua_rawgeti(L, t, i + 1);
			series[i] = luaL_checkstring(L, -1); /* stays on the stack until we return */
		}
	}
	int k = strcmp(kind, "histogram") == 0 ? RD_METRIC_HISTOGRAM
		: strcmp(kind, "gauge") == 0   ? RD_METRIC_GAUGE
					       : RD_METRIC_COUNTER;
	if (rd_metrics_declare(name, help, k, label, bounds, nb, series, ns) != 0)
		return luaL_error(L, "metrics.declare: cannot declare %s (taken by a different family, or no room)", name);
	return 0;
}

/* A label value as Prometheus text carries it: bytes other than letters,
 * digits and _ . : - become _ (as redress.metrics' label() did). */
static void add_label(struct out *o, int idx)
{
	size_t len;
	if (lua_type(o->L, idx) == LUA_TSTRING) { /* (no copy made to write it) */
		const char *s = lua_tolstring(o->L, idx, &len);
		out_word(o, s, len, 1);
		return;
	}
	const char *s = luaL_tolstring(o->L, idx, &len);
	out_word(o, s, len, 1);
	lua_pop(o->L, 1);
}

/* The value at idx as Lua's `..` writes it (a string, or a number in Lua's
 * own format); anything else is an error, as it is for `..`. */
static void add_text(struct out *o, int idx)
{
	lua_State *L = o->L;
	if (!lua_isstring(L, idx))
		luaL_error(L, "metrics.decision: a %s where text is needed", luaL_typename(L, idx));
	if (lua_isinteger(L, idx)) { /* written as Lua writes it, without making its string */
		out_int(o, lua_tointeger(L, idx));
		return;
	}
	lua_pushvalue(L, idx);
	size_t len;
	const char *s = lua_tolstring(L, -1, &len);
	out_add(o, s, len);
	lua_pop(L, 1);
}

static void add_fixed3(struct out *o, int idx)
{
	out_fixed3(o, lua_tonumber(o->L, idx));
}

/* t[k] pushed (nil when there is no t); its type. k: a string constant
 * (rd_getfield). */
static int field(lua_State *L, int t, const char *k)
{
	if (t)
		return rd_getfield(L, t, k);
	lua_pushnil(L);
	return LUA_TNIL;
}

/* t[k] written as text, or as a label when label is set. */
static void add_field(struct out *o, int t, const char *k, int label)
{
	field(o->L, t, k);
	if (label)
		add_label(o, -1);
	else
		add_text(o, -1);
	lua_pop(o->L, 1);
}

/** metrics.decision(outcome, inputs, timer) → the observations of one
 * committed decision, as lines "NAME\tLABEL\tVALUE" (rd_metrics_apply):
 * its outcome (quarantined calls apart), the promises it kept and broke,
 * the dashboard's figures (first response, resolution, satisfaction,
 * compensation, open cases), the corrective actions it opened, the SLA
 * clocks it stopped or breached, and whether a timer fired it; nil without
 * an outcome. In C: in Lua these few lines cost about 17,000 instructions
 * a decision. */
static int l_metrics_decision(lua_State *L)
{
	if (!lua_toboolean(L, 1))
		return 0;
	lua_settop(L, 3);
	int in = lua_istable(L, 2) ? 2 : 0, timer = lua_toboolean(L, 3);
	struct out o;
	out_init(&o, L, 256);
	int lines = 0;
	field(L, in, "limit");
	int quarantined = rd_lua_is(L, -1, "quarantined");
	lua_pop(L, 1);
	out_metric(&o, &lines, "redress_decisions_total");
	if (quarantined) {
		out_str(&o, "quarantined");
	} else {
		add_label(&o, 1);
	}
	out_str(&o, "\t1");
	int outcome_error = !quarantined && rd_lua_is(L, 1, "policy_error");
	if (outcome_error) {
		out_metric(&o, &lines, "redress_policy_errors_total");
		out_str(&o, "\t1");
	}
	if (timer) {
		out_metric(&o, &lines, "redress_timers_fired_total");
		out_str(&o, "\t1");
	}
	if (field(L, in, "promises") == LUA_TTABLE) {
		int p = lua_gettop(L);
		static const char *const which[] = { "kept", "broken" };
		for (int i = 0; i < 2; i++) {
			field(L, p, which[i]);
			if (lua_isnumber(L, -1) && lua_tonumber(L, -1) > 0) {
				out_metric(&o, &lines, "redress_promises_total");
				out_str(&o, which[i]);
				out_add(&o, "\t", 1);
				add_text(&o, -1);
			}
			lua_pop(L, 1);
		}
	}
	lua_pop(L, 1);
	/* the dashboard's figures: its lines (dashboard.record) as they are */
	if (field(L, in, "dash") == LUA_TSTRING) {
		size_t len;
		const char *dash = lua_tolstring(L, -1, &len);
		if (len > 0) {
			if (lines++)
				out_add(&o, "\n", 1);
			out_add(&o, dash, len);
		}
	}
	lua_pop(L, 1);
	if (field(L, in, "corrective") == LUA_TTABLE) {
		int list = lua_gettop(L);
		for (lua_Integer i = 1; lua_geti(L, list, i) != LUA_TNIL; i++) { /* as ipairs: to the first hole */
			int a = lua_gettop(L);
			out_metric(&o, &lines, "redress_corrective_actions_created_total");
			add_field(&o, a, "source", 0);
			out_str(&o, "\t1");
			out_metric(&o, &lines, "redress_corrective_actions");
			add_field(&o, a, "status", 0);
			out_str(&o, "\t1");
			lua_pop(L, 1);
		}
		lua_pop(L, 1); /* the hole */
	}
	lua_pop(L, 1);
	if (field(L, in, "observed") == LUA_TTABLE) {
		int list = lua_gettop(L);
		for (lua_Integer i = 1; lua_geti(L, list, i) != LUA_TNIL; i++) { /* as ipairs: to the first hole */
			int item = lua_gettop(L);
			field(L, item, "kind");
			int breach = rd_lua_is(L, -1, "breach");
			lua_pop(L, 1);
			out_metric(&o, &lines, breach ? "redress_sla_breaches_total" : "redress_sla_seconds");
			if (field(L, item, "target") == LUA_TNIL || !lua_toboolean(L, -1)) {
				lua_pop(L, 1);
				lua_pushliteral(L, "?");
			}
			add_label(&o, -1);
			lua_pop(L, 1);
			out_add(&o, "\t", 1);
			if (breach) {
				out_add(&o, "1", 1);
			} else {
				field(L, item, "seconds");
				add_fixed3(&o, -1);
				lua_pop(L, 1);
			}
			lua_pop(L, 1);
		}
		lua_pop(L, 1); /* the hole */
	}
	lua_pop(L, 1);
	lua_pushlstring(L, o.p, o.len);
	return 1;
}

int luaopen_rd_metrics(lua_State *L)
{
	static const luaL_Reg fns[] = {
		{ "text", l_metrics_text },
		{ "declare", l_metrics_declare },
		{ "decision", l_metrics_decision },
		{ NULL, NULL },
	};
	luaL_newlib(L, fns);
	return 1;
}
