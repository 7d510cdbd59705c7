#!/usr/bin/env python3
"""Issue 3 accuracy with API descriptions given: documented operations matched (F1 over
(method, template)), and shadow and deprecated labels right.

For each real OpenAPI document in the corpus this writes Kong log records (concrete URLs on the
document's own host):
  * every operation, 25 requests with realistic parameter values (the generator of
    scripts/template-f1.py);
  * undocumented routes on the same host (shadow APIs): new resources beside documented ones,
    admin/debug/internal routes, and extra sub-resources under documented templates, each with
    concrete ids;
  * a sample of documented, non-deprecated operations answering with `Deprecation` and `Sunset`
    headers (announced deprecation: a zombie API).
Then runs `apispm scan --spec DOC --logs TRAFFIC` and scores the report's endpoints.

Usage: scripts/spec-match-eval.py [--only github,stripe] [--per-op 25] [--seed 7]
"""
import argparse, importlib.util, json, os, random, re, subprocess, sys, tempfile

HERE = os.path.dirname(os.path.abspath(__file__))
spec = importlib.util.spec_from_file_location("tf1", os.path.join(HERE, "template-f1.py"))
tf1 = importlib.util.module_from_spec(spec)
spec.loader.exec_module(tf1)

SHADOW_WORDS = ["internal", "debug", "admin", "legacy", "export", "metrics", "backup", "beta", "sync", "audit"]


def norm(t):
    """Placeholder names and a trailing slash do not matter for the comparison."""
    t = re.sub(r"\{[^}]*\}", "{}", t)
    return t.rstrip("/") or "/"


def op_order(doc, res, base):
    """The (method, wire template, host override) of each operation in the order template-f1's
    build() emits their requests, so that requests can be traced back to their operation. An
    operation with servers of its own (GitHub's uploads, Stripe's files) is called on their host."""
    order = []
    for raw_path, item in (doc.get("paths") or {}).items():
        item = res(item)
        if not isinstance(item, dict):
            continue
        template = tf1.normalize_template(base + "/" + raw_path.split("?", 1)[0].lstrip("/"))
        for method, op in item.items():
            if method in tf1.METHODS and isinstance(op, dict):
                servers = op.get("servers") or item.get("servers")
                host = None
                if servers and isinstance(servers, list) and "://" in str(servers[0].get("url", "")):
                    host = servers[0]["url"].split("://", 1)[1].split("/")[0]
                order.append((method.upper(), template, host))
    return order


def matches_template(method, path, truth):
    """Whether an invented path is in fact covered by a documented template."""
    segs = path.strip("/").split("/")
    for m, t in truth:
        ts = t.strip("/").split("/")
        if m == method and len(ts) == len(segs) and all(a == b or ("{" in a) for a, b in zip(ts, segs)):
            return True
    return False


def kong(host, method, path, headers=None, status=200):
    return json.dumps({
        "request": {"method": method, "uri": path, "url": f"https://{host}{path}",
                    "headers": {"host": host, "authorization": "REDACTED"}},
        "response": {"status": status, "headers": headers or {"content-type": "application/json"}},
        "service": {"name": host, "host": host, "protocol": "https"},
        "client_ip": "203.0.113.7", "started_at": 1764806400000})


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--only", default="")
    ap.add_argument("--per-op", type=int, default=25)
    ap.add_argument("--seed", type=int, default=7)
    ap.add_argument("--bin", default="target/release/apispm")
    ap.add_argument("--show", action="store_true", help="print every wrong label")
    args = ap.parse_args()
    rng = random.Random(args.seed)
    only = set(filter(None, args.only.split(",")))
    totals = dict(tp=0, fp=0, fn=0, labels=0, labels_ok=0)
    print(f"{'spec':18} {'ops':>5} {'shadow':>6} {'depr':>5} {'P':>6} {'R':>6} {'F1':>6} {'labels ok':>10}")
    for name, rel in tf1.SPECS:
        if only and name not in only:
            continue
        path = os.path.join(tf1.DEFAULT_CORPUS, rel)
        if not os.path.exists(path):
            continue
        doc = tf1.load(path)
        res = tf1.resolver(doc)
        deprecated = set()
        for raw, item in (doc.get("paths") or {}).items():
            item = res(item)
            if not isinstance(item, dict):
                continue
            for m, op in item.items():
                if m in tf1.METHODS and isinstance(op, dict) and (op.get("deprecated") or op.get("x-deprecated")):
                    deprecated.add((m.upper(), raw.split("?")[0]))
        scope, truth, lines = tf1.build(name, path, args.per_op, rng, tf1.Pools(0, 0))
        host = scope.split("#")[0]
        _, base = tf1.server_of(doc)
        wire_dep = {(m, tf1.normalize_template(base + "/" + t.lstrip("/"))) for m, t in deprecated}
        expected = {}  # (method, normalized template) -> label
        for m, t in truth:
            expected[(m, norm(t))] = "deprecated" if (m, t) in wire_dep else "documented"
        # Announced deprecation on a tenth of the other operations.
        announced = {op for op in truth if expected[(op[0], norm(op[1]))] == "documented" and rng.random() < 0.1}
        for op in announced:
            expected[(op[0], norm(op[1]))] = "deprecated"
        order = op_order(doc, res, base)
        assert len(order) * args.per_op == len(lines), "generator order changed"
        recs = []
        for i, (_, m, p) in enumerate(lines):
            hdrs = None
            om, ot, own_host = order[i // args.per_op]
            if own_host:
                recs.append(kong(own_host, m, p))
                continue
            if (om, ot) in announced:
                hdrs = {"content-type": "application/json", "deprecation": "true",
                        "sunset": "Thu, 31 Dec 2026 23:59:59 GMT"}
            recs.append(kong(host, m, p, hdrs))
        # Shadow routes: undocumented resources on the same host.
        documented_first = sorted({t.split("/")[1] if len(t.split("/")) > 1 else "" for _, t in truth})
        shadows = set()
        for i in range(max(3, len(truth) // 20)):
            word = rng.choice(SHADOW_WORDS) + ("" if i < len(SHADOW_WORDS) else str(i))
            m = rng.choice(["GET", "POST", "DELETE"])
            shape = rng.randrange(3)
            if shape == 0:
                t = f"{base}/{word}"
            elif shape == 1:
                t = f"{base}/{word}/{{id}}"
            else:
                m0, t0 = rng.choice(truth)
                t = f"{t0.rstrip('/')}/{word}-{rng.choice(['report', 'raw', 'dump'])}"
            key = (m, norm(tf1.normalize_template(t)))
            if key in expected or matches_template(m, tf1.normalize_template(t), truth):
                continue
            expected[key] = "shadow"
            shadows.add(key)
            for _ in range(args.per_op):
                concrete = t.replace("{id}", str(rng.randrange(10**5, 10**8)))
                concrete = re.sub(r"\{[^}]*\}", lambda _m: str(rng.randrange(10**5, 10**8)), concrete)
                recs.append(kong(host, m, concrete))
        rng.shuffle(recs)
        d = tempfile.mkdtemp()
        with open(f"{d}/traffic.jsonl", "w") as f:
            f.write("\n".join(recs) + "\n")
        r = subprocess.run([args.bin, "scan", "--quiet", "--spec", path, "--logs", f"{d}/traffic.jsonl",
                            "--log-format", "kong", "--format", "json", "-o", f"{d}/r.json"], capture_output=True, text=True)
        if r.returncode not in (0, 1):
            print(name, "failed:", r.stderr[:300]); continue
        rep = json.load(open(f"{d}/r.json"))
        got = {}
        for e in rep["endpoints"]:
            if e["requests"] == 0:
                continue
            key = (e["method"], norm(e["path"]))
            got[key] = "shadow" if e["classification"] == "shadow" else \
                "deprecated" if e["classification"] == "deprecated" else \
                "documented" if e["documented"] else "undocumented"
        want_doc = {k for k, v in expected.items() if v != "shadow"}
        got_doc = {k for k, v in got.items() if v in ("documented", "deprecated")}
        tp, fp, fn = len(want_doc & got_doc), len(got_doc - want_doc), len(want_doc - got_doc)
        p = tp / max(1, tp + fp); rc = tp / max(1, tp + fn); f1 = 2 * p * rc / max(1e-9, p + rc)
        ok = sum(1 for k, v in expected.items() if got.get(k) == v)
        if args.show:
            for k, v in sorted(expected.items()):
                if got.get(k) != v:
                    near = [g for g in got if g[0] == k[0] and g[1].split("/")[:3] == k[1].split("/")[:3]][:3]
                    print(f"  want {v:10} got {got.get(k)}: {k[0]} {k[1]}   near: {near}")
        totals.update(tp=totals["tp"] + tp, fp=totals["fp"] + fp, fn=totals["fn"] + fn,
                      labels=totals["labels"] + len(expected), labels_ok=totals["labels_ok"] + ok)
        ndep = sum(1 for v in expected.values() if v == "deprecated")
        print(f"{name:18} {len(truth):5} {len(shadows):6} {ndep:5} {p:6.3f} {rc:6.3f} {f1:6.3f} {ok:5}/{len(expected):<5}")
    tp, fp, fn = totals["tp"], totals["fp"], totals["fn"]
    p = tp / max(1, tp + fp); rc = tp / max(1, tp + fn); f1 = 2 * p * rc / max(1e-9, p + rc)
    acc = totals["labels_ok"] / max(1, totals["labels"])
    print(f"{'overall':18} {'':5} {'':6} {'':5} {p:6.3f} {rc:6.3f} {f1:6.3f} {acc:10.4f}")
    print(f"documented-operation F1 {f1:.4f} (target >= 0.99); shadow/deprecated/documented label accuracy {acc:.4f} (target >= 0.99)")
    sys.exit(0 if f1 >= 0.99 and acc >= 0.99 else 1)


if __name__ == "__main__":
    main()
