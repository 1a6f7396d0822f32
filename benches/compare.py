"""dossier side by side with Oxigraph and SQLite's own tools, on generated corpora.

Run through benches/compare (which builds dossier and installs the peers). For each size it
generates a corpus with tools/corpus, then times whole processes (median of --runs) and
records each one's peak memory (ru_maxrss of the child). Prints one table and writes it as JSON
to target/bench/compare.json. Figures are printed, never asserted; answers are: the run fails
(exit 1, a line per difference naming the operation and size) when a SPARQL answer differs from
the peer's, or when the peer loads a different number of triples than dossier wrote.
"""
import argparse
import glob
import json
import os
import re
import shutil
import socket
import statistics
import subprocess
import sys
import tempfile
import time
import urllib.request

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
DOSSIER = os.path.join(ROOT, "target", "release", "dossier")
CORPUS = os.path.join(ROOT, "target", "release", "dossier-corpus")
OUT = os.path.join(ROOT, "target", "bench")
PY = sys.executable
BASE = "https://example.org/corpus/"

PEER_OXIGRAPH = r'''
import sys, time, pyoxigraph
mode, nt, arg = sys.argv[1], sys.argv[2], sys.argv[3]
# "dump-persistent DIR OUT": Oxigraph's persistent store (RocksDB in DIR), the peer issue 29's
# build target names; every other mode uses the in-memory store, which loads faster.
if mode == "dump-persistent":
    store = pyoxigraph.Store(arg)
    mode, arg = "dump", sys.argv[4]
else:
    store = pyoxigraph.Store()
with open(nt, "rb") as f:
    store.bulk_load(f, pyoxigraph.RdfFormat.N_TRIPLES)
if mode == "dump":
    with open(arg, "wb") as f:
        store.dump(f, pyoxigraph.RdfFormat.TURTLE, from_graph=pyoxigraph.DefaultGraph())
    print(len(store))
elif mode == "loaded":
    # The store is loaded once; only the query is timed, as a server or notebook would run it.
    times = []
    for _ in range(5):
        start = time.perf_counter()
        rows = [[str(t.value) if t is not None else "" for t in s] for s in store.query(arg)]
        times.append(time.perf_counter() - start)
    times.sort()
    print(f"{times[len(times) // 2]:.6f}")
else:
    rows = [[str(t.value) if t is not None else "" for t in s] for s in store.query(arg)]
    for r in sorted(rows):
        print("\t".join(r))
'''


def term_value(cell):
    """The value of a SPARQL TSV cell: an IRI without <>, a literal's lexical form."""
    if cell.startswith("<") and cell.endswith(">"):
        return cell[1:-1]
    if cell.startswith('"'):
        return cell[1:cell.rindex('"')].encode().decode("unicode_escape") if "\\" in cell else cell[1:cell.rindex('"')]
    return cell


class Postgres:
    """A PostgreSQL server of the bench's own (Debian's package): initdb in a temporary folder,
    a Unix socket, no network; run as the package's user when the bench runs as root."""

    def __init__(self):
        bins = sorted(glob.glob("/usr/lib/postgresql/*/bin/initdb"))
        if not bins:
            raise FileNotFoundError("PostgreSQL (Debian's postgresql package)")
        self.bin = os.path.dirname(bins[-1])
        self.dir = tempfile.mkdtemp(prefix="dossier-bench-pg-")
        self.as_postgres = os.geteuid() == 0
        if self.as_postgres:
            subprocess.run(["chown", "-R", "postgres", self.dir], check=True)
        data = os.path.join(self.dir, "data")
        self.run("initdb", "-D", data, "-A", "trust", "-U", "dossier")
        self.run("pg_ctl", "-D", data, "-o", f"-k {self.dir} -c listen_addresses=''",
                 "-l", os.path.join(self.dir, "log"), "-w", "start")
        self.url = f"host={self.dir} user=dossier dbname=postgres"

    def run(self, program, *args):
        cmd = [os.path.join(self.bin, program), *args]
        if self.as_postgres:
            cmd = ["runuser", "-u", "postgres", "--"] + cmd
        subprocess.run(cmd, check=True, capture_output=True, stdin=subprocess.DEVNULL)

    def psql_cmd(self, script):
        return [os.path.join(self.bin, "psql"), "-X", "-q", "-v", "ON_ERROR_STOP=1", "-d", self.url, "-f", script]

    def stop(self):
        try:
            self.run("pg_ctl", "-D", os.path.join(self.dir, "data"), "-m", "immediate", "stop")
        finally:
            shutil.rmtree(self.dir, ignore_errors=True)


class OxigraphServer:
    """`oxigraph serve` (the PyPI package's binary) on 127.0.0.1, over a store in a folder."""

    def __init__(self, binary, location):
        with socket.socket() as s:
            s.bind(("127.0.0.1", 0))
            self.port = s.getsockname()[1]
        self.url = f"http://127.0.0.1:{self.port}"
        self.proc = subprocess.Popen([binary, "serve", "--location", location, "--bind", f"127.0.0.1:{self.port}"],
                                     stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        deadline = time.time() + 30
        while time.time() < deadline:
            try:
                with socket.create_connection(("127.0.0.1", self.port), timeout=1):
                    return
            except OSError:
                time.sleep(0.1)
        raise RuntimeError("the Oxigraph server did not start")

    def count(self):
        q = "SELECT (COUNT(*) AS ?n) WHERE { { ?s ?p ?o } UNION { GRAPH ?g { ?s ?p ?o } } }"
        req = urllib.request.Request(self.url + "/query", data=q.encode(),
                                     headers={"Content-Type": "application/sparql-query", "Accept": "text/csv"})
        with urllib.request.urlopen(req) as r:
            return int(r.read().decode().split()[1])

    def stop(self):
        self.proc.kill()
        self.proc.wait()


def stored_columns(postgres_sql):
    """Each table's loaded columns (generated ones left out), from schema/postgres.sql."""
    tables = {}
    for name, body in re.findall(r"(?s)CREATE TABLE (\w+) \((.*?)\n\);", postgres_sql):
        cols = [l.strip().split()[0] for l in body.split(",\n")]
        tables[name] = [c for c, l in zip(cols, body.split(",\n")) if c != "CHECK" and "GENERATED" not in l]
    return tables


class CommandFailed(Exception):
    """A timed command exited non-zero: the operation it stands for fails."""


# Where folders a timed run must not find go until every figure is taken.
TRASH = os.path.join(OUT, "trash")


def set_aside(folder):
    """Moves `folder`, if there, into TRASH, which is emptied only once every figure is taken,
    and drops its files' pages from the kernel's cache, as removing it would.
    Not removed: on an ext4 file system without a journal (this project's benchmark machine),
    the kernel avoids reusing an inode freed in the last minute (five, while its block is
    unwritten), so each file created after a large removal first steps past every inode freed
    there. A build of 100k records right after the removal of the previous one's folder (its
    site's 3,299 pages and a few files) spent about 10% of its CPU time in that scan (perf), and
    under 1% once the kernel's caches were dropped.
    Its pages dropped: kept cached, three builds in a row here took 2.3, 4.8 and 7.4 s of system
    time, most of it copying their writes into new cache pages; 2.3-2.4 s each with the pages
    dropped. The trash needs room for every run's folders until the end."""
    if not os.path.lexists(folder):
        return
    os.makedirs(TRASH, exist_ok=True)
    moved = os.path.join(tempfile.mkdtemp(dir=TRASH), os.path.basename(folder))
    os.rename(folder, moved)
    os.sync()  # clean pages only can be dropped
    for root, _, files in os.walk(moved):
        for name in files:
            path = os.path.join(root, name)
            if os.path.islink(path) or not os.path.isfile(path):
                continue
            fd = os.open(path, os.O_RDONLY | os.O_NONBLOCK)
            try:
                os.posix_fadvise(fd, 0, 0, os.POSIX_FADV_DONTNEED)
            finally:
                os.close(fd)


def removed(folder):
    """Sets `folder` aside before a timed run, and waits for the file system to finish with the
    move (`sync`): otherwise its writes land inside the next run's time."""
    set_aside(folder)
    os.sync()


def timed(cmd, runs, ok_codes=(0,), before=None):
    """Median wall time (s) of `runs` runs of a whole process, its largest peak memory (MB, from
    GNU time's maximum resident set size), and the last run's standard output; `before`, when
    given, is called before each run, outside the time."""
    times, peaks, out = [], [], ""
    for _ in range(runs):
        if before is not None:
            before()
        start = time.perf_counter()
        proc = subprocess.run(["/usr/bin/time", "-f", "%M"] + cmd, capture_output=True)
        elapsed = time.perf_counter() - start
        if proc.returncode not in ok_codes:
            name = os.path.basename(cmd[0])
            op = " ".join([name] + [a for a in cmd[1:3] if not a.startswith("-")])
            detail = " / ".join(l for l in proc.stderr.decode().splitlines()[:3] if l.strip())
            raise CommandFailed(op, f"exit {proc.returncode}: {detail}")
        peak_kb = int(proc.stderr.decode().strip().splitlines()[-1])
        times.append(elapsed)
        peaks.append(peak_kb / 1024)
        out = proc.stdout.decode()
    return statistics.median(times), max(peaks), out


def publish_rows(size, corpus, kb, runs, sql_rows, add, rows, notes, failures):
    """Issue 25's rows: a whole publish to PostgreSQL beside `psql \\copy` of the same rows as
    CSV into the same tables with the same keys; one changed article published into the
    published knowledge base; a Graph Store publish into a running Oxigraph server beside
    `oxigraph load` of kb/dossier.nq into a stopped server's store. Each publish is then
    checked: `dossier check --postgres` must agree, the server must hold the triples."""
    oxigraph = os.path.join(ROOT, "target", "py-venv", "bin", "oxigraph")
    try:
        pg = Postgres()
    except (FileNotFoundError, subprocess.CalledProcessError) as e:
        notes.append(f"publish to PostgreSQL at {size}: skipped ({e})")
        pg = None
    if pg is not None:
        try:
            schema_sql = subprocess.run([DOSSIER, "schema", "--dialect", "postgres"], check=True,
                                        capture_output=True).stdout.decode()
            tables_sql, rest = schema_sql.split("\nALTER TABLE", 1)
            keys_sql = "ALTER TABLE" + rest.split("\nCREATE VIEW", 1)[0]
            # The peer: the same rows as CSV (dossier sql, the loaded columns), psql \\copy into
            # the same tables, then the same keys, indexes and foreign keys.
            csv_dir = os.path.join(OUT, f"pg-csv-{size}")
            os.makedirs(csv_dir, exist_ok=True)
            script = ["SET client_min_messages = warning;", "DROP SCHEMA IF EXISTS peer CASCADE;",
                      "CREATE SCHEMA peer;", "SET search_path TO peer;", "BEGIN;", tables_sql]
            for table, cols in stored_columns(tables_sql).items():
                path = os.path.join(csv_dir, table + ".csv")
                with open(path, "w") as f:
                    subprocess.run([DOSSIER, "sql", "--kb", kb, "--format", "csv",
                                    f"SELECT {', '.join(cols)} FROM {table}"], stdout=f, check=True)
                os.chmod(csv_dir, 0o755)
                script.append(f"\\copy {table} ({', '.join(cols)}) FROM '{path}' CSV HEADER")
            script += [keys_sql, "COMMIT;"]
            peer_script = os.path.join(csv_dir, "load.sql")
            with open(peer_script, "w") as f:
                f.write("\n".join(script) + "\n")
            drop = os.path.join(csv_dir, "drop.sql")
            with open(drop, "w") as f:
                f.write("SET client_min_messages = warning; DROP SCHEMA IF EXISTS bench CASCADE;\n")

            def whole():
                subprocess.run(pg.psql_cmd(drop), check=True, capture_output=True)
                return timed([DOSSIER, "publish", "--kb", kb, "--postgres", pg.url, "--schema", "bench"], 1)
            publishes = [whole() for _ in range(runs)]
            ours = (statistics.median(p[0] for p in publishes), max(p[1] for p in publishes))
            peer = timed(pg.psql_cmd(peer_script), runs)
            add("publish to PostgreSQL, whole", ours, "psql \\copy of the same rows (CSV) + keys", peer,
                note=f"{sql_rows / ours[0]:,.0f} rows/s")
            check = subprocess.run([DOSSIER, "check", "--quiet", "--kb", kb, "--postgres", pg.url,
                                    "--schema", "bench"], capture_output=True)
            if check.returncode != 0:
                failures.append(f"publish at {size}: check --postgres disagrees: {check.stderr.decode()[:300]}")

            # One article changed: a record's label, rebuilt, then published into the copy.
            facts = os.path.join(corpus, "article-00000", "facts.toml")
            with open(facts, encoding="utf-8") as f:
                text = f.read()
            changed = re.sub(r'label = "([^"]*)"', r'label = "\1 (revised)"', text, count=1)
            try:
                with open(facts, "w", encoding="utf-8") as f:
                    f.write(changed)
                subprocess.run([DOSSIER, "build", "--quiet", "--seeds", corpus, "--kb", kb], check=True,
                               capture_output=True)
                one = timed([DOSSIER, "publish", "--kb", kb, "--postgres", pg.url, "--schema", "bench"], 1)
                if "1 articles replaced" not in one[2]:
                    failures.append(f"publish one article at {size}: {one[2].strip()}")
                add("publish one changed article", one, note="whole process, target <= 2 s")
                check = subprocess.run([DOSSIER, "check", "--quiet", "--kb", kb, "--postgres", pg.url,
                                        "--schema", "bench"], capture_output=True)
                if check.returncode != 0:
                    failures.append(f"one article at {size}: check --postgres disagrees")
            finally:
                with open(facts, "w", encoding="utf-8") as f:
                    f.write(text)
                subprocess.run([DOSSIER, "build", "--quiet", "--seeds", corpus, "--kb", kb], check=True,
                               capture_output=True)
        finally:
            pg.stop()

    if not os.path.exists(oxigraph):
        notes.append(f"publish to a Graph Store at {size}: skipped (the oxigraph server is not installed)")
        return
    nq = os.path.join(kb, "dossier.nq")
    quads = sum(1 for _ in open(nq, "rb"))
    loads = []
    for _ in range(runs):
        offline = tempfile.mkdtemp(prefix="dossier-bench-ox-")
        try:
            loads.append(timed([oxigraph, "load", "--location", offline, "--file", nq], 1))
        finally:
            shutil.rmtree(offline, ignore_errors=True)
    peer = (statistics.median(l[0] for l in loads), max(l[1] for l in loads))
    for name, extra in [("publish to a Graph Store --bulk (Oxigraph server)", ["--bulk"]),
                        ("publish to a Graph Store, PUT per graph", [])]:
        sends = []
        for _ in range(runs):
            location = tempfile.mkdtemp(prefix="dossier-bench-ox-")
            server = OxigraphServer(oxigraph, location)
            try:
                sends.append(timed([DOSSIER, "publish", "--kb", kb, "--graph-store", server.url + "/store", *extra], 1))
                held = server.count()
            finally:
                server.stop()
                shutil.rmtree(location, ignore_errors=True)
            # The published hashes are a graph of their own: the server holds a few triples more.
            if held < quads:
                failures.append(f"{name} at {size}: the server holds {held:,} triples, dossier.nq has {quads:,}")
        ours = (statistics.median(s[0] for s in sends), max(s[1] for s in sends))
        add(name, ours, "oxigraph load of dossier.nq (offline)", peer,
            note=f"{quads:,} quads" + (", target <= 2x" if extra else ""))


# The smallest size at which the speed targets are judged.
TARGET_MIN_RECORDS = 10_000


def site_figures(kb, size, runs):
    """The report site the build wrote: its pages' sizes (target: each at most 2 MB) and the time
    headless Chromium takes to render the overview (target: under 2 s at 100k records), measured
    as the whole process on the overview less the same process on a blank page."""
    site = os.path.join(kb, "report")
    pages = [os.path.join(d, f) for d, _, files in os.walk(site) for f in files]
    if not pages:
        return [f"report site at {size}: none written"]
    sizes = {p: os.path.getsize(p) for p in pages}
    largest = max(sizes, key=sizes.get)
    verdict = "met" if sizes[largest] <= 2_000_000 else "MISSED"
    out = [f"report site at {size}: {len(pages):,} pages, {sum(sizes.values()) / 1e6:.0f} MB in all, the largest "
           f"{sizes[largest] / 1e6:.2f} MB ({os.path.relpath(largest, site)}); target <= 2 MB a page: {verdict}"]
    chromium = shutil.which("chromium")
    if chromium is None:
        return out + ["report overview in Chromium: skipped (chromium not installed)"]
    profile = tempfile.mkdtemp(prefix="dossier-bench-chromium-")

    def render(address):
        start = time.perf_counter()
        subprocess.run([chromium, "--headless", "--no-sandbox", "--disable-gpu", "--no-first-run",
                        f"--user-data-dir={profile}", "--dump-dom", address],
                       check=True, capture_output=True)
        return time.perf_counter() - start

    render("about:blank")  # the profile's first start
    blank = statistics.median(render("about:blank") for _ in range(max(runs, 3)))
    overview = statistics.median(render("file://" + os.path.join(os.path.realpath(site), "index.html"))
                                 for _ in range(max(runs, 3)))
    shutil.rmtree(profile, ignore_errors=True)
    verdict = "met" if overview - blank < 2 else "MISSED"
    return out + [f"report overview in Chromium at {size}: {overview - blank:.2f} s ({overview:.2f} s for the "
                  f"process less {blank:.2f} s on a blank page); target < 2 s: {verdict}"]


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--sizes", default="1000,10000,100000")
    ap.add_argument("--runs", type=int, default=3)
    ap.add_argument("--only", choices=["publish"], help="build, then only this section's rows")
    args = ap.parse_args()
    sections = {"publish"} if args.only else {"queries", "publish"}
    sizes = [int(s) for s in args.sizes.split(",")]
    os.makedirs(OUT, exist_ok=True)
    have_ox = subprocess.run([PY, "-c", "import pyoxigraph"], capture_output=True).returncode == 0
    have_sqlite3 = shutil.which("sqlite3") is not None
    have_rapper = shutil.which("rapper") is not None
    rows, notes, failures = [], [], []
    if not have_ox:
        notes.append("pyoxigraph: skipped (not installed)")
    if not have_sqlite3:
        notes.append("sqlite3: skipped (not installed)")
    if not have_rapper:
        notes.append("rapper: skipped (raptor2-utils not installed)")
    peer_script = os.path.join(OUT, "peer_oxigraph.py")
    with open(peer_script, "w") as f:
        f.write(PEER_OXIGRAPH)
    per_record_build = {}
    targets = []

    for size in sizes:
        try:
            corpus = os.path.join(OUT, f"corpus-{size}")
            kb = os.path.join(OUT, f"kb-{size}")
            # The generator would remove the previous corpus itself, just before the timed runs.
            set_aside(corpus)
            subprocess.run([CORPUS, "--records", str(size), "--seed", "7", "--out", corpus], check=True, capture_output=True)
            r = args.runs

            def add(op, dossier, peer_name=None, peer=None, note=""):
                d_t, d_m = dossier[0], dossier[1]
                row = {"operation": op, "size": size, "dossier_s": round(d_t, 3), "dossier_mb": round(d_m, 1),
                       "peer": peer_name, "peer_s": None, "peer_mb": None, "ratio": None, "note": note}
                if peer is not None:
                    row.update(peer_s=round(peer[0], 4), peer_mb=round(peer[1], 1), ratio=round(d_t / peer[0], 2) if peer[0] > 0 else None)
                rows.append(row)
                return row

            validate = timed([DOSSIER, "validate", "--quiet", "--seeds", corpus], r)
            # A fresh folder for each run, as the peer's store below: a rebuild into a folder
            # holding two generations also removes the older one (beside validation).
            build = timed([DOSSIER, "build", "--seeds", corpus, "--kb", kb], r,
                          before=lambda: removed(kb))
            out = build[2]
            triples = int(next(l for l in out.splitlines() if l.startswith("turtle and nquads:")).split("(")[1].split()[0])
            sql_rows = int(next(l for l in out.splitlines() if l.startswith("sqlite:")).split("(")[1].split()[0])
            phase = lambda name: float(next(l for l in out.splitlines() if l.startswith(name + ":"))[len(name) + 1:].split()[0])
            turtle_s, sqlite_s = phase("turtle and nquads"), phase("sqlite")
            per_record_build[size] = build[0] / size
            nt = os.path.join(kb, "dossier.nt")
            subprocess.run([DOSSIER, "export", "--kb", kb, "--format", "ntriples", "--out", nt], check=True)
            notes.extend(site_figures(kb, size, r))

            if "queries" in sections:
                dump_peer = timed([PY, peer_script, "dump", nt, os.path.join(OUT, "ox.ttl")], r) if have_ox else None
                persistent_peer = None
                if have_ox:
                    # A fresh RocksDB folder for each run: a bulk load into a store already
                    # holding the triples would measure something else.
                    store_dir = os.path.join(OUT, f"ox-store-{size}")
                    persistent_peer = timed([PY, peer_script, "dump-persistent", nt, store_dir,
                                             os.path.join(OUT, "ox.ttl")], r,
                                            before=lambda: removed(store_dir))
                    shutil.rmtree(store_dir, ignore_errors=True)
                for peer in (dump_peer, persistent_peer):
                    if peer is not None:
                        loaded = int(peer[2].split()[-1])
                        if loaded != triples:
                            failures.append(f"build at {size}: pyoxigraph loaded {loaded:,} triples, dossier wrote {triples:,}")
                add("validate", validate)
                add("build (SQLite + Turtle + N-Quads + index)", build,
                    "Oxigraph persistent store: bulk load N-Triples + dump Turtle", persistent_peer)
                rows[-1]["triples"] = triples
                rows[-1]["sql_rows"] = sql_rows
                add("build (SQLite + Turtle + N-Quads + index)", build,
                    "pyoxigraph in-memory store: load + dump Turtle", dump_peer)
                add("  SQLite phase of build", (sqlite_s, build[1]), note=f"{sql_rows / sqlite_s:,.0f} rows/s")
                add("  Turtle + N-Quads phase of build", (turtle_s, build[1]), note=f"{triples / turtle_s:,.0f} triples/s")
                if have_rapper:
                    rapper = timed(["rapper", "-q", "-i", "ntriples", "-o", "turtle", nt], r)
                    rows[-1].update(peer="rapper N-Triples to Turtle", peer_s=round(rapper[0], 3),
                                    peer_mb=round(rapper[1], 1), ratio=round(turtle_s / rapper[0], 2))
                if have_sqlite3:
                    csv_dir = os.path.join(OUT, f"csv-{size}")
                    os.makedirs(csv_dir, exist_ok=True)
                    script = []
                    listed = subprocess.run([DOSSIER, "sql", "--kb", kb, "--format", "csv",
                                             "SELECT name FROM sqlite_schema WHERE type = 'table' ORDER BY name"],
                                            check=True, capture_output=True).stdout.decode()
                    for table in listed.split()[1:]:
                        path = os.path.join(csv_dir, table + ".csv")
                        with open(path, "w") as f:
                            subprocess.run([DOSSIER, "sql", "--kb", kb, "--format", "csv", f"SELECT * FROM {table}"], stdout=f, check=True)
                        script.append(f".import --csv {path} {table}")
                    db = os.path.join(csv_dir, "import.sqlite")
                    def import_all():
                        if os.path.exists(db):
                            os.remove(db)
                        return timed(["sqlite3", db, "PRAGMA journal_mode=OFF", "PRAGMA synchronous=OFF", *script], 1)
                    imports = [import_all() for _ in range(r)]
                    imp = (statistics.median(i[0] for i in imports), max(i[1] for i in imports))
                    rows[-2].update(peer="sqlite3 .import of the same rows (CSV)", peer_s=round(imp[0], 3),
                                    peer_mb=round(imp[1], 1), ratio=round(sqlite_s / imp[0], 2))
                add("check", timed([DOSSIER, "check", "--quiet", "--kb", kb], r))

                record = "article-00000-r7"
                add("sql indexed lookup", timed([DOSSIER, "sql", "--kb", kb, "--format", "csv", "--param", f"id={record}",
                                                 "SELECT quote FROM evidence WHERE record_id = :id"], r))
                add("sql aggregate over a view", timed([DOSSIER, "sql", "--kb", kb, "--format", "csv",
                                                        "SELECT kind, sum(records) FROM article_counts GROUP BY kind"], r))
                lookup = f"SELECT ?quote WHERE {{ ?e <http://www.w3.org/ns/oa#hasBody> <{BASE}claim/{record}> ; <http://www.w3.org/ns/oa#hasTarget>/<http://www.w3.org/ns/oa#hasSelector>/<http://www.w3.org/ns/oa#exact> ?quote }}"
                group = "SELECT ?class (COUNT(?s) AS ?n) WHERE { ?s a ?class } GROUP BY ?class"
                # A filter on partial dates: the comparison of xsd:gYearMonth values is an extension
                # (SEP-0002) that a build could lose without any test noticing; the peer's answer
                # catches it in the release binary.
                month = 'SELECT (COUNT(*) AS ?n) WHERE { ?e a <https://w3id.org/dossier/ontology#Event> ; <http://purl.org/dc/terms/date> ?d FILTER(?d >= "2025-06"^^<http://www.w3.org/2001/XMLSchema#gYearMonth>) }'
                for name, q in [("sparql lookup", lookup), ("sparql GROUP BY count over all classes", group),
                                ("sparql month filter", month)]:
                    ours = timed([DOSSIER, "sparql", "--kb", kb, "--format", "tsv", q], r)
                    peer = timed([PY, peer_script, "query", nt, q], r) if have_ox else None
                    if have_ox:
                        # The peer a user of a knowledge base would pick for repeated queries: a
                        # store already loaded. dossier's figure is a whole process (open + query).
                        loaded = timed([PY, peer_script, "loaded", nt, q], 1)
                        loaded_s = float(loaded[2].split()[-1])
                        add(name + " (process)", ours, "pyoxigraph, loaded store (query only)", (loaded_s, loaded[1]))
                        targets.append((name, size, ours[0], loaded_s))
                    row = add(name, ours, "pyoxigraph load + same query", peer)
                    if peer is not None:
                        mine = sorted("\t".join(term_value(c) for c in l.split("\t")) for l in ours[2].splitlines()[1:])
                        theirs = sorted(l for l in peer[2].splitlines())
                        row["same_rows"] = mine == theirs
                        if mine != theirs:
                            failures.append(f"{name} at {size}: dossier's {len(mine)} rows differ from pyoxigraph's "
                                            f"{len(theirs)} (first of dossier's: {mine[:1]}, of pyoxigraph's: {theirs[:1]})")
                add("query claims-by-kind --store both", timed([DOSSIER, "query", "claims-by-kind", "--kb", kb,
                                                               "--queries", os.path.join(ROOT, "schema", "queries"),
                                                               "--format", "csv"], r))
            if "publish" in sections:
                publish_rows(size, corpus, kb, r, sql_rows, add, rows, notes, failures)
        except CommandFailed as e:
            op, detail = e.args
            failures.append(f"{op} at {size}: {detail}")

    # Validation of adversarial input (issue 14): a 1 MB article, 2,000 records naming unknown
    # actors and a quote with a typo 1,000 characters long; exit status 1 is the expected answer.
    try:
        if "queries" not in sections:
            raise StopIteration
        bad = os.path.join(OUT, "adversarial-seeds")
        shutil.rmtree(bad, ignore_errors=True)
        shutil.copytree(os.path.join(ROOT, "seeds"), bad)
        folder = os.path.join(bad, "rubio-visit-to-mexico-2025")
        with open(os.path.join(folder, "article.txt"), encoding="utf-8") as f:
            text = f.read()
        filler = "The talks went on for hours, and every delegation kept its own notes about them. "
        while len(text.encode()) < 1_000_000:
            text += filler
        passage = ("Border cooperation needs patience and trust. " * 23)[:1000]
        text += passage
        with open(os.path.join(folder, "article.txt"), "w", encoding="utf-8") as f:
            f.write(text)
        typo = passage[:500] + ("y" if passage[500] == "x" else "x") + passage[501:]
        records = []
        for n in range(2000):
            records.append(f'\n[[claims]]\nid = "bad-claim-{n}"\nlabel = "A claim by nobody."\nkind = "assessment"\n'
                           f'claimant = "nobody-{n}"\n\n[[claims.evidence]]\nquote = "was a political success"\n'
                           f'asserted_by = "author"\nmodality = "assessment"\n')
        records.append(f'\n[[claims]]\nid = "typo-claim"\nlabel = "A typo."\nkind = "assessment"\nclaimant = "author"\n'
                       f'\n[[claims.evidence]]\nquote = "{typo}"\nasserted_by = "author"\nmodality = "assessment"\n')
        with open(os.path.join(folder, "facts.toml"), "a", encoding="utf-8") as f:
            f.write("".join(records))
        t = timed([DOSSIER, "validate", "--quiet", "--seeds", bad], args.runs, ok_codes=(1,))
        rows.append({"operation": "validate 1 MB article + 2,000 bad records", "size": 2001,
                     "dossier_s": round(t[0], 3), "dossier_mb": round(t[1], 1), "peer": None,
                     "peer_s": None, "peer_mb": None, "ratio": None, "note": "exit 1, every problem"})
    except StopIteration:
        pass
    except CommandFailed as e:
        op, detail = e.args
        failures.append(f"adversarial validate: {detail}")
    # Every figure is taken: what was set aside can go.
    shutil.rmtree(TRASH, ignore_errors=True)

    header = ["operation", "size", "dossier s", "dossier MB", "peer", "peer s", "peer MB", "ratio", "note"]
    widths = [36, 8, 9, 10, 40, 8, 8, 6, 20]
    print("  ".join(h.ljust(w) for h, w in zip(header, widths)))
    for row in rows:
        note = row.get("note") or ""
        if "triples" in row:
            note = f"{row['triples']:,} triples"
        if "same_rows" in row:
            note = "same rows" if row["same_rows"] else "ROWS DIFFER"
        cells = [row["operation"], row["size"], row["dossier_s"], row["dossier_mb"], row["peer"] or "-",
                 row["peer_s"] if row["peer_s"] is not None else "-",
                 row["peer_mb"] if row["peer_mb"] is not None else "-",
                 row["ratio"] if row["ratio"] is not None else "-", note]
        print("  ".join(str(c).ljust(w) for c, w in zip(cells, widths)))
    for n in notes:
        print(n)
    if len(per_record_build) >= 2:
        big = sorted(per_record_build)[-2:]
        ratio = per_record_build[big[1]] / per_record_build[big[0]]
        print(f"linearity: build time per record at {big[1]} / at {big[0]} = {ratio:.2f} (target <= 1.3)")
    # Issue 13's targets, printed (never asserted: timings are the machine's).
    for name, size, ours_s, loaded_s in targets:
        if size < TARGET_MIN_RECORDS:
            # A process's start dominates at smoke sizes: the targets are for 10k records and up.
            print(f"target: {name} at {size}: not judged (the targets are for "
                  f"{TARGET_MIN_RECORDS:,} records and more)")
        elif name == "sparql lookup":
            verdict = "met" if ours_s <= 0.1 else "MISSED"
            print(f"target: {name} at {size}: {ours_s * 1000:.0f} ms for the whole process, target <= 100 ms: {verdict}")
        elif name.startswith("sparql GROUP BY"):
            verdict = "met" if ours_s <= 2 * loaded_s else "MISSED"
            print(f"target: {name} at {size}: {ours_s:.3f} s for the whole process vs {loaded_s:.3f} s in a loaded "
                  f"pyoxigraph, target <= 2x: {verdict}")
    with open(os.path.join(OUT, "compare.json"), "w") as f:
        json.dump({"rows": rows, "notes": notes, "failures": failures, "runs": args.runs}, f, indent=2)
    print(f"wrote {os.path.join(OUT, 'compare.json')}")
    for failure in failures:
        print(f"FAIL: {failure}")
    if failures:
        sys.exit(1)


if __name__ == "__main__":
    main()
