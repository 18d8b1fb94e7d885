"""RDF/XML entity bombs (issue 12, item 3): refused before parsing, in bounded memory, nothing stored.

The files are written here: a real "billion laughs" (10 nested levels of 10), a 10^5 expansion, an external
entity, a parameter entity, and a flat entity referenced past the expansion bound. FIBO's plain namespace entities
(``<!ENTITY cmns-av "https://...">``) still merge.
"""

from __future__ import annotations

from pathlib import Path

import pytest

from kg.errors import RdfSyntaxError
from kg.merge import MAX_ENTITY_EXPANSION, merge_files
from kg.store import GraphStore

_RDF = ('<rdf:RDF xmlns:rdf="http://www.w3.org/1999/02/22-rdf-syntax-ns#" xmlns:ex="http://example.org/">\n'
        '<rdf:Description rdf:about="http://example.org/a"><ex:p>{body}</ex:p></rdf:Description>\n</rdf:RDF>\n')


def _doc(path: Path, entities: list[str], body: str) -> Path:
    path.write_text('<?xml version="1.0"?>\n<!-- invented test data -->\n<!DOCTYPE rdf:RDF [\n'
                    + "\n".join(entities) + "\n]>\n" + _RDF.format(body=body), encoding="utf-8")
    return path


def _laughs(path: Path, levels: int) -> Path:
    ents = ['<!ENTITY lol0 "lol">'] + [f'<!ENTITY lol{i} "{f"&lol{i - 1};" * 10}">' for i in range(1, levels + 1)]
    return _doc(path, ents, f"&lol{levels};")


def _snapshot(store: GraphStore) -> tuple[int, list[str]]:
    return len(store), sorted(store.named_graphs())


@pytest.mark.parametrize("case", ["billion-laughs", "1e5", "external", "parameter", "flat-past-bound",
                                  "external-dtd"])
def test_entity_bombs_are_refused_and_nothing_is_stored(store: GraphStore, tmp_path: Path, case: str) -> None:
    ok = _doc(tmp_path / "ok.rdf", [], "plain")
    merge_files(store, [ok], name="earlier")
    before = _snapshot(store)
    if case == "billion-laughs":
        bad = _laughs(tmp_path / "laughs.rdf", 10)
    elif case == "1e5":
        bad = _laughs(tmp_path / "e5.rdf", 5)
    elif case == "external":
        bad = _doc(tmp_path / "ext.rdf", ['<!ENTITY ext SYSTEM "file:///etc/hostname">'], "&ext;")
    elif case == "parameter":
        bad = _doc(tmp_path / "pe.rdf", ['<!ENTITY % pe "x">'], "x")
    elif case == "external-dtd":
        bad = tmp_path / "dtd.rdf"
        bad.write_text('<?xml version="1.0"?>\n<!DOCTYPE rdf:RDF SYSTEM "http://example.org/evil.dtd">\n'
                       + _RDF.format(body="&e;"), encoding="utf-8")
    else:
        value = "x" * 1000
        refs = MAX_ENTITY_EXPANSION // len(value) + 1
        bad = _doc(tmp_path / "flat.rdf", [f'<!ENTITY big "{value}">'], "&big;" * refs)
    with pytest.raises(RdfSyntaxError) as err:
        merge_files(store, [ok, bad], name="bomb")
    message = str(err.value)
    assert str(bad) in message and "\n" not in message
    assert "entit" in message.lower() or "dtd" in message.lower()
    assert _snapshot(store) == before


def test_plain_namespace_entities_still_merge(store: GraphStore, tmp_path: Path) -> None:
    """Entities as FIBO and many OWL files use them (an IRI per entity, no nesting) are kept and expanded."""
    path = tmp_path / "owlish.rdf"
    path.write_text('<?xml version="1.0"?>\n<!DOCTYPE rdf:RDF [\n  <!ENTITY ex "http://example.org/">\n'
                    ']>\n'
                    '<rdf:RDF xmlns:rdf="http://www.w3.org/1999/02/22-rdf-syntax-ns#" xmlns:ex="&ex;">\n'
                    '<rdf:Description rdf:about="&ex;a"><ex:p>&ex;b &amp; &#38;</ex:p></rdf:Description>\n'
                    "</rdf:RDF>\n", encoding="utf-8")
    report = merge_files(store, [path], name="owlish")
    assert report.triples_loaded == 1
    (quad,) = [q for q in store.quads() if q.predicate.value == "http://example.org/p"]
    assert quad.subject.value == "http://example.org/a"
    assert quad.object.value == "http://example.org/b & &"


def test_a_comment_in_the_dtd_declares_nothing(tmp_path: Path) -> None:
    from kg.merge import check_entities
    from kg.store import RdfFormatName

    path = _doc(tmp_path / "c.rdf", ['<!ENTITY ex "http://example.org/">',
                                     '<!-- <!ENTITY lol1 "&lol0;&lol0;"> is only a comment -->'], "&ex;")
    check_entities(path, RdfFormatName.rdfxml)
