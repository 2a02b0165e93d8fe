/* webhooks.c — push delivery of the outbox (see webhooks.h). */
#include "webhooks.h"

#include <curl/curl.h>
#include <jansson.h>
#include <lauxlib.h>
#include <openssl/evp.h>
#include <openssl/hmac.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "log.h"
#include "metrics.h"
#include "version.h"

#define BATCH 32 /* outbox rows read per look */

struct rd_webhook_sub {
	char name[48];
	char *url, *secret;
	char **types; /* NULL: every type */
	int n_types;
	long timeout_ms, first_ms, max_ms;
	int max_attempts;
	uint64_t cursor;   /* the last outbox seq done (delivered, skipped or dead) */
	uint64_t reported; /* the cursor last handed to the writer */
	int attempts;      /* failed attempts at the item after the cursor */
	int64_t next_try_ms;
	CURL *curl;
	json_t *dead; /* dead letters not yet handed to the writer */
};

static int64_t wall_ms(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_REALTIME, &ts);
	return (int64_t)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

static char *field_dup(lua_State *L, int t, const char *name)
{
	lua_getfield(L, t, name);
	const char *s = lua_tostring(L, -1);
	char *d = s ? strdup(s) : NULL;
	lua_pop(L, 1);
	return d;
}

static long field_int(lua_State *L, int t, const char *name, long dflt)
{
	lua_getfield(L, t, name);
	long v = lua_isinteger(L, -1) ? (long)lua_tointeger(L, -1) : dflt;
	lua_pop(L, 1);
	return v;
}

static void free_subs(rd_webhooks *w)
{
	for (int i = 0; i < w->n; i++) {
		struct rd_webhook_sub *s = &w->subs[i];
		free(s->url);
		free(s->secret);
		for (int k = 0; k < s->n_types; k++)
			free(s->types[k]);
		free(s->types);
		if (s->curl)
			curl_easy_cleanup(s->curl);
		json_decref(s->dead);
	}
	free(w->subs);
	w->subs = NULL;
	w->n = 0;
}

int rd_webhooks_configure(rd_webhooks *w, lua_State *L, int cfg, char *err, size_t errlen)
{
	memset(w, 0, sizeof *w);
	lua_getfield(L, cfg, "webhooks");
	int list = lua_gettop(L);
	int n = lua_istable(L, list) ? (int)luaL_len(L, list) : 0;
	if (n > 0 && !(w->subs = calloc((size_t)n, sizeof *w->subs))) {
		snprintf(err, errlen, "out of memory");
		lua_settop(L, list - 1);
		return -1;
	}
	for (int i = 1; i <= n; i++) {
		lua_rawgeti(L, list, i);
		int t = lua_gettop(L);
		struct rd_webhook_sub *s = &w->subs[w->n++];
		char *name = field_dup(L, t, "name");
		snprintf(s->name, sizeof s->name, "%s", name ? name : "?");
		free(name);
		s->url = field_dup(L, t, "url");
		s->secret = field_dup(L, t, "secret");
		s->timeout_ms = field_int(L, t, "timeout_ms", 5000);
		lua_getfield(L, t, "retry");
		s->first_ms = field_int(L, -1, "first_ms", 1000);
		s->max_ms = field_int(L, -1, "max_ms", 300000);
		s->max_attempts = (int)field_int(L, -1, "attempts", 10);
		lua_pop(L, 1);
		if (lua_getfield(L, t, "events") == LUA_TTABLE) {
			int k = (int)luaL_len(L, -1);
			s->types = calloc((size_t)k + 1, sizeof *s->types);
			for (int j = 1; s->types && j <= k; j++) {
				lua_rawgeti(L, -1, j);
				s->types[s->n_types++] = strdup(lua_tostring(L, -1));
				lua_pop(L, 1);
			}
		}
		lua_settop(L, t - 1);
		s->dead = json_array();
		if (!s->url || !s->secret || !s->dead) {
			snprintf(err, errlen, "webhooks[%d]: out of memory", i);
			lua_settop(L, list - 1);
			free_subs(w);
			return -1;
		}
	}
	lua_settop(L, list - 1);
	return 0;
}

static int wants(const struct rd_webhook_sub *s, const char *type)
{
	if (!s->types)
		return 1;
	for (int i = 0; i < s->n_types; i++)
		if (type && strcmp(s->types[i], type) == 0)
			return 1;
	return 0;
}

static size_t discard(char *p, size_t size, size_t n, void *ud)
{
	(void)p;
	(void)ud;
	return size * n;
}

static int quitting(rd_webhooks *w);

/* Ends a transfer in flight when the daemon stops. */
static int on_progress(void *ud, curl_off_t a, curl_off_t b, curl_off_t c, curl_off_t d)
{
	(void)a;
	(void)b;
	(void)c;
	(void)d;
	return quitting(ud);
}

/* POSTs one item; returns 1 on a 2xx, else 0 with why in err. */
static int post(rd_webhooks *w, struct rd_webhook_sub *s, uint64_t seq, const char *type, const char *body, size_t len, char *err,
		size_t errlen)
{
	if (!s->curl && !(s->curl = curl_easy_init())) {
		snprintf(err, errlen, "cannot make an HTTP client");
		return 0;
	}
	char ts[32], hdr[5][160], sig[2 * EVP_MAX_MD_SIZE + 1];
	snprintf(ts, sizeof ts, "%lld", (long long)(wall_ms() / 1000));
	/* the signed text: "<timestamp>.<body>", so a captured body cannot be
	 * replayed under a new timestamp */
	unsigned char md[EVP_MAX_MD_SIZE];
	unsigned int mdlen = 0;
	size_t tlen = strlen(ts);
	unsigned char *signed_text = malloc(tlen + 1 + len);
	if (!signed_text) {
		snprintf(err, errlen, "out of memory");
		return 0;
	}
	memcpy(signed_text, ts, tlen);
	signed_text[tlen] = '.';
	memcpy(signed_text + tlen + 1, body, len);
	HMAC(EVP_sha256(), s->secret, (int)strlen(s->secret), signed_text, tlen + 1 + len, md, &mdlen);
	free(signed_text);
	for (unsigned i = 0; i < mdlen; i++)
		snprintf(sig + 2 * i, 3, "%02x", md[i]);
	snprintf(hdr[0], sizeof hdr[0], "X-Redress-Delivery: %s.%llu", s->name, (unsigned long long)seq);
	snprintf(hdr[1], sizeof hdr[1], "X-Redress-Event: %s", type ? type : "");
	snprintf(hdr[2], sizeof hdr[2], "X-Redress-Timestamp: %s", ts);
	snprintf(hdr[3], sizeof hdr[3], "X-Redress-Signature: v1=%s", sig);
	snprintf(hdr[4], sizeof hdr[4], "User-Agent: redress/%s", RD_VERSION);
	struct curl_slist *h = curl_slist_append(NULL, "Content-Type: application/json");
	for (int i = 0; i < 5 && h; i++)
		h = curl_slist_append(h, hdr[i]);
	CURL *c = s->curl;
	curl_easy_setopt(c, CURLOPT_URL, s->url);
	curl_easy_setopt(c, CURLOPT_POST, 1L);
	curl_easy_setopt(c, CURLOPT_POSTFIELDS, body);
	curl_easy_setopt(c, CURLOPT_POSTFIELDSIZE, (long)len);
	curl_easy_setopt(c, CURLOPT_HTTPHEADER, h);
	curl_easy_setopt(c, CURLOPT_TIMEOUT_MS, s->timeout_ms);
	curl_easy_setopt(c, CURLOPT_NOSIGNAL, 1L);
	curl_easy_setopt(c, CURLOPT_WRITEFUNCTION, discard);
	curl_easy_setopt(c, CURLOPT_PROTOCOLS_STR, "http,https");
	curl_easy_setopt(c, CURLOPT_NOPROGRESS, 0L);
	curl_easy_setopt(c, CURLOPT_XFERINFOFUNCTION, on_progress);
	curl_easy_setopt(c, CURLOPT_XFERINFODATA, w);
	CURLcode rc = curl_easy_perform(c);
	long status = 0;
	curl_easy_getinfo(c, CURLINFO_RESPONSE_CODE, &status);
	curl_easy_setopt(c, CURLOPT_HTTPHEADER, NULL);
	curl_slist_free_all(h);
	if (rc != CURLE_OK) {
		snprintf(err, errlen, "%s", curl_easy_strerror(rc));
		return 0;
	}
	if (status < 200 || status > 299) {
		snprintf(err, errlen, "HTTP %ld", status);
		return 0;
	}
	return 1;
}

struct rows {
	uint64_t seq[BATCH];
	char *val[BATCH];
	size_t len[BATCH];
	int n;
};

static int take_row(void *ud, const void *k, size_t klen, const void *v, size_t vlen)
{
	struct rows *r = ud;
	if (klen != 8 || r->n == BATCH)
		return 1;
	const unsigned char *b = k;
	uint64_t seq = 0;
	for (int i = 0; i < 8; i++)
		seq = seq << 8 | b[i];
	if (!(r->val[r->n] = malloc(vlen + 1)))
		return 1;
	memcpy(r->val[r->n], v, vlen);
	r->val[r->n][vlen] = '\0';
	r->len[r->n] = vlen;
	r->seq[r->n++] = seq;
	return r->n == BATCH;
}

static void metric(const char *family, const struct rd_webhook_sub *s)
{
	char line[128];
	int n = snprintf(line, sizeof line, "%s\t%s\t1", family, s->name);
	rd_metrics_apply(line, (size_t)n);
}

/* Hands the cursor and the dead letters to the writer (a "webhook" job). */
static void report(rd_webhooks *w, struct rd_webhook_sub *s)
{
	if (s->cursor == s->reported && json_array_size(s->dead) == 0)
		return;
	json_t *o = json_pack("{s:s, s:I, s:O}", "subscription", s->name, "cursor", (json_int_t)s->cursor, "dead", s->dead);
	char *body = o ? json_dumps(o, JSON_COMPACT) : NULL;
	json_decref(o);
	rd_job *j = body ? calloc(1, sizeof *j) : NULL;
	if (!j) {
		free(body);
		rd_log(RD_LOG_ERROR, "webhooks: out of memory; the cursor is kept in memory", "subscription", s->name, NULL);
		return;
	}
	j->kind = RD_JOB_WEBHOOK;
	j->body = body;
	j->body_len = strlen(body);
	j->internal = 1;
	j->now_ms = wall_ms();
	rd_engine_submit(w->engine, j);
	s->reported = s->cursor;
	json_array_clear(s->dead);
}

static int quitting(rd_webhooks *w)
{
	pthread_mutex_lock(&w->mu);
	int q = w->quit;
	pthread_mutex_unlock(&w->mu);
	return q;
}

/* Delivers what is due for s; returns 1 when it stopped on a failure (the
 * next try is at s->next_try_ms), 0 when it caught up. */
static int deliver(rd_webhooks *w, struct rd_webhook_sub *s)
{
	for (;;) {
		struct rows r = { .n = 0 };
		rd_txn *txn;
		unsigned char lo[8];
		uint64_t from = s->cursor + 1;
		for (int i = 0; i < 8; i++)
			lo[i] = (unsigned char)(from >> (56 - 8 * i));
		if (rd_store_read_begin(w->store, &txn) != RD_OK)
			return 1;
		rd_store_range(w->store, txn, RD_DB_OUTBOX, lo, 8, NULL, 0, 0, take_row, &r);
		rd_store_read_end(w->store, txn);
		int failed = 0, i = 0;
		for (; i < r.n && !failed && !quitting(w); i++) {
			json_t *item = json_loadb(r.val[i], r.len[i], 0, NULL);
			const char *type = json_string_value(json_object_get(item, "type"));
			if (wants(s, type)) {
				char err[256];
				if (post(w, s, r.seq[i], type, r.val[i], r.len[i], err, sizeof err)) {
					metric("redress_webhook_deliveries_total", s);
					s->attempts = 0;
				} else {
					metric("redress_webhook_failures_total", s);
					if (++s->attempts < s->max_attempts) {
						long wait = s->first_ms;
						for (int k = 1; k < s->attempts && wait < s->max_ms; k++)
							wait *= 2;
						s->next_try_ms = wall_ms() + (wait < s->max_ms ? wait : s->max_ms);
						rd_log(RD_LOG_WARN, "webhook delivery failed; will retry", "subscription", s->name,
						       "error", err, NULL);
						failed = 1;
						json_decref(item);
						break;
					}
					json_array_append_new(s->dead, json_pack("{s:I, s:i, s:s, s:I}", "seq", (json_int_t)r.seq[i],
										 "attempts", s->attempts, "error", err,
										 "at_ms", (json_int_t)wall_ms()));
					metric("redress_webhook_dead_total", s);
					rd_log(RD_LOG_ERROR, "webhook delivery gave up; the item is in the dead-letter list",
					       "subscription", s->name, "error", err, NULL);
					s->attempts = 0;
				}
			}
			json_decref(item);
			s->cursor = r.seq[i];
		}
		for (int k = 0; k < r.n; k++)
			free(r.val[k]);
		report(w, s);
		if (failed)
			return 1;
		if (r.n < BATCH || quitting(w))
			return 0;
	}
}

static void *delivery_main(void *arg)
{
	rd_webhooks *w = arg;
	rd_thread_name("rd-webhooks");
	pthread_mutex_lock(&w->mu);
	while (!w->quit) {
		w->woken = 0;
		pthread_mutex_unlock(&w->mu);
		int64_t now = wall_ms(), next = now + 1000; /* look again at least every second */
		/* cluster mode: only the leader delivers (its cursors are replicated writes) */
		for (int i = 0; i < w->n && rd_engine_leads(w->engine); i++) {
			struct rd_webhook_sub *s = &w->subs[i];
			if (s->next_try_ms > now || (deliver(w, s) && s->next_try_ms > now)) {
				if (s->next_try_ms < next)
					next = s->next_try_ms;
			}
		}
		pthread_mutex_lock(&w->mu);
		if (!w->woken && !w->quit) {
			struct timespec until = { .tv_sec = next / 1000, .tv_nsec = (next % 1000) * 1000000 };
			pthread_cond_timedwait(&w->cv, &w->mu, &until);
		}
	}
	pthread_mutex_unlock(&w->mu);
	return NULL;
}

int rd_webhooks_start(rd_webhooks *w, rd_store *store, rd_engine *engine, char *err, size_t errlen)
{
	w->store = store;
	w->engine = engine;
	if (w->n == 0)
		return 0;
	if (curl_global_init(CURL_GLOBAL_DEFAULT) != 0) {
		snprintf(err, errlen, "webhooks: cannot initialise libcurl");
		return -1;
	}
	rd_metrics_declare("redress_webhook_deliveries_total", "Outbox items a webhook subscription delivered (a 2xx).",
			   RD_METRIC_COUNTER, "subscription", NULL, 0, NULL, 0);
	rd_metrics_declare("redress_webhook_failures_total", "Failed webhook delivery attempts (retried with backoff).",
			   RD_METRIC_COUNTER, "subscription", NULL, 0, NULL, 0);
	rd_metrics_declare("redress_webhook_dead_total", "Outbox items put in a subscription's dead-letter list.",
			   RD_METRIC_COUNTER, "subscription", NULL, 0, NULL, 0);
	rd_txn *txn;
	if (rd_store_read_begin(store, &txn) != RD_OK) {
		snprintf(err, errlen, "webhooks: cannot read the cursors");
		return -1;
	}
	for (int i = 0; i < w->n; i++) {
		char key[64];
		snprintf(key, sizeof key, "webhook:%s", w->subs[i].name);
		w->subs[i].cursor = w->subs[i].reported = rd_store_meta_counter(store, txn, key);
	}
	rd_store_read_end(store, txn);
	pthread_mutex_init(&w->mu, NULL);
	pthread_condattr_t ca;
	pthread_condattr_init(&ca);
	pthread_cond_init(&w->cv, &ca); /* CLOCK_REALTIME: the waits use wall_ms */
	pthread_condattr_destroy(&ca);
	if (pthread_create(&w->thread, NULL, delivery_main, w) != 0) {
		snprintf(err, errlen, "webhooks: cannot start the delivery thread");
		return -1;
	}
	w->running = 1;
	rd_engine_on_outbox(engine, rd_webhooks_wake, w);
	return 0;
}

void rd_webhooks_wake(void *arg)
{
	rd_webhooks *w = arg;
	pthread_mutex_lock(&w->mu);
	w->woken = 1;
	pthread_cond_signal(&w->cv);
	pthread_mutex_unlock(&w->mu);
}

void rd_webhooks_stop(rd_webhooks *w)
{
	if (w->running) {
		rd_engine_on_outbox(w->engine, NULL, NULL);
		pthread_mutex_lock(&w->mu);
		w->quit = 1;
		pthread_cond_signal(&w->cv);
		pthread_mutex_unlock(&w->mu);
		pthread_join(w->thread, NULL);
		pthread_cond_destroy(&w->cv);
		pthread_mutex_destroy(&w->mu);
		w->running = 0;
		curl_global_cleanup();
	}
	free_subs(w);
}
