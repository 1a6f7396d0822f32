"""The Python SPARQL clients people use, with their defaults, against a running `dossier serve`.

    check_clients.py ENDPOINT QUERIES_JSON

QUERIES_JSON maps a query form (select, ask, construct, describe) to a query. For rdflib's
SPARQLStore (each result format it has a parser for) and SPARQLWrapper (each return format it
names), every form is run as the client runs it by default, and one JSON line is printed per
case: the client, form and format, the Content-Type received, and what the client read (the
number of rows or triples, or the boolean), or the error it raised. Tests compare these with
the CLI's answers; this script judges nothing itself.
"""

import io
import json
import sys
import warnings
import xml.dom.minidom

import rdflib
from rdflib.plugins.stores.sparqlstore import SPARQLStore
from rdflib.query import Result
import SPARQLWrapper as sw

warnings.simplefilter("ignore")

endpoint, queries = sys.argv[1], json.loads(sys.argv[2])


def report(client, form, fmt, read):
    case = {"client": client, "form": form, "format": fmt}
    try:
        content_type, value = read()
        case.update(content_type=content_type, read=value)
    except Exception as e:  # noqa: BLE001 - every failure is a finding
        case["error"] = f"{type(e).__name__}: {e}"
    print(json.dumps(case), flush=True)


def rdflib_store(form, fmt):
    def read():
        graph = rdflib.Graph(SPARQLStore(endpoint, returnFormat=fmt))
        result = graph.query(queries[form])
        if result.type == "ASK":
            return None, bool(result.askAnswer)
        if result.type in ("CONSTRUCT", "DESCRIBE"):
            return None, len(result.graph)
        return None, len(list(result))

    return read


def counted(form, content_type, converted, raw):
    """What SPARQLWrapper's convert() gave, counted; for the text formats it hands back as bytes,
    the bytes are read by rdflib."""
    if isinstance(converted, dict):
        if "boolean" in converted:
            return converted["boolean"]
        if "@graph" in converted or "@context" in converted:
            return len(rdflib.Graph().parse(data=raw, format="json-ld"))
        return len(converted["results"]["bindings"])
    if isinstance(converted, xml.dom.minidom.Document):
        booleans = converted.getElementsByTagName("boolean")
        if booleans:
            return booleans[0].firstChild.data.strip() == "true"
        return len(converted.getElementsByTagName("result"))
    if isinstance(converted, rdflib.Graph):
        return len(converted)
    if isinstance(converted, (list,)):  # JSON-LD as a list of nodes
        return len(rdflib.Graph().parse(data=raw, format="json-ld"))
    kind = content_type.split(";")[0].strip()
    if form in ("construct", "describe"):
        rdf = {"text/turtle": "turtle", "application/n-triples": "nt"}.get(kind, kind)
        return len(rdflib.Graph().parse(data=raw, format=rdf))
    if form == "ask":
        return raw.decode().strip().splitlines()[-1] == "true"
    return len(list(Result.parse(io.BytesIO(raw), content_type=kind)))


class Replay(io.BytesIO):
    """A response read once, given back to SPARQLWrapper's convert()."""

    def __init__(self, raw, info):
        super().__init__(raw)
        self._info = info

    def info(self):
        return self._info


def sparqlwrapper(form, fmt):
    def read():
        client = sw.SPARQLWrapper(endpoint)
        client.setQuery(queries[form])
        client.setReturnFormat(fmt)
        response = client.query()
        content_type = response.info()["content-type"]
        raw = response.response.read()
        # convert() reads the response itself: give it the bytes again.
        response.response = Replay(raw, response.response.info())
        converted = response.convert()
        return content_type, counted(form, content_type, converted, raw)

    return read


for form in queries:
    for fmt in ("xml", "json", "csv", "tsv"):
        report("rdflib.SPARQLStore", form, fmt, rdflib_store(form, fmt))
    for fmt in (sw.XML, sw.JSON, sw.CSV, sw.TSV, sw.TURTLE, sw.N3, sw.RDFXML, sw.JSONLD):
        report("SPARQLWrapper", form, fmt, sparqlwrapper(form, fmt))
