"""Combines the W3 outputs of one run into one JSON line: Cairn's upload (cairn_bench_w3 run),
the reference figures of the same run (w3_upload.js: tus, plain HTTP PUT, dd, sha256), and the
ratios against the targets of issue 4:
  Cairn throughput / plain PUT >= 0.90, Cairn throughput / tus > 1,
  client and server peak RSS < 64 MiB each, a resume at ~50% re-sends at most one chunk.

usage: report_w3.py WORK_DIR   (reads cairn-w3.json and reference-w3.json)"""
import json
import os
import sys

work = sys.argv[1]
MIB_KB = 1024
RSS_TARGET_KB = 64 * MIB_KB


def load(name):
    path = os.path.join(work, name)
    if not os.path.exists(path) or os.path.getsize(path) == 0:
        return None
    with open(path) as f:
        lines = [line for line in f.read().splitlines() if line.startswith("{")]
    return json.loads(lines[-1]) if lines else None


def ratio(a, b):
    return round(a / b, 3) if a is not None and b else None


c = load("cairn-w3.json")
if c is None:
    sys.exit("report_w3: no Cairn result (cairn-w3.json)")
r = load("reference-w3.json") or {}

up, res = c["upload"], c["resume"]
client_rss = max(up["child"]["client_max_rss_kb"], res["child"]["client_max_rss_kb"],
                 res["killed_client_max_rss_kb"])
cairn = {
    "size": c["size"],
    "chunk": c["chunk"],
    "mb_per_s": round(up["mb_per_s"], 1),
    "ms": round(up["ms"], 1),
    "requests": up["child"]["requests"],
    "http_bytes_sent": up["child"]["http_bytes_sent"],
    "capture_mb_per_s": round(c["capture"]["mb_per_s"], 1),
    "capture_ms": round(c["capture"]["ms"], 1),
    "client_max_rss_kb": client_rss,
    "server_max_rss_kb": c["server_max_rss_kb"],
    "resume": {
        "stored_at_kill": res["stored_at_kill"],
        "offset_after_kill": res["offset_after_kill"],
        "resume_ms": round(res["resume_ms"], 1),
        "wire_bytes_total": res["wire_bytes_total"],
        "wire_overhead_bytes": res["wire_overhead_bytes"],
        "wire_ratio": round(res["wire_ratio"], 5),
        "resent_chunk_bytes": res["resent_chunk_bytes"],
        "resent_chunks": res["resent_chunks"],
        "server_sha256_matches": res["server_sha256_matches"],
    },
}

reference = {}
if r:
    def mbps(key):
        return (r.get(key) or {}).get("mb_per_s")
    reference = {
        "put_mb_per_s": mbps("put"),
        "put_fsync_mb_per_s": mbps("put_fsync"),
        "tus_mb_per_s": mbps("tus"),
        "tus_server_max_rss_kb": (r.get("tus") or {}).get("server_max_rss_kb"),
        "tus_client_max_rss_kb": (r.get("tus") or {}).get("client_max_rss_kb"),
        "tus_resume_wire_overhead_bytes": (r.get("tus_resume") or {}).get("wire_overhead_bytes"),
        "tus_resume_wire_ratio": (r.get("tus_resume") or {}).get("wire_ratio"),
        "dd_fsync_mb_per_s": mbps("dd_fsync"),
        "sha256_16k_mb_per_s": (r.get("sha256_16k") or {}).get("mb_per_s"),
    }

ratios = {
    "cairn_over_put": ratio(cairn["mb_per_s"], reference.get("put_mb_per_s")),
    "cairn_over_put_fsync": ratio(cairn["mb_per_s"], reference.get("put_fsync_mb_per_s")),
    "cairn_over_tus": ratio(cairn["mb_per_s"], reference.get("tus_mb_per_s")),
}
resent = cairn["resume"]["resent_chunks"]
targets = {
    "throughput_ge_0_90_put": None if ratios["cairn_over_put"] is None
    else ratios["cairn_over_put"] >= 0.90,
    "throughput_gt_tus": None if ratios["cairn_over_tus"] is None
    else ratios["cairn_over_tus"] > 1,
    "client_rss_lt_64_mib": client_rss < RSS_TARGET_KB,
    "server_rss_lt_64_mib": cairn["server_max_rss_kb"] < RSS_TARGET_KB,
    "resume_resends_le_one_chunk": None if resent is None or resent < 0 else resent <= 1,
    "server_copy_intact": cairn["resume"]["server_sha256_matches"],
}
print(json.dumps({"bench": "w3", "cairn": cairn, "reference": reference, "ratios": ratios,
                  "targets": targets}))
