"""Combines the W1 driver outputs of one run into one JSON line: Cairn's figures with the
reference scripts' keys, the reference (Yjs) figures from the same run, and ratios."""
import json
import os
import sys

work = sys.argv[1]


def load(name):
    path = os.path.join(work, name)
    if not os.path.exists(path):
        return None
    with open(path) as f:
        return json.loads(f.read().strip().splitlines()[-1])


def rss_kb(name):
    path = os.path.join(work, name)
    if not os.path.exists(path):
        return None
    with open(path) as f:
        return int(f.read().split()[-1])


updates = 4 * 25000
prepare = load("cairn-prepare.json")
merge_a = load("cairn-merge-a.json")
merge_b = load("cairn-merge-b.json")
out = {
    "bench": "w1",
    "impl": "cairn",
    "merge_ms": merge_a["merge_ms"],
    "merge_ms_order_3102": merge_b["merge_ms"],
    "per_actor_ms": merge_a["per_actor_ms"],
    "load_base_ms": merge_a["load_base_ms"],
    "checkpoint_ms": merge_a["checkpoint_ms"],
    "update_ms_mean_actor": prepare["update_ms_mean_actor"],
    "delta_bytes_total": prepare["delta_bytes_total"],
    "delta_gzip6_total": prepare["delta_gzip6_total"],
    "delta_zstd3_total": prepare["delta_zstd3_total"],
    "bytes_per_update": prepare["delta_bytes_total"] / updates,
    "zstd3_bytes_per_update": prepare["delta_zstd3_total"] / updates,
    "base_bytes": prepare["base"]["bytes"],
    "full_bytes": merge_a["full"]["bytes"],
    "state_sha256": merge_a["state_sha256"],
    "state_sha256_order_3102": merge_b["state_sha256"],
    "converged": merge_a["state_sha256"] == merge_b["state_sha256"]
    and merge_a["replica_state_hash"] == merge_b["replica_state_hash"],
    "peak_rss_kb": rss_kb("cairn-merge-a.rss"),
    "rss_after_merge_kb": merge_a["rss_after_merge_kb"],
}
yjs_prepare = load("yjs-prepare.json")
yjs_merge = load("yjs-merge.json")
if yjs_prepare and yjs_merge:
    yjs = {
        "merge_ms": yjs_merge["merge_ms"],
        "delta_bytes_total": yjs_prepare["delta_bytes_total"],
        "delta_zstd3_total": yjs_prepare["delta_zstd3_total"],
        "update_ms_mean_actor": yjs_prepare["update_ms_mean_actor"],
        "peak_rss_kb": rss_kb("yjs-merge.rss"),
        "state_sha256": yjs_merge["state_sha256"],
    }
    out["baseline_yjs"] = yjs
    out["ratios_vs_yjs"] = {
        "merge_speedup": yjs["merge_ms"] / out["merge_ms"],
        "bytes_per_update": out["delta_bytes_total"] / yjs["delta_bytes_total"],
        "zstd3_bytes_per_update": out["delta_zstd3_total"] / yjs["delta_zstd3_total"],
        "peak_rss": out["peak_rss_kb"] / yjs["peak_rss_kb"],
    }
print(json.dumps(out))
if not out["converged"]:
    sys.exit("w1: the two merge orders did not converge")
