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


def _lei(i: int) -> str:
    """An invented 20-character LEI-shaped code (prefix 9845, never a real LOU prefix in these samples)."""
    return f"9845{i:014d}{i % 97:02d}"


def write_gleif_file(path: Path, n_triples: int) -> int:
    """An external registry shaped like the GLEIF Level 1 + Level 2 RDF sample (its vocabulary, a realistic number
    of triples per record), N-Triples, ~``n_triples`` triples. Per legal entity: the entity (status, jurisdiction,
    legal form, legal name, sometimes a previous name, addresses, registration identifier), its legal address,
    often a separate headquarters address, its LEI registry entry (dates, status, managing LOU, validation) and a
    business-registry identifier; per entity below a root, a direct-consolidation relationship with its period
    (a blank node) and its relationship record, and below the first level also an ultimate-consolidation one.
    Trees of 1 + 4 + 16 entities, as :func:`write_org_file`; names invented."""
    l1, l2, base = "https://www.gleif.org/ontology/L1/", "https://www.gleif.org/ontology/L2/", \
        "https://www.gleif.org/ontology/Base/"
    data1, data2 = "https://example.org/gleif/L1/", "https://example.org/gleif/L2/"
    rdf_type = "<http://www.w3.org/1999/02/22-rdf-syntax-ns#type>"
    dt = "^^<http://www.w3.org/2001/XMLSchema#dateTime>"
    lou = f"<{data1}L-{_lei(10**9)}>"
    n = i = 0
    with open(path, "w", encoding="utf-8") as fh:
        while n < n_triples:
            tree, pos = divmod(i, 21)
            lei = _lei(i)
            e, la, hq, le = (f"<{data1}L-{lei}{suffix}>" for suffix in ("", "-LAL", "-HQL", "-LEI"))
            bid = f"<{data1}BID-RA0{i % 900:03d}-{i:08d}>"
            city, year = f"{_word(i + 5)} City", 2012 + i % 10
            lines = [
                f"{e} {rdf_type} <{l1}LegalEntity> .",
                f"{e} <{base}hasEntityStatus> <{base}EntityStatusActive> .",
                f"{e} <{base}hasLegalJurisdiction> <https://www.omg.org/spec/LCC/Countries/C{i % 60}> .",
                f"{e} <{l1}hasLegalAddress> {la} .",
                f"{e} <{l1}hasHeadquartersAddress> {hq if i % 3 else la} .",
                f"{e} <{l1}hasLegalForm> <https://example.org/gleif/ELF/ELF-{i % 40:04d}> .",
                f'{e} <{l1}hasLegalName> "{_word(tree)} {_word(pos + 3)} Holdings {tree}-{pos} Ltd" .',
                f"{e} <{l1}hasRegistrationIdentifier> {bid} .",
                f"{la} {rdf_type} <{base}PhysicalAddress> .",
                f'{la} <{base}hasAddressLine1> "{1 + i % 400} {_word(i)} Street" .',
                f'{la} <{base}hasCity> "{city}" .',
                f"{la} <{base}hasCountry> <https://www.omg.org/spec/LCC/Countries/C{i % 60}> .",
                f'{la} <{base}hasPostalCode> "{10000 + i % 89999}" .',
                f"{la} <{base}hasSubdivision> <https://www.omg.org/spec/LCC/Countries/C{i % 60}-S{i % 9}> .",
                f"{le} {rdf_type} <{l1}LegalEntityIdentifier> .",
                f"{le} {rdf_type} <{l1}LegalEntityIdentifierRegistryEntry> .",
                f'{le} <{base}hasInitialRegistrationDate> "{year}-02-12T12:11:00Z"{dt} .',
                f'{le} <{base}hasLastUpdateDate> "{year + 6}-04-24T21:48:00Z"{dt} .',
                f'{le} <{base}hasNextRenewalDate> "{year + 7}-03-29T00:35:00Z"{dt} .',
                f"{le} <{base}hasRegistrationStatus> <{l1}RegistrationStatusIssued> .",
                f'{le} <{l1}LEI> "{lei}" .',
                f"{le} <{l1}hasManagingLOU> {lou} .",
                f"{le} <{l1}hasValidationSources> <{l1}ValidationSourceKindFullyCorroborated> .",
                f"{le} <{l1}identifiesAndRecords> {e} .",
                f"{bid} {rdf_type} <{l1}BusinessRegistryIdentifier> .",
                f"{bid} <{base}identifies> {e} .",
                f'{bid} <{l1}hasEntityID> "{i:08d}" .',
                f"{bid} <{l1}hasRegisteredAuthority> <https://example.org/gleif/RA/RA0{i % 900:03d}> .",
            ]
            if i % 5 == 0:
                lines.append(f'{e} <{l1}hasPreviousLegalName> "{_word(tree)} {_word(pos + 3)} Trading {tree}-{pos}" .')
            if i % 3:
                lines += [
                    f"{hq} {rdf_type} <{base}PhysicalAddress> .",
                    f'{hq} <{base}hasAddressLine1> "{1 + i % 300} {_word(i + 1)} Avenue" .',
                    f'{hq} <{base}hasCity> "{city}" .',
                    f"{hq} <{base}hasCountry> <https://www.omg.org/spec/LCC/Countries/C{i % 60}> .",
                    f'{hq} <{base}hasPostalCode> "{10000 + (i * 7) % 89999}" .',
                ]
            if pos:
                parent = tree * 21 + (0 if pos <= 4 else (pos - 5) // 4 + 1)
                links = [("D", "DirectConsolidation", parent)] + ([("U", "UltimateConsolidation", tree * 21)]
                                                                   if pos > 4 else [])
                for code, kind, up in links:
                    r = f"<{data2}R-{lei}-{_lei(up)}-{code}>"
                    rec = f"<{data2}R-{lei}-{_lei(up)}-{code}-REC>"
                    period = f"_:p{i}{code}"
                    lines += [
                        f"{r} {rdf_type} <{l2}{kind}> .",
                        f"{r} <{l2}hasChild> {e} .",
                        f"{r} <{l2}hasParent> <{data1}L-{_lei(up)}> .",
                        f"{r} <{l2}hasRelationshipPeriod> {period} .",
                        f"{period} {rdf_type} <{base}Period> .",
                        f'{period} <{base}hasStart> "{year}-03-15T21:30:34Z"{dt} .',
                        f"{r} <{l2}hasRelationshipStatus> <{l2}RelationshipStatusActive> .",
                        f"{rec} {rdf_type} <{l2}LegalEntityRelationshipRecord> .",
                        f'{rec} <{base}hasInitialRegistrationDate> "{year}-02-25T02:08:00Z"{dt} .',
                        f'{rec} <{base}hasLastUpdateDate> "{year + 1}-04-12T21:13:00Z"{dt} .',
                        f'{rec} <{base}hasNextRenewalDate> "{year + 2}-03-29T00:38:00Z"{dt} .',
                        f"{rec} <{base}hasRegistrationStatus> <{l2}RegistrationStatusPublished> .",
                        f"{rec} <{base}records> {r} .",
                        f"{rec} <{l1}hasManagingLOU> {lou} .",
                    ]
            fh.write("\n".join(lines) + "\n")
            n += len(lines)
            i += 1
    return n
