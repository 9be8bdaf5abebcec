#!/usr/bin/env python3
"""Checks and the report of tests/network/bad_network_test.sh (standard library only).

  badnet_check.py witness WORK      the witness device holds what the phone made
  badnet_check.py blob URL SHA SIZE the server says the blob is present and serves its bytes
                                    (env TOKEN: a device token; PIN: the certificate's SHA-256)
  badnet_check.py metrics URL       the server's blob counters from its /metrics, as JSON
  badnet_check.py report            one JSON line from the values in the environment

Each prints what it checked on stderr and exits 1 with the reasons when a check fails.
"""
import hashlib
import http.client
import json
import os
import ssl
import sys
from urllib.parse import urlparse


def load(work, name):
    with open(os.path.join(work, name), encoding="utf-8") as f:
        return json.load(f)


def witness(work):
    env = os.environ
    problems = []
    phone_status = load(work, "phone-status.json")
    witness_status = load(work, "laptop-status.json")
    phone_status.pop("sync")  # each device's own: server URL, cursor, unsent changes
    witness_status.pop("sync")
    if phone_status != witness_status:
        problems.append(f"status differs:\n  phone   {phone_status}\n  witness {witness_status}")
    if env["PURSUIT"] not in json.dumps(witness_status):
        problems.append("the witness does not have the pursuit")
    phone_ev = load(work, "phone-evidence.json")
    witness_ev = load(work, "laptop-evidence.json")
    if phone_ev != witness_ev:
        problems.append(f"evidence differs:\n  phone   {phone_ev}\n  witness {witness_ev}")
    if env.get("SHA") and env["SHA"] not in json.dumps(witness_ev):
        problems.append("the witness's evidence list lacks the video's sha256")
    phone_log = load(work, "phone-log.json")["changes"]
    witness_log = load(work, "laptop-log.json")["changes"]
    have = {(c["actor"], c["seq"]): c for c in witness_log}
    missing = [c for c in phone_log if have.get((c["actor"], c["seq"])) != c]
    if missing:
        problems.append(f"{len(missing)} of the phone's {len(phone_log)} changes are missing or "
                        f"different on the witness, e.g. actor {missing[0]['actor']} seq "
                        f"{missing[0]['seq']}")
    text = json.dumps(witness_log)
    for var in ("LAST_CONTEXT", "LAST_DESIGN", "LAST_REFLECTION"):
        if env.get(var) and json.dumps(env[var]) not in text:
            problems.append(f"the witness's log lacks the last text {env[var]!r}")
    for p in problems:
        print("FAILED:", p, file=sys.stderr)
    if problems:
        return 1
    print(f"bad-network: the witness holds all {len(phone_log)} changes the phone has, and the "
          "same pursuit, answers, reflection and evidence", file=sys.stderr)
    return 0


def proto_fields(b):
    """The scalar and bytes fields of a protobuf message: {field number: value}."""
    i, out = 0, {}

    def varint():
        nonlocal i
        v = s = 0
        while True:
            x = b[i]
            i += 1
            v |= (x & 0x7F) << s
            s += 7
            if x < 0x80:
                return v

    while i < len(b):
        key = varint()
        field, wire = key >> 3, key & 7
        if wire == 0:
            out[field] = varint()
        elif wire == 2:
            n = varint()
            out[field] = b[i:i + n]
            i += n
        else:
            raise ValueError(f"unexpected wire type {wire}")
    return out


def blob(url, sha, size):
    u = urlparse(url)
    ctx = ssl.create_default_context()
    ctx.check_hostname = False
    ctx.verify_mode = ssl.CERT_NONE  # the certificate is pinned below instead
    conn = http.client.HTTPSConnection(u.hostname, u.port, context=ctx, timeout=120)
    conn.connect()
    cert = conn.sock.getpeercert(binary_form=True)
    if hashlib.sha256(cert).hexdigest() != os.environ["PIN"].lower():
        print("FAILED: the server's certificate does not match the pin", file=sys.stderr)
        return 1
    headers = {"Authorization": "Bearer " + os.environ["TOKEN"],
               "Accept": "application/x-protobuf"}
    conn.request("GET", f"/v1/blobs/{sha}/status", headers=headers)
    r = conn.getresponse()
    body = r.read()
    if r.status != 200:
        print(f"FAILED: GET /v1/blobs/{sha}/status: {r.status} {body[:300]!r}", file=sys.stderr)
        return 1
    status = proto_fields(body)  # BlobStatus: 2 state (3 = present), 3 size
    if status.get(2) != 3 or status.get(3) != size:
        print(f"FAILED: the server says state {status.get(2)}, size {status.get(3)}; want 3 "
              f"(BLOB_STATE_PRESENT) and {size}", file=sys.stderr)
        return 1
    conn.request("GET", f"/v1/blobs/{sha}", headers=headers)
    r = conn.getresponse()
    h, n = hashlib.sha256(), 0
    while chunk := r.read(1 << 16):
        h.update(chunk)
        n += len(chunk)
    if r.status != 200 or n != size or h.hexdigest() != sha:
        print(f"FAILED: GET /v1/blobs/{sha}: {r.status}, {n} bytes hashing to {h.hexdigest()}",
              file=sys.stderr)
        return 1
    print(f"bad-network: the server says the video is present and serves its {n} bytes, whose "
          "sha256 is its name", file=sys.stderr)
    return 0


def metrics(url):
    u = urlparse(url)
    ctx = ssl.create_default_context()
    ctx.check_hostname = False
    ctx.verify_mode = ssl.CERT_NONE  # counters only; nothing is sent
    conn = http.client.HTTPSConnection(u.hostname, u.port, context=ctx, timeout=60)
    conn.request("GET", "/metrics")
    r = conn.getresponse()
    out = {}
    for line in r.read().decode().splitlines():
        if line.startswith("cairn_blob"):
            name, value = line.rsplit(" ", 1)
            out[name] = int(float(value))
    print(json.dumps(out))
    return 0


def report():
    e = os.environ
    proxy = json.loads(e.get("PROXY_JSON") or "{}")
    video = int(e["BLOB_BYTES"])
    tx, rx = int(e["TX"]), int(e["RX"])
    out = {
        "test": "bad_network",
        "loss_each_way": float(e["LOSS"]),
        "rate": e["RATE"],
        "delay_ms_each_way": int(e["DELAY_MS"]),
        "reset_every_ms": int(e["RESET_MS"]),
        "changes": int(e["CHANGES"]),
        "video_bytes": video,
        "sync_runs": int(e["SYNCS"]),
        "sync_runs_unreachable": int(e["UNREACHABLE"]),
        "sync_seconds": int(e["SYNC_S"]),
        "proxy": proxy,
        "server_blob_counters": json.loads(e.get("SERVER_METRICS") or "{}"),
        "veth_device_tx_bytes": tx,
        "veth_device_rx_bytes": rx,
        "packets_dropped_to_server": int(e.get("DROP_IN") or 0),
        "packets_dropped_from_server": int(e.get("DROP_OUT") or 0),
    }
    if video:
        up = proxy.get("bytes_client_to_server", 0)
        out["proxy_up_bytes_over_video"] = round(up / video, 4)
        out["veth_up_bytes_over_video"] = round(tx / video, 4)
        out["goodput_kbit_s"] = round(video * 8 / 1000 / max(1, int(e["SYNC_S"])), 1)
    print(json.dumps(out))
    return 0


def main(argv):
    if len(argv) == 3 and argv[1] == "witness":
        return witness(argv[2])
    if len(argv) == 5 and argv[1] == "blob":
        return blob(argv[2], argv[3], int(argv[4]))
    if len(argv) == 3 and argv[1] == "metrics":
        return metrics(argv[2])
    if len(argv) == 2 and argv[1] == "report":
        return report()
    print(__doc__, file=sys.stderr)
    return 2


if __name__ == "__main__":
    sys.exit(main(sys.argv))
