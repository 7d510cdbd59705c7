#!/usr/bin/env python3
"""Build the path-template inference benchmark from real API descriptions.

For every operation of each OpenAPI/Swagger document this writes REQUESTS_PER_OP concrete
requests whose path parameters are filled with realistic values chosen from the parameter's
schema (enum, format, example, type) and name, plus the ground truth (method, template).
The learner never sees the documents: only the shuffled traffic.

Usage:
  scripts/template-f1.py [--out DIR] [--seed N] [--per-op N] [--corpus DIR] [--only a,b]
  cargo run --release -p apispm-template --example f1 -- DIR/traffic.tsv DIR/truth.json

traffic.tsv lines: scope <TAB> METHOD <TAB> path   (scope = the server's host[:port])
truth.json: {"specs": [{"name", "scope", "ops": [[METHOD, template], ...]}]}
"""

import argparse
import json
import os
import random
import re
import string
import sys
import urllib.parse

try:
    import yaml

    _YAML_LOADER = getattr(yaml, "CSafeLoader", yaml.SafeLoader)
except ImportError:  # pragma: no cover - PyYAML is on the dev machines
    yaml = None

HERE = os.path.dirname(os.path.abspath(__file__))
DEFAULT_CORPUS = os.path.normpath(os.path.join(HERE, "..", "..", "shared", "corpus"))

# (name, path under corpus). The first seven are the ones the issue names; the rest add small
# and oddly shaped APIs.
SPECS = [
    ("github", "vacuum-test-files/api.github.com.yaml"),
    ("stripe", "stripe-openapi/spec3.json"),
    ("openai", "openai-openapi/openapi.yaml"),
    ("asana", "vacuum-test-files/asana.yaml"),
    ("crapi", "crapi/crapi-openapi-spec.json"),
    ("vampi", "vampi/openapi3.yml"),
    ("petstore", "oai-openapi-specification/examples/v3.0/petstore.yaml"),
    ("petstore-expanded", "oai-openapi-specification/examples/v3.0/petstore-expanded.yaml"),
    ("museum", "redocly-museum/openapi.yaml"),
    ("xsoar", "vacuum-test-files/xsoar.json"),
    ("uspto", "oai-openapi-specification/examples/v3.0/uspto.yaml"),
    ("tictactoe", "oai-learn/examples/v3.1/tictactoe.yaml"),
]

METHODS = ("get", "put", "post", "delete", "patch", "head", "options", "trace")

# Word material for names. Combined, these give pools of tens of thousands of distinct
# user, repository and slug names, as real traffic has.
ADJ = """able active agile amber ancient arctic bold brave bright brisk calm clever cosmic
crimson curious daring deep eager early electric emerald fancy fast fierce gentle giant golden
grand happy hidden humble icy jolly keen kind lazy lively lucky lunar magic mellow mighty misty
modern noble nimble odd orange pale patient plain proud quick quiet rapid rare red rusty silent
silver simple sleepy smart snowy solar solid spicy stellar steady stormy sunny swift tall tidy
tiny urban vast velvet vivid wild windy wise witty young zesty""".split()
NOUN = """atlas badger beacon bear bison blossom breeze brook canyon cedar comet coral cosmos
crane creek dragon eagle echo ember falcon fern forest fox galaxy garden glacier harbor hawk
heron island jaguar koala lagoon lantern leaf lemur lion lotus lynx maple meadow meteor moon
moose mountain nebula oak ocean orbit otter owl panda panther pebble pine planet prairie puma
quartz rabbit raven reef river robin rocket sage salmon sequoia shadow shark sparrow spruce
star stone summit sun tiger topaz tundra turtle valley willow wolf zebra""".split()
FIRST = """aaron abby adam aisha alex alice amir ana andre anna arjun ben bianca bob carla
carlos chen chloe chris dana daniel david diego dmitri elena emily emma eric fatima felix fiona
george grace hana hannah hiro ian ingrid isaac ivan jack james jana jin john jose julia kai
karen kate kenji kim lara laura leo lena liam lucas luis maria mark maya mia mike nadia nina
noah olga omar oscar paul pedro priya rafael raj rosa ryan sam sara sofia tom tara uma victor
wei yara yuki zoe""".split()
LAST = """adams baker bauer brown chen cohen costa cruz davis diaz evans fischer garcia gomez
gupta hall hansen ito jensen johnson jones kim klein kumar lee lopez martin meyer miller moore
muller nguyen novak ortiz park patel perez petrov ramos reyes rossi sato schmidt silva singh
smith suzuki tanaka taylor thomas torres wagner walker wang weber white wilson wong young""".split()
TECH = """api app auth billing bot cache cli client cloud config core data db demo deploy
dev docs engine etl feed gateway graph hub infra kit lab lib log mail monitor net ops pay
pipeline portal proxy queue sdk search server service shop site stack store sync test tool ui
vault web worker""".split()
EXT = "md txt json yml yaml py rs go js ts java rb c h toml cfg ini html css png".split()


def rand_base62(rng, n):
    alphabet = string.ascii_letters + string.digits
    return "".join(rng.choice(alphabet) for _ in range(n))


def rand_alnum_lower(rng, n):
    alphabet = string.ascii_lowercase + string.digits
    return "".join(rng.choice(alphabet) for _ in range(n))


def rand_hex(rng, n):
    return "".join(rng.choice("0123456789abcdef") for _ in range(n))


def username(rng):
    r = rng.random()
    if r < 0.3:
        return rng.choice(FIRST) + rng.choice(LAST)
    if r < 0.5:
        return rng.choice(FIRST) + "-" + rng.choice(LAST)
    if r < 0.7:
        return rng.choice(FIRST) + str(rng.randint(1, 9999))
    if r < 0.85:
        return rng.choice(ADJ) + rng.choice(NOUN)
    return rng.choice(FIRST)[0] + rng.choice(LAST) + str(rng.randint(1, 99))


def orgname(rng):
    r = rng.random()
    if r < 0.4:
        return rng.choice(ADJ) + "-" + rng.choice(NOUN)
    if r < 0.7:
        return rng.choice(NOUN) + rng.choice(TECH)
    return rng.choice(LAST) + "-" + rng.choice(["labs", "inc", "io", "hq", "dev", "co", "team"])


def slug(rng):
    r = rng.random()
    if r < 0.35:
        return rng.choice(ADJ) + "-" + rng.choice(NOUN)
    if r < 0.6:
        return rng.choice(NOUN) + "-" + rng.choice(TECH)
    if r < 0.8:
        return rng.choice(TECH) + "-" + rng.choice(NOUN) + "-" + rng.choice(TECH)
    return rng.choice(NOUN) + rng.choice(TECH) + str(rng.randint(2, 99))


def snake(rng):
    return rng.choice(TECH) + "_" + rng.choice(NOUN) + "_" + rng.choice(["key", "token", "secret", "id", "url"])


def filename(rng):
    return rng.choice([slug(rng), rng.choice(NOUN)]) + "." + rng.choice(EXT)


def email(rng):
    return rng.choice(FIRST) + "." + rng.choice(LAST) + str(rng.randint(1, 99)) + "@" + rng.choice(
        ["example.com", "mail.test", "corp.example", "acme.io"]
    )


def uuid4(rng):
    h = rand_hex(rng, 32)
    return f"{h[:8]}-{h[8:12]}-4{h[13:16]}-{rng.choice('89ab')}{h[17:20]}-{h[20:]}"


def date(rng):
    return f"{rng.randint(2015, 2025)}-{rng.randint(1, 12):02d}-{rng.randint(1, 28):02d}"


def datetime(rng):
    return date(rng) + f"T{rng.randint(0, 23):02d}:{rng.randint(0, 59):02d}:{rng.randint(0, 59):02d}Z"


def integer(rng, schema):
    lo = schema.get("minimum")
    hi = schema.get("maximum")
    if lo is not None or hi is not None:
        lo = int(lo if lo is not None else 0)
        hi = int(hi if hi is not None else lo + 1_000_000)
        if hi - lo > 10_000_000:
            hi = lo + 10_000_000
        return str(rng.randint(lo, max(lo, hi)))
    # Log-uniform: real ids range from small to very large.
    digits = rng.randint(1, 9)
    return str(rng.randint(10 ** (digits - 1), 10**digits - 1))


def mimic(rng, example):
    """A fresh value with the shape of a documented example: letters stay letters of the same
    case, digits stay digits, separators stay. Short random parts are lengthened, since a
    documented `abc123` stands for an identifier that is not three letters long in real use."""
    parts = re.split(r"([^A-Za-z0-9]+)", example)
    # The leading alphabetic part before a separator is a type prefix (`file-`, `vs_`, `cus_`).
    out = []
    for i, part in enumerate(parts):
        if i % 2 == 1 or part == "":
            out.append(part)
            continue
        is_prefix = i == 0 and len(parts) > 1 and part.isalpha() and part.islower() and len(part) <= 8
        if is_prefix:
            out.append(part)
            continue
        chars = []
        for ch in part:
            if ch.isdigit():
                chars.append(rng.choice(string.digits))
            elif ch.isupper():
                chars.append(rng.choice(string.ascii_uppercase))
            else:
                chars.append(rng.choice(string.ascii_lowercase))
        if len(chars) < 6:
            pool = string.digits if part.isdigit() else (string.ascii_lowercase if part.isalpha() else string.ascii_lowercase + string.digits)
            while len(chars) < 6:
                chars.append(rng.choice(pool))
            if part.isdigit() and chars[0] == "0":
                chars[0] = rng.choice("123456789")
        out.append("".join(chars))
    return "".join(out)


def singular(word):
    w = word.lower()
    if w.endswith("ies"):
        return w[:-3] + "y"
    if w.endswith("sses") or w.endswith("ches") or w.endswith("shes") or w.endswith("xes"):
        return w[:-2]
    if w.endswith("s") and not w.endswith("ss"):
        return w[:-1]
    return w


def abbreviation(word):
    words = [w for w in re.split(r"[_\-]", singular(word)) if w]
    if not words:
        return "obj"
    if len(words) == 1:
        return words[0][:4]
    return "".join(w[0] for w in words)


USERISH = {"owner", "username", "user", "login", "org", "organization", "enterprise", "assignee",
           "author", "member", "collaborator", "account_name", "enterprise_or_org", "team_slug"}
SLUGISH = {"repo", "repository", "repo_name", "name", "slug", "package_name", "branch", "ref", "tag",
           "environment_name", "codespace_name", "app_slug", "key", "code", "license", "book_title",
           "title", "template", "dataset", "project_name", "bucket", "label"}


def value_for(rng, name, schema, example, prev_literal):
    """One realistic value for a path parameter."""
    schema = schema or {}
    lname = name.lower()
    if schema.get("enum"):
        return str(rng.choice(schema["enum"]))
    typ = schema.get("type")
    if isinstance(typ, list):
        typ = next((t for t in typ if t != "null"), None)
    fmt = (schema.get("format") or "").lower()
    if fmt == "uuid" or lname.endswith("uuid") or lname.endswith("guid") and "gid" not in lname:
        return uuid4(rng)
    if fmt == "date":
        return date(rng)
    if fmt == "date-time":
        return datetime(rng)
    if fmt == "email" or "email" in lname:
        return email(rng)
    if typ in ("integer", "number"):
        return integer(rng, schema)
    if any(k in lname for k in ("sha", "commit", "fingerprint", "hash", "digest")):
        return rand_hex(rng, 40 if "256" not in lname else 64)
    if lname == "gist_id":
        return rand_hex(rng, 32)
    if lname == "basehead":
        return slug(rng) + "..." + slug(rng)
    if lname in ("path", "file_path", "filename", "file_name"):
        return filename(rng)
    if lname in ("secret_name", "variable_name", "env_name"):
        return snake(rng).upper()
    if example is not None and not isinstance(example, (dict, list, bool)):
        ex = str(example)
        if ex and re.search(r"[0-9]", ex) or re.fullmatch(r"[a-z]+[_-][A-Za-z0-9]+", ex or ""):
            return mimic(rng, ex)
    if lname in USERISH or lname.endswith("username") or lname.endswith("owner"):
        return username(rng) if "org" not in lname and "enterprise" not in lname else orgname(rng)
    if lname in SLUGISH or lname.endswith("_name") or lname.endswith("_slug") or lname.endswith("title"):
        return slug(rng)
    if lname.endswith("gid"):
        return str(rng.randint(10**11, 10**16))
    if lname.endswith("id"):
        base = re.sub(r"[_\-]?id$", "", name, flags=re.I) or prev_literal or "obj"
        style = sum(map(ord, base)) % 3
        if style == 0:
            return abbreviation(base) + "_" + rand_base62(rng, rng.randint(14, 24))
        if style == 1:
            return str(rng.randint(1, 10**9))
        return rand_alnum_lower(rng, 20)
    # A bare resource noun (`/v1/customers/{customer}`): an identifier of that resource.
    if prev_literal and singular(prev_literal).replace("-", "_") == lname.replace("-", "_"):
        return abbreviation(lname) + "_" + rand_base62(rng, rng.randint(14, 24))
    if lname in ("intent", "session", "charge", "item", "source", "account", "person", "invoice",
                 "schedule", "reader", "location", "transaction", "authorization", "refund",
                 "payout", "transfer", "dispute", "quote", "price", "plan", "card", "fee"):
        return abbreviation(lname) + "_" + rand_base62(rng, rng.randint(14, 24))
    return slug(rng)


def load(path):
    with open(path, "rb") as f:
        data = f.read()
    if path.endswith(".json"):
        return json.loads(data)
    if yaml is None:
        sys.exit("PyYAML is needed for " + path)
    return yaml.load(data, Loader=_YAML_LOADER)


def resolver(doc):
    def res(o, depth=0):
        while isinstance(o, dict) and "$ref" in o and depth < 32:
            ref = o["$ref"]
            if not ref.startswith("#/"):
                return {}
            o = doc
            for part in ref[2:].split("/"):
                o = o.get(part.replace("~1", "/").replace("~0", "~"), {}) if isinstance(o, dict) else {}
            depth += 1
        return o

    return res


def server_of(doc):
    """(scope, base path) from servers[0] or Swagger 2 host/basePath."""
    if "swagger" in doc:
        host = doc.get("host") or "localhost"
        return host, (doc.get("basePath") or "").rstrip("/")
    servers = doc.get("servers") or [{"url": "/"}]
    url = servers[0].get("url", "/")
    for var, spec in (servers[0].get("variables") or {}).items():
        url = url.replace("{" + var + "}", str(spec.get("default", "")))
    if "://" not in url:
        url = ("https://" + url) if re.match(r"^[A-Za-z0-9.-]+(:\d+)?(/|$)", url) and "." in url.split("/")[0] else "https://localhost" + ("" if url.startswith("/") else "/") + url
    parsed = urllib.parse.urlsplit(url)
    return parsed.netloc or "localhost", parsed.path.rstrip("/")


def normalize_template(t):
    t = re.sub(r"/+", "/", t)
    if len(t) > 1:
        t = t.rstrip("/")
    return t or "/"


SAFE = "-._~!$&'()*+,;=:@"


class Pools:
    """Optionally limits each (spec, parameter name) to a fixed pool of values, drawn
    uniformly or with a Zipf skew, to test the learner on test environments with few
    distinct users or repositories rather than production-sized value spaces."""

    def __init__(self, size, zipf):
        self.size = size
        self.zipf = zipf
        self.pools = {}

    def pick(self, rng, key, make):
        if not self.size:
            return make()
        pool = self.pools.get(key)
        if pool is None:
            pool = self.pools[key] = [make() for _ in range(self.size)]
        if self.zipf > 0:
            weights = [1.0 / (i + 1) ** self.zipf for i in range(len(pool))]
            return rng.choices(pool, weights=weights)[0]
        return rng.choice(pool)


def build(name, path, per_op, rng, pools):
    doc = load(path)
    res = resolver(doc)
    scope, base = server_of(doc)
    truth = set()
    lines = []
    for raw_path, item in (doc.get("paths") or {}).items():
        item = res(item)
        if not isinstance(item, dict):
            continue
        tpath = raw_path.split("?", 1)[0]
        template = normalize_template(base + "/" + tpath.lstrip("/"))
        common = item.get("parameters") or []
        for method, op in item.items():
            if method not in METHODS or not isinstance(op, dict):
                continue
            params = {}
            for p in list(common) + list(op.get("parameters") or []):
                p = res(p)
                if isinstance(p, dict) and p.get("in") == "path":
                    params[p.get("name")] = p
            truth.add((method.upper(), template))
            segs = template.split("/")
            for _ in range(per_op):
                out = []
                prev_literal = None
                for seg in segs:
                    def fill(m):
                        pname = m.group(1)
                        p = params.get(pname) or {}
                        schema = res(p.get("schema") or ({k: p[k] for k in ("type", "format", "enum", "minimum", "maximum") if k in p}))
                        example = p.get("example", schema.get("example") if isinstance(schema, dict) else None)
                        if example is None and isinstance(p.get("examples"), dict):
                            first = next(iter(p["examples"].values()), None)
                            example = res(first).get("value") if isinstance(first, dict) else None
                        v = pools.pick(rng, (name, pname), lambda: value_for(rng, pname, schema if isinstance(schema, dict) else {}, example, prev_literal))
                        return urllib.parse.quote(v, safe=SAFE)

                    filled = re.sub(r"\{([^}]+)\}", fill, seg)
                    out.append(filled)
                    if seg and "{" not in seg:
                        prev_literal = seg
                lines.append((scope, method.upper(), "/".join(out) or "/"))
    return scope, sorted(truth), lines


def main():
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--out", default="target/template-f1")
    ap.add_argument("--seed", type=int, default=7)
    ap.add_argument("--per-op", type=int, default=25)
    ap.add_argument("--corpus", default=DEFAULT_CORPUS)
    ap.add_argument("--only", default="", help="comma-separated spec names")
    ap.add_argument("--pool", type=int, default=0, help="distinct values per parameter name (0: unlimited)")
    ap.add_argument("--zipf", type=float, default=0.0, help="Zipf exponent for picking from a pool")
    args = ap.parse_args()
    rng = random.Random(args.seed)
    only = set(filter(None, args.only.split(",")))
    os.makedirs(args.out, exist_ok=True)
    pools = Pools(args.pool, args.zipf)
    specs = []
    traffic = []
    scopes = {}
    for name, rel in SPECS:
        if only and name not in only:
            continue
        path = os.path.join(args.corpus, rel)
        if not os.path.exists(path):
            print(f"skip {name}: {path} missing", file=sys.stderr)
            continue
        scope, truth, lines = build(name, path, args.per_op, rng, pools)
        if scope in scopes:
            # Two documents on one host would be one API to the learner; keep them apart.
            scope = f"{scope}#{name}"
            lines = [(scope, m, p) for _, m, p in lines]
        scopes[scope] = name
        specs.append({"name": name, "scope": scope, "ops": [list(t) for t in truth]})
        traffic.extend(lines)
        print(f"{name:18} {scope:40} ops={len(truth):4} requests={len(lines)}", file=sys.stderr)
    rng.shuffle(traffic)
    with open(os.path.join(args.out, "traffic.tsv"), "w") as f:
        for scope, method, path in traffic:
            f.write(f"{scope}\t{method}\t{path}\n")
    with open(os.path.join(args.out, "truth.json"), "w") as f:
        json.dump({"specs": specs}, f, indent=1)
    print(f"wrote {len(traffic)} requests to {args.out}/traffic.tsv and truth.json", file=sys.stderr)


if __name__ == "__main__":
    main()
