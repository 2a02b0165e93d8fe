#!/usr/bin/env python3
"""A real webhook receiver for tests/integration/webhooks_spec.lua.

Listens on 127.0.0.1 (a free port, written to PORT_FILE), checks every
delivery's HMAC-SHA256 signature, and writes one JSON line per request to
LOG_FILE. It fails on purpose, so the daemon's retries are exercised:
  /crm   the first attempt of every third item is a 500, the first attempt
         of every seventh a dropped connection; while DIR/pause exists,
         every request is a 503
  /esc   always 200
  /dead  always 500
Usage: webhook_receiver.py DIR SECRET_CRM SECRET_ESC SECRET_DEAD
It stops by itself after 10 minutes.
"""
import hashlib
import hmac
import json
import os
import sys
import threading
from http.server import BaseHTTPRequestHandler, HTTPServer

DIR = sys.argv[1]
SECRETS = {"/crm": sys.argv[2], "/esc": sys.argv[3], "/dead": sys.argv[4]}
seen = set()
log_lock = threading.Lock()


def log(entry):
    with log_lock, open(os.path.join(DIR, "received.jsonl"), "a", encoding="utf-8") as f:
        f.write(json.dumps(entry, sort_keys=True) + "\n")


class Handler(BaseHTTPRequestHandler):
    def log_message(self, *args):
        pass

    def do_POST(self):
        self.path = self.path.split("?", 1)[0]
        body = self.rfile.read(int(self.headers.get("content-length", "0")))
        ts = self.headers.get("x-redress-timestamp", "")
        sig = self.headers.get("x-redress-signature", "")
        secret = SECRETS.get(self.path, "")
        want = "v1=" + hmac.new(secret.encode(), ts.encode() + b"." + body, hashlib.sha256).hexdigest()
        delivery = self.headers.get("x-redress-delivery", "")
        try:
            item = json.loads(body)
        except ValueError:
            item = None
        seq = item.get("seq") if isinstance(item, dict) else None
        first = (self.path, delivery) not in seen
        seen.add((self.path, delivery))
        status = 200
        if self.path == "/dead":
            status = 500
        elif self.path == "/crm" and os.path.exists(os.path.join(DIR, "pause")):
            status = 503
        elif self.path == "/crm" and first and isinstance(seq, int) and seq % 7 == 0:
            log({"path": self.path, "delivery": delivery, "seq": seq, "status": "dropped"})
            self.close_connection = True
            self.connection.shutdown(2)
            return
        elif self.path == "/crm" and first and isinstance(seq, int) and seq % 3 == 0:
            status = 500
        log({"path": self.path, "delivery": delivery, "seq": seq, "status": status,
             "event": self.headers.get("x-redress-event", ""),
             "sig_ok": hmac.compare_digest(sig, want), "body": body.decode("utf-8", "replace")})
        self.send_response(status)
        self.send_header("content-length", "0")
        self.end_headers()


server = HTTPServer(("127.0.0.1", 0), Handler)
with open(os.path.join(DIR, "port.tmp"), "w", encoding="ascii") as f:
    f.write(str(server.server_address[1]))
os.rename(os.path.join(DIR, "port.tmp"), os.path.join(DIR, "port"))
stopper = threading.Timer(600, server.shutdown)
stopper.daemon = True
stopper.start()
server.serve_forever()
