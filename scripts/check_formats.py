"""Every output format of every dossier command, read back by a reader dossier shares no code
with: Python's csv and json modules for rows, pyoxigraph's SPARQL results parser for the W3C
result formats (JSON, XML, CSV, TSV), rdflib for the RDF syntaxes (Turtle, N-Triples, N-Quads,
TriG, JSON-LD). Each answer is compared with what the reader gets from the store itself.
Usage: check_formats.py DOSSIER KB"""
import csv
import io
import json
import sqlite3
import subprocess
import sys

import pyoxigraph
import rdflib

dossier, kb = sys.argv[1:3]


def run(*args):
    out = subprocess.run([dossier, *args, "--kb", kb], capture_output=True, check=False)
    if out.returncode != 0:
        sys.exit(f"dossier {' '.join(args)} failed: {out.stderr.decode()}")
    return out.stdout.decode()


def fail(what, got, want):
    sys.exit(f"{what}: read back\n  {got!r}\nbut the store holds\n  {want!r}")


# Rows: values with a comma, a quote, a tab, a line break, a number and a NULL.
SQL = (
    "SELECT id, quote, start_offset, NULL AS absent, 'a,b\"c' || char(9) || 'd' || char(10) || 'e' AS tricky "
    "FROM evidence ORDER BY id"
)
db = sqlite3.connect(f"file:{kb}/dossier.sqlite?mode=ro", uri=True)
cursor = db.execute(SQL)
columns = [c[0] for c in cursor.description]
want = [list(r) for r in cursor.fetchall()]
as_text = [["" if v is None else str(v) for v in row] for row in want]

got = list(csv.reader(io.StringIO(run("sql", "--format", "csv", SQL), newline="")))
if got[0] != columns or got[1:] != as_text:
    fail("sql --format csv (Python csv)", got[:2], [columns] + as_text[:1])
got = list(csv.reader(io.StringIO(run("sql", "--format", "tsv", SQL), newline=""), delimiter="\t"))
if got[0] != columns or got[1:] != as_text:
    fail("sql --format tsv (Python csv, tab)", got[:2], [columns] + as_text[:1])
as_objects = [dict(zip(columns, row)) for row in want]
got = json.loads(run("sql", "--format", "json", SQL))
if got != as_objects:
    fail("sql --format json (Python json)", got[:1], as_objects[:1])
got = [json.loads(line) for line in run("sql", "--format", "ndjson", SQL).splitlines()]
if got != as_objects:
    fail("sql --format ndjson (Python json)", got[:1], as_objects[:1])
print(f"sql: csv, tsv, json and ndjson read back as the {len(want)} rows sqlite3 reads")

got = json.loads(run("query", "timeline", "--store", "both", "--format", "json"))
if not got:
    sys.exit("query timeline answered nothing")
print(f"query: json reads back ({len(got)} rows)")

# SPARQL: the same query on pyoxigraph's own store loaded from the N-Quads, with the union of
# the graphs as its default graph (dossier's default graph).
store = pyoxigraph.Store()
with open(f"{kb}/dossier.nq", "rb") as f:
    store.load(f, pyoxigraph.RdfFormat.N_QUADS)
PREFIXES = """PREFIX dos: <https://w3id.org/dossier/ontology#>
PREFIX dcterms: <http://purl.org/dc/terms/>
PREFIX rdfs: <http://www.w3.org/2000/01/rdf-schema#>
"""
SELECT = """SELECT ?record ?label ?date WHERE {
  ?r dcterms:identifier ?record ; rdfs:label ?label .
  OPTIONAL { ?r dcterms:date ?date }
} ORDER BY ?record"""


def solutions(results):
    return [
        tuple(None if s[v] is None else str(s[v]) for v in results.variables)
        for s in results
    ]


want = solutions(store.query(PREFIXES + SELECT, use_default_graph_as_union=True))
for name, fmt in [
    ("json", pyoxigraph.QueryResultsFormat.JSON),
    ("xml", pyoxigraph.QueryResultsFormat.XML),
    ("tsv", pyoxigraph.QueryResultsFormat.TSV),
]:
    got = solutions(pyoxigraph.parse_query_results(run("sparql", "--format", name, SELECT).encode(), fmt))
    if got != want:
        fail(f"sparql --format {name} (pyoxigraph)", got[:2], want[:2])
# CSV keeps values only: compare the values.
got = list(csv.reader(io.StringIO(run("sparql", "--format", "csv", SELECT), newline="")))
plain = [
    [("" if s[v] is None else s[v].value) for v in ("record", "label", "date")]
    for s in store.query(PREFIXES + SELECT, use_default_graph_as_union=True)
]
if got[0] != ["record", "label", "date"] or got[1:] != plain:
    fail("sparql --format csv (Python csv)", got[:2], plain[:1])
got = [json.loads(line) for line in run("sparql", "--format", "ndjson", SELECT).splitlines()]
bindings = json.loads(run("sparql", "--format", "json", SELECT))["results"]["bindings"]
if got != bindings:
    fail("sparql --format ndjson (Python json)", got[:1], bindings[:1])
ASK = "ASK { ?c a dos:Condition }"
for name, fmt in [("json", pyoxigraph.QueryResultsFormat.JSON), ("xml", pyoxigraph.QueryResultsFormat.XML)]:
    if not bool(pyoxigraph.parse_query_results(run("sparql", "--format", name, ASK).encode(), fmt)):
        sys.exit(f"sparql ASK --format {name}: read back as false")
print(f"sparql: json, xml, csv, tsv and ndjson read back as pyoxigraph's {len(want)} rows; ASK as true")

CONSTRUCT = "CONSTRUCT { ?c ?p ?o } WHERE { ?c a dos:Condition ; ?p ?o }"
# pyoxigraph's own answer, written as N-Triples by pyoxigraph and read by rdflib, is what each
# of dossier's syntaxes must read back as (no blank nodes: the terms compare as they are).
answer = store.query(PREFIXES + CONSTRUCT, use_default_graph_as_union=True)
want = set(rdflib.Graph().parse(
    data=pyoxigraph.serialize(answer, format=pyoxigraph.RdfFormat.N_TRIPLES).decode(), format="nt"))
if not want:
    sys.exit("pyoxigraph's CONSTRUCT answered nothing")
for name, fmt in [("turtle", "turtle"), ("ntriples", "nt"), ("jsonld", "json-ld"), ("rdfxml", "xml")]:
    got = set(rdflib.Graph().parse(data=run("sparql", "--format", name, CONSTRUCT), format=fmt))
    if got != want:
        fail(f"sparql CONSTRUCT --format {name} (rdflib)", sorted(got - want)[:2], sorted(want - got)[:2])
print(f"sparql: CONSTRUCT as turtle, ntriples, jsonld and rdfxml read back as pyoxigraph's {len(want)} triples")

# Exports: every syntax holds the N-Quads' quads (Turtle and N-Triples: its triples).
nquads = rdflib.Dataset()
nquads.parse(f"{kb}/dossier.nq", format="nquads")
quads = {(s, p, o, str(g)) for s, p, o, g in nquads.quads()}
for name, fmt in [("trig", "trig"), ("jsonld", "json-ld"), ("nquads", "nquads")]:
    ds = rdflib.Dataset()
    ds.parse(data=run("export", "--format", name), format=fmt)
    got = {(s, p, o, str(g)) for s, p, o, g in ds.quads()}
    if got != quads:
        fail(f"export --format {name} (rdflib)", len(got), len(quads))
triple_set = {(s, p, o) for s, p, o, _ in quads}
for name, fmt in [("turtle", "turtle"), ("ntriples", "nt")]:
    got = set(rdflib.Graph().parse(data=run("export", "--format", name), format=fmt))
    if got != triple_set:
        fail(f"export --format {name} (rdflib)", len(got), len(triple_set))
print(f"export: trig, jsonld and nquads read back as the {len(quads)} quads, turtle and ntriples "
      f"as the {len(triple_set)} triples")

info = json.loads(run("info", "--json"))
if info["quads"] <= 0 or not info["files"]:
    sys.exit(f"info --json: {info}")
print("info: --json reads back")
