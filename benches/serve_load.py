"""A bounded load test of `dossier serve` beside an Oxigraph server, on loopback only.

Run through benches/serve-load (which builds dossier and installs the peers). It generates a
corpus with tools/corpus, builds it, starts `dossier serve` and a pyoxigraph store (loaded once,
in memory) behind Python's threading HTTP server, checks that both answer each query with the
same rows, then drives each with wrk: a fixed number of connections for a fixed duration per
query, and prints requests/s and p50/p99 latency. Figures are printed, never asserted; a
difference in answers fails the run (exit 1).
"""
import argparse
import json
import os
import re
import subprocess
import sys
import time
import urllib.parse
import urllib.request

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
DOSSIER = os.path.join(ROOT, "target", "release", "dossier")
CORPUS = os.path.join(ROOT, "target", "release", "dossier-corpus")
OUT = os.path.join(ROOT, "target", "bench")
PY = sys.executable
BASE = "https://example.org/corpus/"

# Oxigraph's in-memory store behind a threading HTTP server: the same SPARQL protocol GET, W3C
# JSON results. pyoxigraph evaluates without holding Python's lock, so queries run in parallel.
PEER_SERVER = r'''
import http.server, socketserver, sys, urllib.parse, pyoxigraph
store = pyoxigraph.Store()
with open(sys.argv[1], "rb") as f:
    store.bulk_load(f, pyoxigraph.RdfFormat.N_TRIPLES)

class Handler(http.server.BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"
    # Headers and body go out as separate writes: without this, Nagle's algorithm and delayed
    # ACKs add 40 ms to every answer.
    disable_nagle_algorithm = True
    def do_GET(self):
        query = urllib.parse.parse_qs(urllib.parse.urlsplit(self.path).query).get("query", [""])[0]
        try:
            body = store.query(query).serialize(format=pyoxigraph.QueryResultsFormat.JSON)
            status = 200
        except Exception as e:
            body, status = str(e).encode(), 400
        self.send_response(status)
        self.send_header("Content-Type", "application/sparql-results+json")
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)
    def log_message(self, *args):
        pass

class Server(socketserver.ThreadingMixIn, http.server.HTTPServer):
    daemon_threads = True

server = Server(("127.0.0.1", 0), Handler)
print(f"http://127.0.0.1:{server.server_address[1]}/query", flush=True)
server.serve_forever()
'''


def start(cmd, **kw):
    """Starts a server and returns it with the address its first line names."""
    proc = subprocess.Popen(cmd, stdout=subprocess.PIPE, stderr=subprocess.DEVNULL, text=True, **kw)
    line = proc.stdout.readline()
    match = re.search(r"http://[0-9.:]+/\S*", line)
    if not match:
        proc.kill()
        raise SystemExit(f"{cmd[0]} did not start: {line!r}")
    return proc, match.group(0).rstrip("/")


def rows_of(url):
    with urllib.request.urlopen(urllib.request.Request(url, headers={"Accept": "application/sparql-results+json"})) as r:
        doc = json.load(r)
    variables = doc["head"]["vars"]
    return sorted(tuple(b.get(v, {}).get("value") for v in variables) for b in doc["results"]["bindings"])


def peak_mb(pid):
    try:
        with open(f"/proc/{pid}/status") as f:
            for line in f:
                if line.startswith("VmHWM:"):
                    return int(line.split()[1]) / 1024
    except OSError:
        pass
    return float("nan")


def wrk(url, connections, seconds):
    """requests/s, p50 ms, p99 ms, errors, from wrk's --latency report."""
    out = subprocess.run(["wrk", "-t", "2", "-c", str(connections), "-d", f"{seconds}s", "--latency",
                          "-H", "Accept: application/sparql-results+json", url],
                         check=True, capture_output=True, text=True).stdout
    def ms(label):
        m = re.search(rf"^\s*{label}%\s+([0-9.]+)(us|ms|s)\s*$", out, re.M)
        value, unit = float(m.group(1)), m.group(2)
        return value / 1000 if unit == "us" else value * 1000 if unit == "s" else value
    rps = float(re.search(r"Requests/sec:\s+([0-9.]+)", out).group(1))
    errors = re.search(r"Non-2xx or 3xx responses: (\d+)", out)
    return rps, ms("50"), ms("99"), int(errors.group(1)) if errors else 0


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--records", type=int, default=100000)
    ap.add_argument("--connections", type=int, default=8)
    ap.add_argument("--seconds", type=int, default=10)
    args = ap.parse_args()
    os.makedirs(OUT, exist_ok=True)
    corpus = os.path.join(OUT, f"corpus-{args.records}")
    kb = os.path.join(OUT, f"kb-{args.records}")
    subprocess.run([CORPUS, "--records", str(args.records), "--seed", "7", "--out", corpus], check=True, capture_output=True)
    subprocess.run([DOSSIER, "build", "--quiet", "--seeds", corpus, "--kb", kb], check=True, capture_output=True)
    nt = os.path.join(kb, "dossier.nt")
    subprocess.run([DOSSIER, "export", "--kb", kb, "--format", "ntriples", "--out", nt], check=True)
    peer_script = os.path.join(OUT, "peer_server.py")
    with open(peer_script, "w") as f:
        f.write(PEER_SERVER)

    started = time.perf_counter()
    ours, ours_url = start([DOSSIER, "serve", "--kb", kb, "--port", "0", "--max-concurrent", str(args.connections)])
    ours_start = time.perf_counter() - started
    started = time.perf_counter()
    peer, peer_url = start([PY, peer_script, nt])
    peer_start = time.perf_counter() - started
    record = "article-00000-r7"
    queries = [
        ("lookup: one claim's quote",
         f"SELECT ?quote WHERE {{ ?e <http://www.w3.org/ns/oa#hasBody> <{BASE}claim/{record}> ; "
         "<http://www.w3.org/ns/oa#hasTarget>/<http://www.w3.org/ns/oa#hasSelector>/<http://www.w3.org/ns/oa#exact> ?quote }"),
        ("GROUP BY: count per class", "SELECT ?class (COUNT(?s) AS ?n) WHERE { ?s a ?class } GROUP BY ?class"),
    ]
    failures, results = [], []
    try:
        for name, q in queries:
            encoded = urllib.parse.quote(q)
            mine, theirs = rows_of(f"{ours_url}/sparql?query={encoded}"), rows_of(f"{peer_url}?query={encoded}")
            if not mine or mine != theirs:
                failures.append(f"{name}: dossier's {len(mine)} rows differ from Oxigraph's {len(theirs)} "
                                "(or there are none)")
            for server, url in [("dossier serve", f"{ours_url}/sparql?query={encoded}"),
                                ("pyoxigraph server", f"{peer_url}?query={encoded}")]:
                rps, p50, p99, errors = wrk(url, args.connections, args.seconds)
                if errors:
                    failures.append(f"{name}: {server} answered {errors} requests with an error")
                results.append({"query": name, "server": server, "requests_per_s": round(rps, 1),
                                "p50_ms": round(p50, 2), "p99_ms": round(p99, 2), "rows": len(mine)})
        sql = urllib.parse.quote(f"SELECT quote FROM evidence WHERE record_id = '{record}'")
        sql_url = f"{ours_url}/sql?sql={sql}&_shape=array"
        with urllib.request.urlopen(sql_url) as r:
            sql_quotes = sorted(row["quote"] for row in json.load(r))
        sparql_quotes = [row[0] for row in rows_of(f"{ours_url}/sparql?query={urllib.parse.quote(queries[0][1])}")]
        if not sql_quotes or sql_quotes != sorted(sparql_quotes):
            failures.append(f"lookup: /sql gave {sql_quotes[:1]}, /sparql {sparql_quotes[:1]}")
        rps, p50, p99, errors = wrk(sql_url, args.connections, args.seconds)
        if errors:
            failures.append(f"lookup (SQL): dossier serve answered {errors} requests with an error")
        results.append({"query": "lookup: one claim's quote (SQL)", "server": "dossier serve /sql",
                        "requests_per_s": round(rps, 1), "p50_ms": round(p50, 2), "p99_ms": round(p99, 2)})
        memory = {"dossier serve": peak_mb(ours.pid), "pyoxigraph server": peak_mb(peer.pid)}
    finally:
        ours.terminate()
        peer.terminate()
        ours.wait()
        peer.wait()

    print(f"{args.records:,} records, {args.connections} connections, {args.seconds} s a query, wrk on loopback "
          f"(2 threads; the machine has {os.cpu_count()} cores shared by client and server)")
    print(f"ready to answer: dossier serve {ours_start:.2f} s, pyoxigraph server {peer_start:.2f} s (load)")
    print(f"peak memory: dossier serve {memory['dossier serve']:.0f} MB, pyoxigraph server {memory['pyoxigraph server']:.0f} MB")
    print(f"{'query':34} {'server':20} {'req/s':>9} {'p50 ms':>8} {'p99 ms':>8}")
    for r in results:
        print(f"{r['query']:34} {r['server']:20} {r['requests_per_s']:>9} {r['p50_ms']:>8} {r['p99_ms']:>8}")
    with open(os.path.join(OUT, "serve-load.json"), "w") as f:
        json.dump({"records": args.records, "connections": args.connections, "seconds": args.seconds,
                   "ready_s": {"dossier": ours_start, "pyoxigraph": peer_start}, "peak_mb": memory,
                   "results": results, "failures": failures}, f, indent=2)
    for failure in failures:
        print(f"FAIL: {failure}")
    sys.exit(1 if failures else 0)


if __name__ == "__main__":
    main()
