"""SHACL validation of a store: pySHACL over the store's data with ``ontology/shapes.ttl``.

The data graph is the union of the store's graphs (or one named graph), copied into rdflib through N-Triples; the
ontology (``ontology/*.ttl`` other than the shapes) is the ``ont_graph``, so ``sh:class`` sees ``rdfs:subClassOf``.
Results with severity Violation make the store non-conforming; Warnings and Infos are reported but do not.
pySHACL runs with ``advanced=True`` because the whole-graph checks of ``shapes.ttl`` use SPARQL targets (one query
per validation rather than one per node).
This module owns turning pySHACL's report graph into :class:`Violation` records; it reads the store only through
:meth:`kg.store.GraphStore.quads`.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

import pyoxigraph as ox

from kg.errors import KgError, RdfSyntaxError
from kg.resources import data_dir, ontology_file
from kg.store import GraphStore
from kg.vocab import GRAPH, PREFIXES, SH, XSD

SHAPES_NS = "https://w3id.org/kgnews/shapes#"


@dataclass(frozen=True)
class Violation:
    """One SHACL result: which node, along which path, which value, what is wrong, which shape, how bad."""

    focus: str
    path: str | None
    value: str | None
    message: str
    shape: str
    severity: str

    def __str__(self) -> str:
        where = f" {self.path}" if self.path else ""
        value = f" = {self.value}" if self.value else ""
        return f"{self.severity}: {self.focus}{where}{value}: {self.message} [{self.shape}]"


@dataclass(frozen=True)
class ValidationReport:
    """``conforms`` is False when any result has severity Violation."""

    conforms: bool
    violations: tuple[Violation, ...]


def _compact(iri: str) -> str:
    prefixes = {**PREFIXES, "kgsh": SHAPES_NS, "sh": SH}
    best = max((p for p, ns in prefixes.items() if iri.startswith(ns)), key=lambda p: len(prefixes[p]), default=None)
    return f"{best}:{iri[len(prefixes[best]):]}" if best else iri


def _ontology_files() -> list[Path]:
    folder = data_dir("ontology")
    return sorted(p for p in folder.glob("*.ttl") if not p.name.startswith("shapes"))


def _rdflib_graph(quads: object) -> object:
    """An rdflib Graph of the triples of ``quads`` (graph names dropped, duplicates merged)."""
    import rdflib

    triples = {ox.Triple(q.subject, q.predicate, q.object) for q in quads}  # type: ignore[attr-defined]
    g = rdflib.Graph()
    if triples:
        data = ox.serialize(sorted(triples, key=str), format=ox.RdfFormat.N_TRIPLES) or b""
        g.parse(data=data.decode("utf-8"), format="nt")
    return g


def _load_turtle(paths: list[Path]) -> object:
    import rdflib

    g = rdflib.Graph()
    for p in paths:
        try:
            g.parse(p, format="turtle")
        except Exception as err:  # rdflib raises many parser error types
            raise RdfSyntaxError(f"{p}: {str(err).splitlines()[0] if str(err) else err}") from None
    return g


def validate_graph(data_graph: object, *, shapes: Path | None = None) -> ValidationReport:
    """Validate an rdflib graph against the shapes (default ``ontology/shapes.ttl``) with the ontology mixed in."""
    import pyshacl
    import rdflib
    from rdflib.namespace import RDF

    shacl = _load_turtle([shapes or ontology_file("shapes.ttl")])
    ont = _load_turtle(_ontology_files())
    try:
        _conforms, results, _text = pyshacl.validate(
            data_graph, shacl_graph=shacl, ont_graph=ont, inference="none", allow_warnings=True,
            advanced=True, abort_on_first=False,
        )
    except Exception as err:  # pySHACL reports bad shapes with its own error types
        raise KgError(f"SHACL validation could not run: {str(err).splitlines()[0] if str(err) else err}") from None

    sh = rdflib.Namespace(SH)
    out: list[Violation] = []
    for r in results.subjects(RDF.type, sh.ValidationResult):
        shape_node = results.value(r, sh.sourceShape)
        shape = shape_node
        if isinstance(shape_node, rdflib.BNode):  # a property shape: name the node shape that holds it
            parent = next(iter(shacl.subjects(sh.property, shape_node)), None)
            shape = parent if parent is not None else shape_node
        path = results.value(r, sh.resultPath)
        value = results.value(r, sh.value)
        severity = results.value(r, sh.resultSeverity)
        messages = sorted(str(m) for m in results.objects(r, sh.resultMessage))
        focus = results.value(r, sh.focusNode)
        out.append(Violation(
            focus=_term_text(focus),
            path=_term_text(path) if path is not None else None,
            value=_term_text(value) if value is not None and value != focus else None,
            message="; ".join(messages) or "constraint not met",
            shape=_term_text(shape) if shape is not None else "",
            severity=_compact(str(severity)).removeprefix("sh:") if severity is not None else "Violation",
        ))
    out.sort(key=lambda v: (v.severity != "Violation", v.focus, v.path or "", v.message, v.value or ""))
    conforms = not any(v.severity == "Violation" for v in out)
    return ValidationReport(conforms=conforms, violations=tuple(out))


def _term_text(t: object) -> str:
    import rdflib

    if isinstance(t, rdflib.URIRef):
        return _compact(str(t))
    if isinstance(t, rdflib.BNode):
        return f"_:{t}"
    if isinstance(t, rdflib.Literal):
        text = str(t).replace("\\", "\\\\").replace('"', '\\"').replace("\n", "\\n")
        if t.language:
            return f'"{text}"@{t.language}'
        if t.datatype is not None and str(t.datatype) != XSD + "string":
            return f'"{text}"^^{_compact(str(t.datatype))}'
        return f'"{text}"'
    return str(t)


def validate_store(store: GraphStore, *, graph: ox.NamedNode | None = None) -> ValidationReport:
    """Validate the store (the union of its graphs, or only ``graph``) against ``ontology/shapes.ttl``.

    For the whole store, the raw graphs of merged sources (``kg.vocab.source_graph``) are left out: they keep their
    own vocabulary unchanged; what they say in ours is in their mapped graphs, which are validated.
    """
    if graph is not None:
        return validate_graph(_rdflib_graph(store.quads(graph)))
    raw = f"{GRAPH}source/"
    quads = (q for q in store.quads() if not (isinstance(q.graph_name, ox.NamedNode)
                                              and q.graph_name.value.startswith(raw)
                                              and not q.graph_name.value.endswith("/mapped")))
    return validate_graph(_rdflib_graph(quads))
