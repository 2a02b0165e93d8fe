/* cluster.c — NATS JetStream for cluster mode (see cluster.h). */
#define _GNU_SOURCE
#include "cluster.h"

#include <nats/nats.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "log.h"

#define LEASE_BUCKET "redress_leader"
#define NODES_BUCKET "redress_nodes"
#define LEASE_KEY "leader"

struct rd_cluster {
	rd_cluster_config cfg;
	char subject[96];
	natsConnection *nc;
	jsCtx *js;
	kvStore *lease, *nodes;
	pthread_t thread, status_thread;
	int running, status_running;
	pthread_mutex_t mu;
	pthread_cond_t cv;
	/* under mu */
	int quit;
	int role, caught_up;
	int reported;         /* the writer has said where it is: a status may be written */
	uint64_t applied;
	char hash[65];
	int held;             /* the lease is ours at lease_rev */
	uint64_t lease_rev;
	int64_t renewed_ms;   /* monotonic time of the last successful create/renew */
	int64_t reported_ms;  /* monotonic time of the writer's last report */
	char leader[64];      /* the lease's holder as last read ("" : none) */
	char leader_url[256];
	char *nodes_json;     /* the nodes' statuses as last read: a JSON array */
	int hashes_differ;    /* two nodes at the same sequence with different hashes */
};

static int64_t mono_ms(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (int64_t)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

static int64_t wall_ms(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_REALTIME, &ts);
	return (int64_t)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

/* The one mapping from NATS's errors to ours. */
static int cluster_error(natsStatus s, jsErrCode jerr)
{
	if (s == NATS_OK)
		return RD_CLUSTER_OK;
	if (jerr == JSStreamWrongLastSequenceErr)
		return RD_CLUSTER_EFENCED;
	if (s == NATS_NOT_FOUND || jerr == JSNoMessageFoundErr)
		return RD_CLUSTER_ENOTFOUND;
	if (s == NATS_INVALID_ARG)
		return RD_CLUSTER_EINVAL;
	return RD_CLUSTER_EUNAVAILABLE;
}

const char *rd_cluster_strerror(int rc)
{
	switch (rc) {
	case RD_CLUSTER_OK: return "ok";
	case RD_CLUSTER_ENOTFOUND: return "not found";
	case RD_CLUSTER_EFENCED: return "the stream moved on: another node published";
	case RD_CLUSTER_EUNAVAILABLE: return "the NATS cluster did not answer";
	default: return "invalid argument";
	}
}

int rd_cluster_publish(rd_cluster *c, const void *msg, size_t len, uint64_t expect_last, uint64_t *seq)
{
	jsPubOptions po;
	jsPubOptions_Init(&po);
	po.ExpectLastSeq = expect_last;
	/* ExpectLastSeq 0 means "no expectation" to NATS: the first message
	 * of an empty stream is fenced by ExpectNoMessage on our subject. */
	if (expect_last == 0)
		po.ExpectNoMessage = true;
	po.MaxWait = 3000;
	jsPubAck *ack = NULL;
	jsErrCode jerr = 0;
	natsStatus s = js_Publish(&ack, c->js, c->subject, msg, (int)len, &po, &jerr);
	int rc = cluster_error(s, jerr);
	if (rc == RD_CLUSTER_OK)
		*seq = ack->Sequence;
	else if (rc == RD_CLUSTER_ENOTFOUND || (s == NATS_ERR && jerr == JSStreamWrongLastMsgIDErr))
		rc = RD_CLUSTER_EFENCED; /* ExpectNoMessage refused: the stream is not empty */
	jsPubAck_Destroy(ack);
	return rc;
}

int rd_cluster_fetch(rd_cluster *c, uint64_t seq, char **out, size_t *len)
{
	natsMsg *m = NULL;
	jsErrCode jerr = 0;
	jsOptions o;
	jsOptions_Init(&o);
	o.Wait = 2000;
	natsStatus s = js_GetMsg(&m, c->js, c->cfg.stream, seq, &o, &jerr);
	int rc = cluster_error(s, jerr);
	if (rc == RD_CLUSTER_OK) {
		int n = natsMsg_GetDataLength(m);
		*out = malloc((size_t)n + 1);
		if (!*out) {
			rc = RD_CLUSTER_EUNAVAILABLE;
		} else {
			memcpy(*out, natsMsg_GetData(m), (size_t)n);
			*len = (size_t)n;
		}
	}
	natsMsg_Destroy(m);
	return rc;
}

void rd_cluster_report(rd_cluster *c, int role, int caught_up, uint64_t applied, const char *hash_hex)
{
	pthread_mutex_lock(&c->mu);
	int was = c->caught_up;
	c->role = role;
	c->caught_up = caught_up;
	c->applied = applied;
	c->reported = 1;
	c->reported_ms = mono_ms();
	snprintf(c->hash, sizeof c->hash, "%s", hash_hex);
	if (caught_up && !was)
		pthread_cond_broadcast(&c->cv); /* try for the lease at once */
	pthread_mutex_unlock(&c->mu);
}

static int held_locked(rd_cluster *c)
{
	return c->held && mono_ms() - c->renewed_ms < c->cfg.lease_ms * 2 / 3;
}

int rd_cluster_lease_held(rd_cluster *c)
{
	pthread_mutex_lock(&c->mu);
	int h = held_locked(c);
	pthread_mutex_unlock(&c->mu);
	return h;
}

int rd_cluster_leader_url(rd_cluster *c, char *out, size_t cap)
{
	pthread_mutex_lock(&c->mu);
	int ok = c->leader_url[0] != '\0';
	if (ok)
		snprintf(out, cap, "%s", c->leader_url);
	pthread_mutex_unlock(&c->mu);
	return ok;
}

char *rd_cluster_status_json(rd_cluster *c)
{
	pthread_mutex_lock(&c->mu);
	const char *nodes = c->nodes_json ? c->nodes_json : "[]";
	size_t cap = strlen(nodes) + 512;
	char *s = malloc(cap);
	if (s)
		snprintf(s, cap, "{\"node\":\"%s\",\"leader\":%s%s%s,\"hashes_differ\":%s,\"nodes\":%s}", c->cfg.name,
			 c->leader[0] ? "\"" : "", c->leader[0] ? c->leader : "null", c->leader[0] ? "\"" : "",
			 c->hashes_differ ? "true" : "false", nodes);
	pthread_mutex_unlock(&c->mu);
	return s;
}

/* ---- the lease and status thread ---- */

static const char *role_name(int role)
{
	return role == RD_ROLE_LEADER ? "leader" : role == RD_ROLE_DIVERGED ? "diverged" : "follower";
}

/* One step of the lease: renew it when held, else take it when absent and
 * this node is caught up (or adopt it when it names this node: a restart
 * faster than the lease's expiry). Reads who holds it. */
static void lease_step(rd_cluster *c)
{
	pthread_mutex_lock(&c->mu);
	int held = c->held, caught_up = c->caught_up && c->role != RD_ROLE_DIVERGED;
	/* a holder renews only while it can lead: not diverged, leading or
	 * caught up, and its writer reporting (a writer stuck in a failing
	 * store, or gone, lets the lease expire so that another node leads) */
	int able = c->role != RD_ROLE_DIVERGED && (c->role == RD_ROLE_LEADER || c->caught_up) &&
		   mono_ms() - c->reported_ms < c->cfg.lease_ms * 2 / 3;
	const char *role = role_name(c->role);
	uint64_t rev = c->lease_rev;
	pthread_mutex_unlock(&c->mu);
	const char *me = c->cfg.name;
	uint64_t nrev = 0;
	/* the lease runs from before the request was sent: the server's copy
	 * can only expire later than this node believes */
	int64_t sent = mono_ms();
	if (held && !able) {
		static int64_t said;
		if (sent - said > c->cfg.lease_ms) {
			said = sent;
			rd_log(RD_LOG_WARN, "cluster: not renewing the lease: this node cannot lead now", "role", role,
			       NULL);
		}
	} else if (held) {
		natsStatus s = kvStore_UpdateString(&nrev, c->lease, LEASE_KEY, me, rev);
		pthread_mutex_lock(&c->mu);
		if (s == NATS_OK) {
			c->lease_rev = nrev;
			c->renewed_ms = sent;
		} else if (s != NATS_TIMEOUT && s != NATS_NO_RESPONDERS && s != NATS_CONNECTION_CLOSED) {
			c->held = 0; /* someone else's revision: the lease is gone */
			rd_log(RD_LOG_WARN, "cluster: lease lost", "error", natsStatus_GetText(s), NULL);
		}
		pthread_mutex_unlock(&c->mu);
	}
	kvEntry *e = NULL;
	sent = mono_ms();
	natsStatus s = kvStore_Get(&e, c->lease, LEASE_KEY);
	char holder[64] = "";
	if (s == NATS_OK) {
		snprintf(holder, sizeof holder, "%.*s", kvEntry_ValueLen(e), (const char *)kvEntry_Value(e));
		if (!held && caught_up && strcmp(holder, me) == 0 &&
		    kvStore_UpdateString(&nrev, c->lease, LEASE_KEY, me, kvEntry_Revision(e)) == NATS_OK)
			held = 2;
	} else if (s == NATS_NOT_FOUND && !held && caught_up) {
		if (kvStore_CreateString(&nrev, c->lease, LEASE_KEY, me) == NATS_OK) {
			snprintf(holder, sizeof holder, "%s", me);
			held = 2;
		}
	}
	kvEntry_Destroy(e);
	pthread_mutex_lock(&c->mu);
	if (held == 2) {
		c->held = 1;
		c->lease_rev = nrev;
		c->renewed_ms = sent;
		rd_log(RD_LOG_INFO, "cluster: lease taken", "node", me, NULL);
	}
	if (s == NATS_OK || s == NATS_NOT_FOUND || held == 2)
		snprintf(c->leader, sizeof c->leader, "%s", holder);
	pthread_mutex_unlock(&c->mu);
}

/* The value of "key": in a status JSON (our own writing: no escapes), into out. */
static void json_field(const char *json, const char *key, char *out, size_t cap)
{
	char pat[32];
	snprintf(pat, sizeof pat, "\"%s\":", key);
	out[0] = '\0';
	const char *p = strstr(json, pat);
	if (!p)
		return;
	p += strlen(pat);
	int quoted = *p == '"';
	p += quoted;
	size_t n = 0;
	while (p[n] && (quoted ? p[n] != '"' : p[n] != ',' && p[n] != '}'))
		n++;
	snprintf(out, cap, "%.*s", (int)n, p);
}

/* Writes this node's status and reads everyone's. */
static void status_step(rd_cluster *c)
{
	char mine[512];
	pthread_mutex_lock(&c->mu);
	int reported = c->reported;
	snprintf(mine, sizeof mine,
		 "{\"name\":\"%s\",\"role\":\"%s\",\"applied\":%llu,\"hash\":\"%s\",\"http\":\"%s\",\"updated\":%lld}",
		 c->cfg.name, held_locked(c) && c->role == RD_ROLE_LEADER ? "leader" : role_name(c->role),
		 (unsigned long long)c->applied, c->hash, c->cfg.advertise, (long long)wall_ms());
	pthread_mutex_unlock(&c->mu);
	uint64_t rev;
	if (reported) /* before the store was read, "applied 0" would be a lie */
		kvStore_PutString(&rev, c->nodes, c->cfg.name, mine);

	kvKeysList keys = { 0 };
	if (kvStore_Keys(&keys, c->nodes, NULL) != NATS_OK)
		return;
	size_t cap = 64 + (size_t)keys.Count * 520, len = 1;
	char *all = malloc(cap);
	char url[256] = "", hashes[RD_CLUSTER_MAX_SERVERS * 4][65 + 24];
	int n_hashes = 0, differ = 0;
	if (!all) {
		kvKeysList_Destroy(&keys);
		return;
	}
	strcpy(all, "[");
	pthread_mutex_lock(&c->mu);
	char leader[64];
	snprintf(leader, sizeof leader, "%s", c->leader);
	pthread_mutex_unlock(&c->mu);
	for (int i = 0; i < keys.Count; i++) {
		kvEntry *e = NULL;
		if (kvStore_Get(&e, c->nodes, keys.Keys[i]) != NATS_OK)
			continue;
		int vl = kvEntry_ValueLen(e);
		const char *v = kvEntry_Value(e);
		if (vl > 0 && vl < 500 && len + (size_t)vl + 2 < cap) {
			len += (size_t)snprintf(all + len, cap - len, "%s%.*s", len > 1 ? "," : "", vl, v);
			char one[512], applied[24], hash[65];
			snprintf(one, sizeof one, "%.*s", vl, v);
			if (leader[0] && strcmp(keys.Keys[i], leader) == 0)
				json_field(one, "http", url, sizeof url);
			json_field(one, "applied", applied, sizeof applied);
			json_field(one, "hash", hash, sizeof hash);
			/* nodes at the same sequence must hold the same hash */
			for (int j = 0; j < n_hashes; j++)
				if (strncmp(hashes[j], applied, strlen(applied)) == 0 && hashes[j][strlen(applied)] == ' ' &&
				    strcmp(hashes[j] + strlen(applied) + 1, hash) != 0)
					differ = 1;
			if (n_hashes < (int)(sizeof hashes / sizeof hashes[0]))
				snprintf(hashes[n_hashes++], sizeof hashes[0], "%s %s", applied, hash);
		}
		kvEntry_Destroy(e);
	}
	kvKeysList_Destroy(&keys);
	snprintf(all + len, cap - len, "]");
	pthread_mutex_lock(&c->mu);
	free(c->nodes_json);
	c->nodes_json = all;
	snprintf(c->leader_url, sizeof c->leader_url, "%s", url);
	if (differ && !c->hashes_differ)
		rd_log(RD_LOG_ERROR, "cluster: two nodes at the same sequence hold different hashes", NULL);
	c->hashes_differ = differ;
	pthread_mutex_unlock(&c->mu);
}

/* Runs step every period_ms until close. The lease and the status have a
 * thread each: listing the nodes can block for a JetStream timeout while a
 * server is down, and must never delay a renewal. */
static void every(rd_cluster *c, void (*step)(rd_cluster *), int64_t period_ms)
{
	pthread_mutex_lock(&c->mu);
	while (!c->quit) {
		pthread_mutex_unlock(&c->mu);
		step(c);
		pthread_mutex_lock(&c->mu);
		if (c->quit)
			break;
		/* the condition variable waits on the monotonic clock: a step of
		 * the wall clock must not delay a renewal */
		int64_t until = mono_ms() + period_ms;
		struct timespec ts = { .tv_sec = until / 1000, .tv_nsec = (until % 1000) * 1000000 };
		pthread_cond_timedwait(&c->cv, &c->mu, &ts);
	}
	pthread_mutex_unlock(&c->mu);
}

static void *lease_main(void *arg)
{
	rd_cluster *c = arg;
	rd_thread_name("rd-lease");
	every(c, lease_step, c->cfg.lease_ms / 3);
	return NULL;
}

static void *status_main(void *arg)
{
	rd_thread_name("rd-cluster");
	every(arg, status_step, 1000);
	return NULL;
}

/* ---- open and close ---- */

/* The stream, made when missing (several nodes may race: one wins). */
static natsStatus ensure_stream(rd_cluster *c, jsErrCode *jerr)
{
	jsStreamInfo *si = NULL;
	natsStatus s = js_GetStreamInfo(&si, c->js, c->cfg.stream, NULL, jerr);
	if (s == NATS_OK) {
		jsStreamInfo_Destroy(si);
		return s;
	}
	jsStreamConfig sc;
	jsStreamConfig_Init(&sc);
	const char *subj[1] = { c->subject };
	sc.Name = c->cfg.stream;
	sc.Subjects = subj;
	sc.SubjectsLen = 1;
	sc.Storage = js_FileStorage;
	sc.Replicas = c->cfg.replicas;
	s = js_AddStream(&si, c->js, &sc, NULL, jerr);
	jsStreamInfo_Destroy(si);
	if (s != NATS_OK && *jerr == JSStreamNameExistErr)
		s = NATS_OK;
	return s;
}

static natsStatus ensure_bucket(rd_cluster *c, kvStore **kv, const char *bucket, int64_t ttl_ms)
{
	if (js_KeyValue(kv, c->js, bucket) == NATS_OK)
		return NATS_OK;
	kvConfig kc;
	kvConfig_Init(&kc);
	kc.Bucket = bucket;
	kc.History = 1;
	kc.TTL = ttl_ms * 1000000; /* nanoseconds, whatever the header says */
	kc.Replicas = c->cfg.replicas;
	kc.StorageType = js_FileStorage;
	natsStatus s = js_CreateKeyValue(kv, c->js, &kc);
	if (s != NATS_OK)
		s = js_KeyValue(kv, c->js, bucket); /* another node made it meanwhile */
	return s;
}

int rd_cluster_open(rd_cluster **out, const rd_cluster_config *cfg, char *err, size_t errlen)
{
	rd_cluster *c = calloc(1, sizeof *c);
	if (!c) {
		snprintf(err, errlen, "out of memory");
		return -1;
	}
	c->cfg = *cfg;
	snprintf(c->subject, sizeof c->subject, "%s.log", cfg->stream);
	snprintf(c->hash, sizeof c->hash, "%s", "");
	pthread_mutex_init(&c->mu, NULL);
	pthread_condattr_t ca;
	pthread_condattr_init(&ca);
	pthread_condattr_setclock(&ca, CLOCK_MONOTONIC);
	pthread_cond_init(&c->cv, &ca);
	pthread_condattr_destroy(&ca);
	natsOptions *o = NULL;
	natsStatus s = natsOptions_Create(&o);
	if (s == NATS_OK)
		s = natsOptions_SetServers(o, (const char **)c->cfg.servers, c->cfg.n_servers);
	if (s == NATS_OK)
		s = natsOptions_SetMaxReconnect(o, -1); /* for ever: a node outlives its server */
	if (s == NATS_OK)
		s = natsOptions_SetReconnectWait(o, 200);
	if (s == NATS_OK)
		s = natsOptions_SetTimeout(o, 1000);
	if (s == NATS_OK)
		s = natsOptions_SetName(o, c->cfg.name);
	/* Servers may still be starting, and JetStream needs a quorum before it
	 * answers: try for up to 60 s. */
	jsErrCode jerr = 0;
	const char *step = "connect";
	for (int64_t until = mono_ms() + 60000; s == NATS_OK && mono_ms() < until;) {
		/* each round goes again from the first step not done */
		if (!c->nc) {
			step = "connect";
			s = natsConnection_Connect(&c->nc, o);
		}
		if (s == NATS_OK && !c->js) {
			/* KV calls (the lease) give up after a third of the lease:
			 * a renewal must not wait longer than the lease lasts */
			jsOptions jo;
			jsOptions_Init(&jo);
			jo.Wait = c->cfg.lease_ms / 3;
			s = natsConnection_JetStream(&c->js, c->nc, &jo);
		}
		if (s == NATS_OK)
			step = "stream", s = ensure_stream(c, &jerr);
		if (s == NATS_OK && !c->lease)
			step = "lease bucket", s = ensure_bucket(c, &c->lease, LEASE_BUCKET, c->cfg.lease_ms);
		if (s == NATS_OK && !c->nodes)
			step = "nodes bucket", s = ensure_bucket(c, &c->nodes, NODES_BUCKET, 0);
		if (s == NATS_OK)
			break;
		if (mono_ms() >= until)
			break;
		nats_Sleep(250);
		s = NATS_OK;
	}
	natsOptions_Destroy(o);
	if (s != NATS_OK) {
		snprintf(err, errlen, "cluster: %s: %s %s (servers %s…)", step, natsStatus_GetText(s),
			 nats_GetLastError(NULL) ? nats_GetLastError(NULL) : "", c->cfg.servers[0]);
		rd_cluster_close(c);
		return -1;
	}
	if (pthread_create(&c->thread, NULL, lease_main, c) != 0) {
		snprintf(err, errlen, "cluster: cannot start the lease thread");
		rd_cluster_close(c);
		return -1;
	}
	c->running = 1;
	if (pthread_create(&c->status_thread, NULL, status_main, c) != 0) {
		snprintf(err, errlen, "cluster: cannot start the status thread");
		rd_cluster_close(c);
		return -1;
	}
	c->status_running = 1;
	*out = c;
	return 0;
}

void rd_cluster_close(rd_cluster *c)
{
	if (!c)
		return;
	if (c->running) {
		pthread_mutex_lock(&c->mu);
		c->quit = 1;
		pthread_cond_broadcast(&c->cv);
		pthread_mutex_unlock(&c->mu);
		pthread_join(c->thread, NULL);
		if (c->status_running)
			pthread_join(c->status_thread, NULL);
	}
	/* the next leader need not wait for the expiry; a lease that lapsed
	 * may be another node's by now, and is left alone */
	if (c->lease && held_locked(c))
		kvStore_Delete(c->lease, LEASE_KEY);
	kvStore_Destroy(c->lease);
	kvStore_Destroy(c->nodes);
	jsCtx_Destroy(c->js);
	natsConnection_Destroy(c->nc);
	free(c->nodes_json);
	for (int i = 0; i < c->cfg.n_servers; i++)
		free(c->cfg.servers[i]);
	pthread_mutex_destroy(&c->mu);
	pthread_cond_destroy(&c->cv);
	free(c);
}
