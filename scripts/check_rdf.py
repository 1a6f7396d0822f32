"""Judge dossier's Turtle with outside tools: SHACL conformance, and loading in rdflib and
pyoxigraph with the same triples. Usage: check_rdf.py [--also-broken] DATA.ttl SHAPES.ttl
ONTOLOGY.ttl [DATA.jsonld DATA.nq]; with --also-broken, the graph broken two ways must not
conform."""
import sys

import pyoxigraph
import rdflib
from pyshacl import validate

also_broken = "--also-broken" in sys.argv
if also_broken:
    sys.argv.remove("--also-broken")
data_path, shapes_path, ontology_path = sys.argv[1:4]

data = rdflib.Graph().parse(data_path, format="turtle")
ontology = rdflib.Graph().parse(ontology_path, format="turtle")
shapes = rdflib.Graph().parse(shapes_path, format="turtle")
print(f"rdflib: {len(data)} triples, ontology {len(ontology)}, shapes {len(shapes)}")

store = pyoxigraph.Store()
with open(data_path, "rb") as f:
    store.load(f, pyoxigraph.RdfFormat.TURTLE)
print(f"pyoxigraph: {len(store)} triples")
if len(store) != len(data):
    sys.exit(f"pyoxigraph and rdflib disagree: {len(store)} != {len(data)} triples")

conforms, _, report = validate(data, shacl_graph=shapes, ont_graph=ontology, inference="none")
if not conforms:
    print(report)
    sys.exit("SHACL: the graph does not conform to schema/shapes.ttl")
print("pySHACL: the graph conforms to schema/shapes.ttl")

if also_broken:
    # The shapes can fail: the same graph with one event's label taken away, or one actor's kind
    # replaced by a value off its list, does not conform.
    DOS_NS = rdflib.Namespace("https://w3id.org/dossier/ontology#")
    OFF_THE_LIST = rdflib.URIRef("https://w3id.org/dossier/vocab/actor-kind#nobody")
    for cls, prop, value in [(DOS_NS.Event, rdflib.RDFS.label, None),
                             (DOS_NS.Actor, DOS_NS.actorKind, OFF_THE_LIST)]:
        node = next(data.subjects(rdflib.RDF.type, cls), None)
        if node is None:
            sys.exit(f"the graph has no {cls} to break")
        mutated = rdflib.Graph()
        for triple in data:
            mutated.add(triple)
        mutated.remove((node, prop, None))
        if value is not None:
            mutated.add((node, prop, value))
        if validate(mutated, shacl_graph=shapes, ont_graph=ontology, inference="none")[0]:
            sys.exit(f"SHACL: {node} with its {prop} broken still conforms: the shapes hold nothing")
    print("pySHACL: a graph with a required value missing or off its list does not conform")

# Every dossier term the graph uses is declared in the ontology.
DOS = "https://w3id.org/dossier/"
declared = {str(s) for s in ontology.subjects()}
used = {str(p) for p in data.predicates()} | {str(o) for o in data.objects(None, rdflib.RDF.type)}
used |= {str(o) for o in data.objects() if isinstance(o, rdflib.URIRef) and str(o).startswith(DOS + "vocab/")}
missing = sorted(t for t in used if t.startswith(DOS) and t not in declared)
if missing:
    sys.exit("terms used but not declared in schema/ontology.ttl: " + ", ".join(missing))
print(f"ontology: all {len([t for t in used if t.startswith(DOS)])} dossier terms in use are declared")

# JSON-LD export, when given: the same quads as the N-Quads export, read by rdflib.
if len(sys.argv) > 5:
    jsonld_path, nquads_path = sys.argv[4:6]
    from_jsonld = rdflib.Dataset()
    from_jsonld.parse(jsonld_path, format="json-ld")
    from_nquads = rdflib.Dataset()
    from_nquads.parse(nquads_path, format="nquads")
    a = {(s, p, o, str(g)) for s, p, o, g in from_jsonld.quads()}
    b = {(s, p, o, str(g)) for s, p, o, g in from_nquads.quads()}
    if a != b:
        sys.exit(f"JSON-LD and N-Quads differ: {len(a - b)} quads only in JSON-LD, {len(b - a)} only in N-Quads")
    print(f"rdflib: the JSON-LD export holds the same {len(a)} quads as the N-Quads export")
