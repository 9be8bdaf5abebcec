"""Combines the W2 driver outputs of one run into one JSON line: Cairn's figures per history
length H (in-process and over TLS), the reference figures (Yjs, Automerge) from the same run,
and the ratios: Cairn's growth from the smallest to the largest H (target: at most 1.5x) and
Cairn against Yjs's state-vector exchange and Automerge's live sync at each H.

usage: report_w2.py WORK_DIR 10000,100000,1000000"""
import json
import os
import sys

work = sys.argv[1]
sizes = [int(h) for h in sys.argv[2].split(",")]
GROWTH_TARGET = 1.5


def load(name):
    path = os.path.join(work, name)
    if not os.path.exists(path) or os.path.getsize(path) == 0:
        return None
    with open(path) as f:
        lines = [l for l in f.read().splitlines() if l.startswith("{")]
    if not lines:
        return None
    result = json.loads(lines[-1])
    return None if result.get("skipped") else result


def rss_kb(name):
    path = os.path.join(work, name)
    if not os.path.exists(path):
        return None
    with open(path) as f:
        words = f.read().split()
    return int(words[-1]) if words else None


def ratio(a, b):
    return a / b if a is not None and b else None


cairn, yjs, automerge, ratios = {}, {}, {}, {}
converged = True
for h in sizes:
    c = load(f"cairn-w2-{h}.json")
    if c is None:
        continue
    s = c["sync"]
    row = {
        "ms": s["ms"], "min_ms": s["min_ms"], "max_ms": s["max_ms"],
        "cpu_ms": s["cpu_ms"], "b_sync_ms": s["b_sync_ms"], "a_sync_ms": s["a_sync_ms"], "server_ms": s.get("server_ms"),
        "bytes": s["bytes"], "zstd_bytes": s["zstd_bytes"], "requests": s["requests"],
        "setup_ms": c["setup_ms"], "peak_rss_kb": rss_kb(f"cairn-w2-{h}.rss"),
        "converged": c["converged"], "reps": s["reps"],
    }
    converged = converged and c["converged"]
    t = load(f"cairn-w2-tls-{h}.json")
    if t is not None:
        ts = t["sync"]
        row["tls"] = {"ms": ts["ms"], "cpu_ms": ts["cpu_ms"], "min_ms": ts["min_ms"], "max_ms": ts["max_ms"],
                      "wire_bytes": ts["wire_bytes"], "bytes": ts["bytes"],
                      "requests": ts["requests"], "connections": ts["connections"],
                      "converged": t["converged"], "reps": ts["reps"]}
        converged = converged and t["converged"]
    cairn[h] = row

    y = load(f"yjs-w2-{h}.json")
    if y is not None:
        yjs[h] = {"sv_ms": y["sv"]["ms"], "sv_oneway_ms": y["sv"]["oneway_ms"],
                  "sv_bytes": y["sv"]["bytes"], "live_ms": y["live"]["ms"],
                  "live_bytes": y["live"]["bytes"], "setup_ms": y["setup_ms"],
                  "peak_rss_kb": rss_kb(f"yjs-w2-{h}.rss"), "converged": y["converged"]}
    a = load(f"automerge-w2-{h}.json")
    if a is not None:
        automerge[h] = {"live_ms": a["live"]["ms"], "live_bytes": a["live"]["bytes"],
                        "reconnect_ms": a["reconnect"]["ms"], "cold_ms": a["cold"]["ms"],
                        "cold_bytes": a["cold"]["bytes"], "setup_ms": a["setup_ms"],
                        "peak_rss_kb": rss_kb(f"automerge-w2-{h}.rss"),
                        "converged": a["converged"]}
    ratios[h] = {
        "ms_vs_yjs_sv": ratio(row["ms"], yjs.get(h, {}).get("sv_ms")),
        "ms_vs_automerge_live": ratio(row["ms"], automerge.get(h, {}).get("live_ms")),
        "bytes_vs_yjs_sv": ratio(row["bytes"], yjs.get(h, {}).get("sv_bytes")),
        "bytes_vs_automerge_live": ratio(row["bytes"], automerge.get(h, {}).get("live_bytes")),
        "peak_rss_vs_yjs": ratio(row["peak_rss_kb"], yjs.get(h, {}).get("peak_rss_kb")),
        "peak_rss_vs_automerge": ratio(row["peak_rss_kb"], automerge.get(h, {}).get("peak_rss_kb")),
    }

out = {"bench": "w2", "impl": "cairn", "sizes": cairn, "converged": converged}
measured = [h for h in sizes if h in cairn]
if len(measured) >= 2:
    lo, hi = measured[0], measured[-1]
    growth = cairn[hi]["ms"] / cairn[lo]["ms"]
    out["growth"] = {"from": lo, "to": hi, "ms_ratio": growth, "target_max": GROWTH_TARGET,
                     "met": growth <= GROWTH_TARGET,
                     "cpu_ms_ratio": cairn[hi]["cpu_ms"] / cairn[lo]["cpu_ms"],
                     "bytes_ratio": cairn[hi]["bytes"] / cairn[lo]["bytes"]}
    if all("tls" in cairn[h] for h in (lo, hi)):
        out["growth"]["tls_ms_ratio"] = cairn[hi]["tls"]["ms"] / cairn[lo]["tls"]["ms"]
if yjs:
    out["baseline_yjs"] = yjs
if automerge:
    out["baseline_automerge"] = automerge
if yjs or automerge:
    out["ratios"] = ratios
print(json.dumps(out))
if not converged:
    sys.exit("w2: A and B did not converge")
