"""Synthetic corporate news facts for the benchmarks: invented groups with subsidiary trees, models, investments.

Documents are generated deterministically from their number. Every group of :data:`DOCS_PER_GROUP` documents talks
about one invented parent company, so entities recur across documents (as in a real corpus) and the subsidiary
trees are several levels deep. Names are made of invented syllables, never taken from the evaluation texts.
Quads come from :func:`kg.rdf.facts_to_quads`, so the generated stores have exactly the shape of ingested news.
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Iterator
from pathlib import Path

import pyoxigraph as ox

from kg.facts import DocumentInfo, Evidence, Facts, Investment, Model, Organization, Program, Subsidiary

INGESTED_AT = "2025-06-01T12:00:00Z"
EXTRACTOR = "kg-bench synthetic 1"
DOCS_PER_GROUP = 8

_SYL = ("vor", "lan", "tesh", "mira", "quol", "bren", "dax", "ulo", "fen", "sari", "koth", "pel", "rin", "zav")
_CURRENCIES = ("USD", "EUR", "CNY", "JPY", "GBP", "INR")


def _word(n: int) -> str:
    a, b, c = _SYL[n % 14], _SYL[(n // 14) % 14], _SYL[(n // 196) % 14]
    return (a + b + c).capitalize()


def group_name(group: int) -> str:
    """Name of the parent company of document group ``group`` (a subsidiary tree's root)."""
    return f"{_word(group)} Group {group}"


def unit_name(group: int, unit: int) -> str:
    """A first-level unit of a group."""
    return f"{_word(group)} {_word(unit + 7)} Unit {group}-{unit}"


def leaf_name(group: int, unit: int, leaf: int) -> str:
    """A second-level subsidiary (below a unit)."""
    return f"{_word(group)} {_word(unit + 3)} Lab {group}-{unit}-{leaf}"


def _ev(text: str, start: int, rule: str) -> Evidence:
    end = start + 12
    return Evidence(start=start, end=end, text=text[start:end], sentence=text[:80], sentence_start=0, rule=rule,
                    confidence=0.85)


def document_text(i: int) -> str:
    """A short invented news text for document ``i`` (what a stub extractor would read)."""
    g = i // DOCS_PER_GROUP
    return (f"{group_name(g)} said on day {i} that {unit_name(g, i % 3)} will fund its {leaf_name(g, i % 3, i % 2)} "
            f"with {100 + i % 900} million dollars over {1 + i % 5} years, and released the {_word(i)}-{i} model.\n")


def facts_for(i: int) -> tuple[Facts, DocumentInfo]:
    """The facts of synthetic document ``i``: a group, 3 units, 2 labs under one unit, a model, an investment,
    and a program every fourth document."""
    g = i // DOCS_PER_GROUP
    text = document_text(i)
    sha = hashlib.sha256(text.encode("utf-8")).hexdigest()
    root = group_name(g)
    units = [unit_name(g, u) for u in range(3)]
    u = i % 3
    labs = [leaf_name(g, u, leaf) for leaf in range(2)]
    orgs = [Organization(root, aliases=(root.rsplit(" ", 1)[0],), evidence=(_ev(text, 0, "bench.org"),))]
    orgs += [Organization(n, kind="unit", evidence=(_ev(text, 10, "bench.org"),)) for n in units + labs]
    subs = [Subsidiary(n, root, relation="unit", evidence=(_ev(text, 20, "bench.sub"),)) for n in units]
    subs += [Subsidiary(n, units[u], relation="subsidiary", evidence=(_ev(text, 30, "bench.sub"),)) for n in labs]
    model = Model(f"{_word(i)}-{i}", developer=units[u], parameters=(1 + i % 70) * 1_000_000_000,
                  open_source=i % 2 == 0, based_on=f"{_word(i - 1)}-{i - 1}" if i % 5 == 0 and i else None,
                  evidence=(_ev(text, 40, "bench.model"),))
    inv = Investment(units[u], float((100 + i % 900) * 1_000_000), _CURRENCIES[i % len(_CURRENCIES)],
                     target=labs[i % 2], period_years=float(1 + i % 5), evidence=(_ev(text, 50, "bench.inv"),))
    programs = (Program(f"{_word(g)} Accelerator {g}", organizers=(root, units[0]),
                        evidence=(_ev(text, 60, "bench.prog"),)),) if i % 4 == 0 else ()
    facts = Facts(organizations=tuple(orgs), subsidiaries=tuple(subs), models=(model,), investments=(inv,),
                  programs=programs, extractor=EXTRACTOR)
    doc = DocumentInfo(sha256=sha, path=f"synthetic/{i:07d}.txt", title=f"Synthetic news {i}", chars=len(text),
                       date=f"2025-{1 + i % 12:02d}-{1 + i % 28:02d}")
    return facts, doc


def quads_for(i: int) -> list[ox.Quad]:
    """Quads of synthetic document ``i`` (through :func:`kg.rdf.facts_to_quads`)."""
    from kg.rdf import facts_to_quads

    facts, doc = facts_for(i)
    return facts_to_quads(facts, doc, ingested_at=INGESTED_AT, extractor=EXTRACTOR)


def quads_until(n_triples: int) -> Iterator[ox.Quad]:
    """Quads of documents 0, 1, 2, ... until at least ``n_triples`` quads were produced (whole documents)."""
    count = i = 0
    while count < n_triples:
        qs = quads_for(i)
        count += len(qs)
        i += 1
        yield from qs


def write_nquads(path: Path, n_triples: int) -> int:
    """Write ~``n_triples`` synthetic quads as N-Quads; the number written."""
    n = 0
    with open(path, "wb") as fh:
        batch: list[ox.Quad] = []
        for q in quads_until(n_triples):
            batch.append(q)
            if len(batch) >= 50_000:
                ox.serialize(batch, fh, ox.RdfFormat.N_QUADS)
                n += len(batch)
                batch = []
        if batch:
            ox.serialize(batch, fh, ox.RdfFormat.N_QUADS)
            n += len(batch)
    return n


def write_org_file(path: Path, n_triples: int) -> int:
    """An external corporate graph (W3C ORG + SKOS + schema.org, N-Triples) of ~``n_triples`` triples, for merge:
    organizations with labels, identifiers and parent links, in trees of 1 + 4 + 16 entities."""
    org = "http://www.w3.org/ns/org#"
    skos = "http://www.w3.org/2004/02/skos/core#"
    rdf_type = "<http://www.w3.org/1999/02/22-rdf-syntax-ns#type>"
    base = "http://example.org/registry/entity/"
    n = i = 0
    with open(path, "w", encoding="utf-8") as fh:
        while n < n_triples:
            tree, pos = divmod(i, 21)
            iri = f"<{base}{i}>"
            name = f"{_word(tree)} Registry {tree}-{pos} Ltd"
            lines = [
                f"{iri} {rdf_type} <{org}Organization> .",
                f'{iri} <{skos}prefLabel> "{name}" .',
                f'{iri} <{org}identifier> "REG{i:010d}" .',
                f'{iri} <https://schema.org/foundingDate> "{1950 + i % 70}-01-01"'
                f"^^<http://www.w3.org/2001/XMLSchema#date> .",
            ]
            if pos:
                parent = tree * 21 + (0 if pos <= 4 else (pos - 5) // 4 + 1)
                lines.append(f"{iri} <{org}subOrganizationOf> <{base}{parent}> .")
            fh.write("\n".join(lines) + "\n")
            n += len(lines)
            i += 1
    return n


def write_corpus(path: Path, docs: int) -> None:
    """A JSONL corpus of ``docs`` synthetic articles (id, title, date, text)."""
    with open(path, "w", encoding="utf-8") as fh:
        for i in range(docs):
            fh.write(json.dumps({"id": f"n{i}", "title": f"Synthetic news {i}", "date": "2025-05-01",
                                 "text": document_text(i)}) + "\n")


def stub_facts(text: str) -> Facts:
    """What a stub extractor returns for a synthetic text: the facts of the document it was generated from."""
    i = int(text.split(" on day ", 1)[1].split(" ", 1)[0])
    return facts_for(i)[0]


def query_params(n_docs: int) -> dict[str, str]:
    """Values for the canned queries' parameters that exist in a store of ``n_docs`` synthetic documents."""
    g = max(0, (n_docs // DOCS_PER_GROUP) // 2)
    return {"org": group_name(g), "about": unit_name(g, 0), "other": group_name(g), "investor": unit_name(g, 1),
            "by": unit_name(g, 2)}
