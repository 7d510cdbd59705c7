#!/usr/bin/env python3
"""Compares `apispm audit` with Spectral's CLI and the OWASP ruleset on real API descriptions.

For each document, both tools run; the `owasp:` results are compared per rule as sets of
JSON pointers (Spectral's `path` turned into a pointer). Prints, per document, both counts and
the pointers only one tool reports. Spectral and the ruleset come from the scratch install that
scripts/bench-audit-vs-spectral.sh makes (SPECTRAL_DIR, default /tmp/spectral); apispm is the
release build in CARGO_TARGET_DIR (default /work/target-audit). Spectral's results are cached
per document in SPECTRAL_CACHE (default /tmp/spectral-cache), since it takes minutes on large
documents.

    scripts/audit-vs-spectral-corpus.py [DOC...]   (default: the corpus documents listed below)
"""
import collections
import hashlib
import json
import os
import subprocess
import sys

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
CORPUS = os.path.join(ROOT, "..", "shared", "corpus")
SPECTRAL_DIR = os.environ.get("SPECTRAL_DIR", "/tmp/spectral")
CACHE = os.environ.get("SPECTRAL_CACHE", "/tmp/spectral-cache")
APISPM = os.path.join(os.environ.get("CARGO_TARGET_DIR", "/work/target-audit"), "release", "apispm")

DEFAULT = [
    "oai-openapi-specification/examples/v3.0/petstore.yaml",
    "oai-openapi-specification/examples/v3.0/petstore-expanded.yaml",
    "oai-openapi-specification/examples/v3.0/uspto.yaml",
    "oai-openapi-specification/examples/v3.0/callback-example.yaml",
    "oai-openapi-specification/examples/v3.0/link-example.yaml",
    "oai-openapi-specification/examples/v3.0/api-with-examples.yaml",
    "oai-openapi-specification/examples/v2.0/yaml/petstore.yaml",
    "oai-openapi-specification/examples/v2.0/yaml/petstore-expanded.yaml",
    "oai-openapi-specification/examples/v2.0/yaml/uber.yaml",
    "oai-learn/examples/v3.1/tictactoe.yaml",
    "oai-learn/examples/v3.1/webhook-example.yaml",
    "crapi/crapi-openapi-spec.json",
    "vampi/openapi3.yml",
    "redocly-museum/openapi.yaml",
    "aws-apigateway-docs/http-api-open-api.block4.oas30.json",
    "aws-apigateway-docs/api-as-lambda-proxy-export-swagger-with-extensions.block0.swagger20.json",
    "vacuum-test-files/xsoar.json",
    "vacuum-test-files/asana.yaml",
    "openai-openapi/openapi.yaml",
    "vacuum-test-files/api.github.com.yaml",
    "stripe-openapi/spec3.json",
]


def pointer(path):
    return "".join("/" + str(p).replace("~", "~0").replace("/", "~1") for p in path)


def spectral(doc):
    os.makedirs(CACHE, exist_ok=True)
    with open(doc, "rb") as f:
        key = hashlib.sha256(f.read()).hexdigest()[:24]
    cached = os.path.join(CACHE, key + ".json")
    if not os.path.exists(cached):
        ruleset = os.path.join(SPECTRAL_DIR, ".spectral.yaml")
        with open(ruleset, "w") as f:
            f.write('extends: ["@stoplight/spectral-owasp-ruleset"]\n')
        subprocess.run(
            [os.path.join(SPECTRAL_DIR, "node_modules", ".bin", "spectral"), "lint", "-q",
             "-r", ruleset, "-f", "json", "-o", cached, doc],
            check=False,
        )
    with open(cached) as f:
        return json.load(f)


def main():
    docs = sys.argv[1:] or [os.path.join(CORPUS, d) for d in DEFAULT]
    print("| document | Spectral | apispm | same pointers | only Spectral | only apispm |")
    print("|---|---:|---:|---:|---:|---:|")
    notes = []
    for doc in docs:
        s = collections.defaultdict(set)
        for r in spectral(doc):
            if r["code"].startswith("owasp:"):
                s[r["code"]].add(pointer(r["path"]))
        out = subprocess.run([APISPM, "audit", doc, "--format", "json"], capture_output=True, text=True)
        a = collections.defaultdict(set)
        report = json.loads(out.stdout)
        for f in report["findings"] + report["suppressed"]:
            if f["rule"].startswith("owasp:"):
                a[f["rule"]].add(f["location"]["pointer"])
        both = only_s = only_a = 0
        for rule in sorted(set(s) | set(a)):
            both += len(s[rule] & a[rule])
            only_s += len(s[rule] - a[rule])
            only_a += len(a[rule] - s[rule])
            for p in sorted(s[rule] - a[rule])[:3]:
                notes.append(f"{os.path.basename(doc)}: only Spectral: {rule} {p}")
            for p in sorted(a[rule] - s[rule])[:3]:
                notes.append(f"{os.path.basename(doc)}: only apispm: {rule} {p}")
        ns = sum(len(v) for v in s.values())
        na = sum(len(v) for v in a.values())
        print(f"| {os.path.relpath(doc, CORPUS)} | {ns} | {na} | {both} | {only_s} | {only_a} |")
    for n in notes:
        print("  " + n)


if __name__ == "__main__":
    main()
