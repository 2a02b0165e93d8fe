#!/usr/bin/python3
"""Cluster mode under kills (issue 17).

Starts three nats-server processes as a JetStream cluster and three redressd
nodes in cluster mode, all on loopback, each in its own temp dir. Load threads
send complaints (Idempotency-Key = customer id) and events on cases already
answered to all three nodes, following the followers' 307 to the leader and
retrying 503s and dropped connections with the same key and body. Meanwhile
the test SIGKILLs, in turn, the leading redressd, a following redressd and a
nats-server, restarting each, CYCLES times. The pack sets a timer a few seconds
after every complaint, so timers fire throughout.

Then, on every node: the same case ids; every answered complaint there, once
per key; every answered event there, once per key; each case's timeline the
same length on every node; each case's timer fired exactly once; every node's
applied sequence and hash in GET /v1/cluster equal. And intake resumed within
15 s of each kill. Last, a backup of n1 taken half way is restored into a
fourth node, which must start at the backup's log sequence, apply the rest and
end with n1's cases, sequence and hash (joining, issue 17). Prints one line "cluster test: ..." and exits 0, or lists
the problems and exits 1.

    cluster_test.py [cycles=10] [load_threads=4]

Env: REDRESSD, REDRESS_ROOT (as the other integration tests).
"""
import http.client
import json
import os
import random
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import threading
import time

ROOT = os.environ.get("REDRESS_ROOT") or os.path.abspath(os.path.join(os.path.dirname(__file__), "../.."))
DAEMON = os.environ.get("REDRESSD") or os.path.join(ROOT, "build", "redressd")
CLI = os.environ.get("REDRESS_CLI") or os.path.join(ROOT, "build", "redress")
NATS = shutil.which("nats-server") or "/usr/bin/nats-server"
CYCLES = int(sys.argv[1]) if len(sys.argv) > 1 else 10
THREADS = int(sys.argv[2]) if len(sys.argv) > 2 else 4
RESUME_LIMIT = 15.0   # seconds from a kill to the next answered write
TIMER_S = 3           # the pack's timer, after each complaint
TOKEN = "test-admin"

POLICY = """
local P = {}
function P.on_complaint(case, act)
  act:acknowledge { template = "ack" }
  act:timer { name = "follow_up", after = "%ds" }
end
function P.on_event(case, event, act) end
function P.on_timer(case, timer, act)
  act:set { facts = { ["fired_" .. timer.name] = timer.fired_at } }
end
return P
""" % TIMER_S


def free_ports(n):
    socks, ports = [], []
    for _ in range(n):
        s = socket.socket()
        s.bind(("127.0.0.1", 0))
        socks.append(s)
        ports.append(s.getsockname()[1])
    for s in socks:
        s.close()
    return ports


def request(port, method, path, body=None, key=None, timeout=10):
    """(status, parsed body or text, headers) or (None, error, {})."""
    try:
        c = http.client.HTTPConnection("127.0.0.1", port, timeout=timeout)
        h = {"Authorization": "Bearer " + TOKEN}
        data = None
        if body is not None:
            data = json.dumps(body).encode()
            h["Content-Type"] = "application/json"
        if key:
            h["Idempotency-Key"] = key
        c.request(method, path, body=data, headers=h)
        r = c.getresponse()
        raw = r.read()
        hdrs = {k.lower(): v for k, v in r.getheaders()}
        c.close()
        try:
            return r.status, json.loads(raw), hdrs
        except ValueError:
            return r.status, raw.decode("utf-8", "replace"), hdrs
    except (OSError, http.client.HTTPException) as e:
        return None, str(e), {}


class Proc:
    """A process we start, kill and restart; its output appended to log."""

    def __init__(self, name, argv, log):
        self.name, self.argv, self.log, self.p = name, argv, log, None

    def start(self):
        out = open(self.log, "ab")
        self.p = subprocess.Popen(self.argv, stdout=out, stderr=subprocess.STDOUT, stdin=subprocess.DEVNULL)
        out.close()

    def kill9(self):
        if self.p and self.p.poll() is None:
            self.p.send_signal(signal.SIGKILL)
            self.p.wait()

    def stop(self):
        if self.p and self.p.poll() is None:
            self.p.terminate()
            try:
                self.p.wait(20)
            except subprocess.TimeoutExpired:
                self.kill9()


class Cluster:
    def __init__(self, tmp):
        self.tmp = tmp
        p = free_ports(9)
        self.nats_ports, route_ports, self.http_ports = p[0:3], p[3:6], p[6:9]
        servers = ", ".join('"nats://127.0.0.1:%d"' % x for x in self.nats_ports)
        self.nats, self.nodes = [], []
        for i in range(3):
            routes = ", ".join("nats-route://127.0.0.1:%d" % route_ports[j] for j in range(3) if j != i)
            conf = os.path.join(tmp, "nats%d.conf" % (i + 1))
            with open(conf, "w") as f:
                f.write("server_name: s%d\nlisten: 127.0.0.1:%d\n"
                        "jetstream { store_dir: \"%s/nats%d\" }\n"
                        "cluster { name: redress_test, listen: 127.0.0.1:%d, routes: [%s] }\n"
                        % (i + 1, self.nats_ports[i], tmp, i + 1, route_ports[i], routes))
            self.nats.append(Proc("nats-server s%d" % (i + 1), [NATS, "-c", conf], conf + ".log"))
        pack = os.path.join(tmp, "clock")
        os.makedirs(pack + "/templates")
        with open(pack + "/pack.lua", "w") as f:
            f.write('return { name = "clock", version = "1.0.0", languages = { "en" } }\n')
        with open(pack + "/policy.lua", "w") as f:
            f.write(POLICY)
        with open(pack + "/templates/en.lua", "w") as f:
            f.write('return { ack = "Thanks" }\n')
        for i in range(3):
            d = os.path.join(tmp, "n%d" % (i + 1))
            os.makedirs(d + "/data")
            with open(d + "/redress.conf.lua", "w") as f:
                f.write("""return {
  listen = "127.0.0.1:%d", data_dir = "%s/data",
  packs = { "%s" }, default_pack = "clock",
  log = { access = false },
  tokens = { ["%s"] = { "admin" } },
  cluster = { name = "n%d", nats = { servers = { %s } }, stream = "redress",
    replicas = 3, advertise = "http://127.0.0.1:%d", lease_ms = 3000 },
}
""" % (self.http_ports[i], d, pack, TOKEN, i + 1, servers, self.http_ports[i]))
            self.nodes.append(Proc("redressd n%d" % (i + 1), [DAEMON, "-c", d + "/redress.conf.lua"], d + "/log"))

    def status(self, i):
        s, b, _ = request(self.http_ports[i], "GET", "/v1/cluster", timeout=3)
        return b if s == 200 and isinstance(b, dict) else None

    def leader(self):
        """The index of the node every answering node names as leader, or None."""
        for i in range(3):
            st = self.status(i)
            if st and st.get("leader"):
                return int(st["leader"][1:]) - 1
        return None

    def wait_up(self, i, secs=60):
        t = time.time() + secs
        while time.time() < t:
            if self.status(i):
                return True
            if self.nodes[i].p.poll() is not None:
                return False
            time.sleep(0.2)
        return False


class Load:
    """Threads sending complaints and events to random nodes."""

    def __init__(self, cluster):
        self.c = cluster
        self.mu = threading.Lock()
        self.stop = threading.Event()
        self.complaints = {}   # key -> case id (answered 201, or 200 replay)
        self.events = {}       # key -> case id (answered)
        self.successes = []    # times of answered writes
        self.failures = []     # (key, final status, body)
        self.redirects = 0
        self.retries = 0
        self.n = 0

    def send(self, path, body, key):
        """Until answered, with the same key and body; follows 307s."""
        port = random.choice(self.c.http_ports)
        t_end = time.time() + 60
        while time.time() < t_end:
            s, b, h = request(port, "POST", path, body, key)
            if s == 307 and h.get("location"):
                with self.mu:
                    self.redirects += 1
                port = int(h["location"].split(":")[2].split("/")[0])
                continue
            if s in (200, 201):
                with self.mu:
                    self.successes.append(time.time())
                return b
            if s is None or s == 503:
                with self.mu:
                    self.retries += 1
                time.sleep(0.1)
                port = random.choice(self.c.http_ports)
                continue
            with self.mu:
                self.failures.append((key, s, b))
            return None
        with self.mu:
            self.failures.append((key, "gave up after 60 s", None))
        return None

    def worker(self, w):
        i = 0
        while not self.stop.is_set():
            i += 1
            with self.mu:
                known = list(self.complaints.items())
            if known and i % 3 == 0:
                ckey, case = random.choice(known)
                key = "e-%d-%d" % (w, i)
                b = self.send("/v1/cases/%s/events" % case,
                              {"type": "customer.replied", "data": {"message": key}}, key)
                if b is not None:
                    with self.mu:
                        self.events[key] = case
                continue
            key = "w%d-%d" % (w, i)
            b = self.send("/v1/complaints", {"customer": {"id": key}, "channel": "web", "category": "other",
                                             "description": "cluster test " + key, "language": "en"}, key)
            if b is not None:
                with self.mu:
                    self.complaints[key] = b["case"]["id"]

    def start(self):
        self.threads = [threading.Thread(target=self.worker, args=(w,), daemon=True) for w in range(THREADS)]
        for t in self.threads:
            t.start()

    def finish(self):
        self.stop.set()
        for t in self.threads:
            t.join(90)


def all_cases(port):
    out, cursor = [], None
    while True:
        q = "/v1/cases?limit=500" + ("&cursor=" + cursor if cursor else "")
        s, b, _ = request(port, "GET", q, timeout=30)
        if s != 200:
            raise RuntimeError("GET /v1/cases on %d: %s %s" % (port, s, b))
        out += b["cases"]
        cursor = b.get("next_cursor")
        if not cursor:
            return out


def main():
    t0 = time.time()
    tmp = tempfile.mkdtemp(prefix="redress-cluster.")
    c = Cluster(tmp)
    problems = []
    kills = {"leader": 0, "follower": 0, "nats": 0}
    resume = []
    try:
        for n in c.nats:
            n.start()
        for n in c.nodes:
            n.start()
        for i in range(3):
            if not c.wait_up(i, 90):
                raise RuntimeError("node n%d did not come up" % (i + 1))
        t = time.time() + 30
        while c.leader() is None and time.time() < t:
            time.sleep(0.2)
        if c.leader() is None:
            raise RuntimeError("no leader after 30 s")
        load = Load(c)
        load.start()
        time.sleep(3)
        for cycle in range(CYCLES):
            kind = ("leader", "follower", "nats")[cycle % 3]
            lead = c.leader()
            if kind == "leader":
                victim = c.nodes[lead if lead is not None else 0]
            elif kind == "follower":
                victim = c.nodes[((lead if lead is not None else 0) + 1 + cycle % 2) % 3]
            else:
                victim = c.nats[cycle % 3]
            with load.mu:
                before = len(load.successes)
            t_kill = time.time()
            victim.kill9()
            kills[kind] += 1
            # intake resumes: an answer to a write sent after the kill
            got = None
            while time.time() < t_kill + RESUME_LIMIT + 5:
                with load.mu:
                    later = [s for s in load.successes[before:] if s > t_kill + 0.05]
                if later:
                    got = min(later) - t_kill
                    break
                time.sleep(0.05)
            resume.append((kind, got))
            if got is None or got > RESUME_LIMIT:
                problems.append("cycle %d (%s killed): intake did not resume within %.0f s (%s)"
                                % (cycle + 1, victim.name, RESUME_LIMIT, got))
            time.sleep(1)
            victim.start()
            if victim in c.nodes and not c.wait_up(c.nodes.index(victim), 60):
                problems.append("cycle %d: %s did not come back" % (cycle + 1, victim.name))
            time.sleep(2)
            if cycle == CYCLES // 2:
                JOIN["seq"] = take_backup(c, problems)
        load.finish()
        # the last timers come due, and every node applies the log to its end
        time.sleep(TIMER_S + 2)
        deadline = time.time() + 60
        while time.time() < deadline:
            st = [c.status(i) for i in range(3)]
            if all(st):
                mine = [next((n for n in s["nodes"] if n["name"] == "n%d" % (i + 1)), None) for i, s in enumerate(st)]
                seqs = {(m["applied"], m["hash"]) for m in mine if m}
                if len(seqs) == 1 and all(mine):
                    # and no timer left to fire
                    s_, b_, _ = request(c.http_ports[0], "GET", "/v1/timers?limit=1", timeout=10)
                    if s_ == 200 and not b_.get("timers"):
                        break
            time.sleep(0.5)
        final = [c.status(i) for i in range(3)]
        check(c, load, final, problems)
        check_document(c, final, problems)
        check_join(c, JOIN["seq"], final, problems)
        check_divergence(c, problems)
    except Exception as e:  # a broken run is a failed run, with the logs' tails
        problems.append("error: %s" % e)
    finally:
        for n in c.nodes + c.nats:
            n.stop()
    took = time.time() - t0
    if problems:
        for n in c.nodes:
            with open(n.log, "rb") as f:
                tail = f.read()[-3000:].decode("utf-8", "replace")
            sys.stderr.write("--- %s log tail ---\n%s\n" % (n.name, tail))
        sys.stderr.write("cluster test FAILED (kept %s):\n  %s\n" % (tmp, "\n  ".join(problems[:40])))
        print("cluster test: FAILED, %d problems" % len(problems))
        return 1
    worst = {k: max([g for kind, g in resume if kind == k] or [0]) for k in kills}
    print("cluster test: %d cycles (%d leader, %d follower, %d nats-server SIGKILLs), %d complaints and %d events "
          "answered, %d redirects followed, %d retries, all applied once on 3 nodes at seq %s with equal hashes, "
          "every timer fired once, intake back after a kill within %.1f s (leader) / %.1f s (follower) / "
          "%.1f s (nats-server) at worst, a fourth node restored from a backup at seq %s caught up to %s (%s), "
          "a fifth whose store differed stopped at seq %s as diverged, %.0f s"
          % (CYCLES, kills["leader"], kills["follower"], kills["nats"], len(load.complaints), len(load.events),
             load.redirects, load.retries, STATUS_SEQ[0], worst["leader"], worst["follower"], worst["nats"],
             JOIN["seq"], STATUS_SEQ[0], JOIN["caught_up"], DIVERGED[0], took))
    shutil.rmtree(tmp, ignore_errors=True)
    return 0


STATUS_SEQ = [None]
JOIN = {"seq": None, "caught_up": "-"}  # the backup's log sequence; how the restored node caught up
DIVERGED = [None]


def take_backup(c, problems):
    """A backup of n1 while the load runs (half way through the kills).
    Returns the log sequence it records, or None."""
    backup = os.path.join(c.tmp, "n1.backup")
    r = subprocess.run([CLI, "backup", os.path.join(c.tmp, "n1/data"), backup], capture_output=True, text=True)
    if r.returncode != 0:
        problems.append("redress backup: " + r.stdout + r.stderr)
        return None
    covers = json.loads(r.stdout.strip().splitlines()[-1])
    seq = covers.get("cluster_applied_seq")
    if not isinstance(seq, int) or seq <= 0:
        problems.append("the backup does not record the log sequence it covers: %s" % covers)
        return None
    return seq


def check_divergence(c, problems):
    """A store that is not what the leader's was must be an alert, not
    silence: a fifth node first runs alone (its start stores its own console
    session key, and it takes a complaint under the Idempotency-Key of the
    load's first complaint), then joins the cluster from sequence 0. A write
    set of the log must fail its check there (the first to meet what this
    store holds and the cluster's never did), and the node must say it
    diverged: role "diverged" in GET /v1/cluster, redress_cluster_diverged 1."""
    d = os.path.join(c.tmp, "n5")
    os.makedirs(d + "/data")
    port = free_ports(1)[0]
    with open(os.path.join(c.tmp, "n1/redress.conf.lua")) as f:
        conf = (f.read().replace(c.tmp + "/n1/", d + "/").replace('name = "n1"', 'name = "n5"')
                .replace(":%d" % c.http_ports[0], ":%d" % port))
    alone = conf[:conf.index("  cluster = {")] + "}\n"
    with open(d + "/alone.conf.lua", "w") as f:
        f.write(alone)
    with open(d + "/redress.conf.lua", "w") as f:
        f.write(conf)
    n5 = Proc("redressd n5 alone", [DAEMON, "-c", d + "/alone.conf.lua"], d + "/log")
    n5.start()
    try:
        deadline = time.time() + 30
        s = None
        while time.time() < deadline and s != 201:
            s, b, _ = request(port, "POST", "/v1/complaints", {"customer": {"id": "w0-1"}, "channel": "web",
                                                              "category": "other", "description": "not the cluster's"},
                              "w0-1")
            time.sleep(0.2)
        if s != 201:
            problems.append("the fifth node, alone, did not take its complaint: %s %s" % (s, b))
            return
        n5.stop()
        n5 = Proc("redressd n5", [DAEMON, "-c", d + "/redress.conf.lua"], d + "/log")
        n5.start()
        deadline, me = time.time() + 60, None
        while time.time() < deadline:
            s, b, _ = request(port, "GET", "/v1/cluster", timeout=3)
            me = s == 200 and next((n for n in b["nodes"] if n["name"] == "n5"), None)
            if me and me["role"] == "diverged":
                break
            time.sleep(0.2)
        if not me or me["role"] != "diverged":
            problems.append("a node whose store differs did not report itself diverged: %s" % (me,))
            return
        s, b, _ = request(port, "GET", "/metrics", timeout=3)
        if s != 200 or "redress_cluster_diverged 1" not in b:
            problems.append("/metrics of the diverged node does not say redress_cluster_diverged 1")
        DIVERGED[0] = me["applied"]
    finally:
        n5.stop()


def check_join(c, seq, final, problems):
    """A new node joins from the backup taken half way: it must start at the
    backup's log sequence (not 0), apply the rest, and end with the others'
    cases, sequence and hash."""
    if seq is None:
        return
    backup = os.path.join(c.tmp, "n1.backup")
    d = os.path.join(c.tmp, "n4")
    os.makedirs(d)
    r = subprocess.run([CLI, "restore", backup, d + "/data"], capture_output=True, text=True)
    if r.returncode != 0:
        problems.append("redress restore: " + r.stdout + r.stderr)
        return None
    port = free_ports(1)[0]
    with open(os.path.join(c.tmp, "n1/redress.conf.lua")) as f:
        conf = f.read()
    conf = (conf.replace(c.tmp + "/n1/", d + "/").replace('name = "n1"', 'name = "n4"')
            .replace(":%d" % c.http_ports[0], ":%d" % port))
    with open(d + "/redress.conf.lua", "w") as f:
        f.write(conf)
    n4 = Proc("redressd n4", [DAEMON, "-c", d + "/redress.conf.lua"], d + "/log")
    t_start = time.time()
    n4.start()
    try:
        first, want = None, {(n["applied"], n["hash"]) for n in final[0]["nodes"] if n["name"] != "n4"}
        deadline = time.time() + 60
        while time.time() < deadline:
            s, b, _ = request(port, "GET", "/v1/cluster", timeout=3)
            me = s == 200 and next((n for n in b["nodes"] if n["name"] == "n4"), None)
            if me:
                first = me["applied"] if first is None else first
                if (me["applied"], me["hash"]) in want:
                    JOIN["caught_up"] = "%d messages in %.1f s from its start" % (me["applied"] - seq, time.time() - t_start)
                    break
            time.sleep(0.2)
        else:
            problems.append("the node restored from a backup did not catch up in 60 s")
            return
        if first < seq:
            problems.append("the restored node started at sequence %d, before its backup's %d" % (first, seq))
        if sorted(x["id"] for x in all_cases(port)) != sorted(x["id"] for x in all_cases(c.http_ports[0])):
            problems.append("the restored node's cases differ from n1's")
    finally:
        n4.stop()


def raw_answer(name, port, method, path, template, body=None):
    conn = http.client.HTTPConnection("127.0.0.1", port, timeout=10)
    h = {"Authorization": "Bearer " + TOKEN}
    data = json.dumps(body).encode() if body is not None else None
    if data:
        h["Content-Type"] = "application/json"
        h["Idempotency-Key"] = "document-check"
    conn.request(method, path, body=data, headers=h)
    r = conn.getresponse()
    raw = r.read().decode()
    hdrs = {k.lower(): v for k, v in r.getheaders()}
    conn.close()
    return {"name": name, "method": method, "path": template, "status": r.status,
            "content_type": hdrs.get("content-type"), "headers": hdrs, "body": raw}


def check_document(c, final, problems):
    """The cluster-only answers (GET /v1/cluster's 200, a follower's 307)
    against docs/openapi.json, with the OpenAPI spec's checker: the single
    daemon of tests/integration/openapi_spec.lua cannot produce them."""
    answers = [raw_answer("cluster n%d" % (i + 1), c.http_ports[i], "GET", "/v1/cluster", "/v1/cluster")
               for i in range(3)]
    lead = c.leader()
    follower = (lead + 1) % 3 if lead is not None else 0
    a = raw_answer("follower's redirect", c.http_ports[follower], "POST", "/v1/complaints", "/v1/complaints",
                   {"customer": {"id": "document-check"}, "channel": "web", "category": "other", "description": "x"})
    if a["status"] != 307 or not a["headers"].get("location", "").startswith("http://127.0.0.1:%d/" % c.http_ports[lead]):
        problems.append("a follower answered a write with %s %s, not a 307 to the leader" % (a["status"], a["headers"]))
    answers.append(a)
    path = os.path.join(c.tmp, "answers.json")
    with open(path, "w") as f:
        json.dump(answers, f)
    r = subprocess.run(["/usr/bin/python3", os.path.join(ROOT, "tests/openapi/check_answers.py"),
                        os.path.join(ROOT, "docs/openapi.json"), path], capture_output=True, text=True)
    if r.returncode != 0:
        problems.append("answers the document does not allow: " + (r.stdout + r.stderr).strip())


def check(c, load, final, problems):
    if load.failures:
        for f in load.failures[:10]:
            problems.append("a write was refused: %s" % (f,))
    if not all(final):
        problems.append("GET /v1/cluster failed on some node")
        return
    by_node = []
    for i, st in enumerate(final):
        me = next((n for n in st["nodes"] if n["name"] == "n%d" % (i + 1)), None)
        by_node.append(me)
    if len({(m["applied"], m["hash"]) for m in by_node}) != 1:
        problems.append("nodes differ: %s" % [(m["name"], m["applied"], m["hash"][:12]) for m in by_node])
    if any(st.get("hashes_differ") for st in final):
        problems.append("a node reports differing hashes")
    STATUS_SEQ[0] = by_node[0]["applied"]
    ids = []
    for i in range(3):
        cases = all_cases(c.http_ports[i])
        ids.append(sorted(x["id"] for x in cases))
        if len(ids[i]) != len(set(ids[i])):
            problems.append("n%d lists a case twice" % (i + 1))
    if not (ids[0] == ids[1] == ids[2]):
        problems.append("case ids differ between nodes: %d / %d / %d" % tuple(len(x) for x in ids))
    answered_cases = set(load.complaints.values())
    if len(answered_cases) != len(load.complaints):
        problems.append("two answered keys share a case")
    missing = answered_cases - set(ids[0])
    if missing:
        problems.append("%d answered complaints are missing, e.g. %s" % (len(missing), sorted(missing)[:3]))
    if len(ids[0]) != len(answered_cases):
        problems.append("%d cases stored, %d complaints answered (one key, one case)" % (len(ids[0]), len(answered_cases)))
    events_by_case = {}
    for k, case in load.events.items():
        events_by_case.setdefault(case, []).append(k)
    for case in sorted(answered_cases):
        timelines = []
        for i in range(3):
            s, b, _ = request(c.http_ports[i], "GET", "/v1/cases/" + case, timeout=30)
            if s != 200:
                problems.append("n%d: GET %s: %s" % (i + 1, case, s))
                continue
            evs = [e for e in b["timeline"] if e.get("kind") == "event"]
            timelines.append(len(b["timeline"]))
            fired = [e for e in evs if e.get("type") == "timer.fired"]
            if len(fired) != 1:
                problems.append("n%d: %s: its timer fired %d times" % (i + 1, case, len(fired)))
            notes = [e["data"].get("message") for e in evs if e.get("type") == "customer.replied"]
            for k in events_by_case.get(case, []):
                if notes.count(k) != 1:
                    problems.append("n%d: %s: event %s applied %d times" % (i + 1, case, k, notes.count(k)))
            if len(notes) != len(events_by_case.get(case, [])):
                problems.append("n%d: %s: %d events stored, %d answered" % (i + 1, case, len(notes),
                                                                            len(events_by_case.get(case, []))))
        if len(set(timelines)) > 1:
            problems.append("%s: timelines differ in length between nodes: %s" % (case, timelines))


if __name__ == "__main__":
    sys.exit(main())
