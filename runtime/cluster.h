/* cluster.h — cluster mode on NATS JetStream: the replicated log, the
 * leader's lease, the nodes' status. The only part of redress that knows
 * NATS: no NATS type appears here, and nothing outside cluster.c includes
 * nats.h (as store.c is for LMDB).
 *
 * What it gives the engine (replica.c holds what a message means):
 *   - one stream (file storage, `replicas` copies) holding, in order, every
 *     batch a leader committed; rd_cluster_publish appends one only when the
 *     stream's last sequence is the one the caller says (the fence: two
 *     nodes that both think they lead cannot fork the log);
 *   - rd_cluster_fetch reads the message at a sequence (JetStream's
 *     get-by-sequence: no consumer state to lose when a server dies);
 *   - a lease: key "leader" of the KV bucket `redress_leader`, whose values
 *     live lease_ms (the bucket's max age). A node takes it with a create
 *     when the key is absent and it said it is caught up, renews it with a
 *     revision-checked update every lease_ms/3, and holds it, as far as
 *     rd_cluster_lease_held says, only while its last renewal is younger
 *     than 2/3 of lease_ms — so it stops deciding before the key can expire;
 *   - every node's status {name, role, applied, hash, http, updated} in the
 *     KV bucket `redress_nodes`, written each second and read back for
 *     GET /v1/cluster and for finding the leader's URL.
 *
 * Threads: rd_cluster_open/close on the main thread; publish and fetch on
 * the writer thread only; the lease and status work runs on a thread of
 * its own; rd_cluster_report, lease_held, leader_url and status_json are
 * safe from any thread (one mutex).
 */
#ifndef RD_CLUSTER_H
#define RD_CLUSTER_H

#include <stddef.h>
#include <stdint.h>

#define RD_CLUSTER_MAX_SERVERS 16
/* The most a batch of the log carries (requests and write sets, before
 * deflating): a message must fit NATS's max_payload, 1 MB by default.
 * The writer stops a batch short of it; one request alone is bounded by
 * limits.max_body_bytes (at most 256 KiB in cluster mode, config.lua). */
#define RD_CLUSTER_BATCH_BYTES (512 * 1024)

typedef struct rd_cluster_config {
	char name[64];      /* this node: unique in the cluster */
	char *servers[RD_CLUSTER_MAX_SERVERS]; /* nats:// URLs */
	int n_servers;
	char stream[64];    /* the stream's name; its subject is "<stream>.log" */
	int replicas;       /* copies of the stream and of the KV buckets */
	char advertise[256]; /* this node's HTTP URL, where followers redirect writes */
	int lease_ms;
} rd_cluster_config;

typedef struct rd_cluster rd_cluster;

/* Errors: 0 is success. */
enum {
	RD_CLUSTER_OK = 0,
	RD_CLUSTER_ENOTFOUND = -1,    /* no message at that sequence (yet) */
	RD_CLUSTER_EFENCED = -2,      /* the stream moved past the expected sequence:
	                               * another node published; catch up */
	RD_CLUSTER_EUNAVAILABLE = -3, /* no answer (timeout, no responders, no
	                               * connection); retry later */
	RD_CLUSTER_EINVAL = -4,
};

enum { RD_ROLE_FOLLOWER, RD_ROLE_LEADER, RD_ROLE_DIVERGED };

/* Connects to the servers (retrying while they start), makes the stream and
 * the two buckets when missing, and starts the lease thread. Errors fill err. */
int rd_cluster_open(rd_cluster **out, const rd_cluster_config *cfg, char *err, size_t errlen);
/* Stops the lease thread (giving the lease up when held: the next node need
 * not wait for it to expire) and closes the connection. */
void rd_cluster_close(rd_cluster *c);
const char *rd_cluster_strerror(int rc);

/* Appends msg to the stream if its last sequence is expect_last (sync: the
 * answer comes after a quorum of the stream's servers stored it); *seq is
 * the message's sequence. */
int rd_cluster_publish(rd_cluster *c, const void *msg, size_t len, uint64_t expect_last, uint64_t *seq);
/* The message at seq, malloc'd into *msg (caller frees). */
int rd_cluster_fetch(rd_cluster *c, uint64_t seq, char **msg, size_t *len);

/* The writer's state, for the lease (only a caught-up node may take it)
 * and the status: role, the sequence applied and the running hash (hex). */
void rd_cluster_report(rd_cluster *c, int role, int caught_up, uint64_t applied, const char *hash_hex);
/* 1 while this node holds a lease renewed recently enough to decide. */
int rd_cluster_lease_held(rd_cluster *c);
/* The leader's advertised HTTP URL into out: 1, or 0 when no leader is known. */
int rd_cluster_leader_url(rd_cluster *c, char *out, size_t cap);
/* {"node":…,"leader":…,"nodes":[{name, role, applied, hash, http, updated}…],
 * "diverged":bool} — malloc'd, caller frees; NULL when out of memory. */
char *rd_cluster_status_json(rd_cluster *c);

#endif
