#!/usr/bin/env python3
"""An issuer's webhook receiver for the forwarding tests (tests/integration/forward_test.cc).

Serves plain HTTP on 127.0.0.1 (Cairn allows http:// webhooks only to loopback). For each POST
it checks what docs/issuer-api.md promises a receiver: the Cairn-Signature header is
v1=HMAC-SHA256(secret, Cairn-Timestamp + "." + body), the timestamp is within 5 minutes, the
body is JSON whose idempotency_key equals the Cairn-Idempotency-Key header. It answers 500 to
the first --fail-first valid deliveries (an issuer having a bad day), then accepts: the first
delivery of a key is recorded as accepted, later ones of the same key as duplicates (answered
200, as an idempotent receiver does). Every event is one line appended to --record:

    failed <key>          answered 500 on purpose
    accepted <key> <file> accepted; the body is saved in <file>
    duplicate <key>       the key was accepted before; answered 200, nothing recorded again
    refused <why>         a bad signature, stale timestamp or malformed body; answered 401/400

The port it listens on is written to --port-file once it listens.
"""
import argparse
import hashlib
import hmac
import http.server
import json
import os
import time


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--secret-file", required=True)
    parser.add_argument("--record", required=True)
    parser.add_argument("--port-file", required=True)
    parser.add_argument("--fail-first", type=int, default=0)
    parser.add_argument("--port", type=int, default=0)
    args = parser.parse_args()
    with open(args.secret_file, "rb") as f:
        secret = f.read().rstrip(b"\r\n")
    state = {"to_fail": args.fail_first, "accepted": set(), "saved": 0}
    record_dir = os.path.dirname(os.path.abspath(args.record))
    if os.path.exists(args.record):  # a restarted receiver remembers what it accepted
        with open(args.record) as f:
            for line in f:
                parts = line.split()
                if parts and parts[0] == "accepted":
                    state["accepted"].add(parts[1])
                    state["saved"] += 1

    def record(line):
        with open(args.record, "a") as f:
            f.write(line + "\n")
            f.flush()
            os.fsync(f.fileno())

    class Handler(http.server.BaseHTTPRequestHandler):
        def answer(self, code, text):
            body = text.encode()
            self.send_response(code)
            self.send_header("Content-Type", "text/plain")
            self.send_header("Content-Length", str(len(body)))
            self.end_headers()
            self.wfile.write(body)

        def do_POST(self):
            length = int(self.headers.get("Content-Length", "0"))
            body = self.rfile.read(length)
            timestamp = self.headers.get("Cairn-Timestamp", "")
            signature = self.headers.get("Cairn-Signature", "")
            key = self.headers.get("Cairn-Idempotency-Key", "")
            expected = "v1=" + hmac.new(secret, timestamp.encode() + b"." + body,
                                        hashlib.sha256).hexdigest()
            if not hmac.compare_digest(signature, expected):
                record("refused bad-signature")
                return self.answer(401, "bad signature")
            if not timestamp.isdigit() or abs(time.time() - int(timestamp)) > 300:
                record("refused stale-timestamp")
                return self.answer(401, "stale timestamp")
            if self.headers.get("Content-Type") != "application/json":
                record("refused content-type")
                return self.answer(400, "not json")
            try:
                envelope = json.loads(body)
            except ValueError:
                record("refused bad-json")
                return self.answer(400, "bad json")
            if envelope.get("idempotency_key") != key or not key:
                record("refused key-mismatch")
                return self.answer(400, "idempotency key mismatch")
            if state["to_fail"] > 0:
                state["to_fail"] -= 1
                record("failed " + key)
                return self.answer(500, "issuer is having a bad day")
            if key in state["accepted"]:
                record("duplicate " + key)
                return self.answer(200, "already have it")
            state["saved"] += 1
            path = os.path.join(record_dir, "accepted-%d.json" % state["saved"])
            with open(path, "wb") as f:
                f.write(body)
            state["accepted"].add(key)
            record("accepted %s %s" % (key, path))
            return self.answer(200, "accepted")

        def log_message(self, *unused):
            pass

    server = http.server.HTTPServer(("127.0.0.1", args.port), Handler)
    tmp = args.port_file + ".tmp"
    with open(tmp, "w") as f:
        f.write("%d\n" % server.server_address[1])
    os.rename(tmp, args.port_file)
    server.serve_forever()


if __name__ == "__main__":
    main()
