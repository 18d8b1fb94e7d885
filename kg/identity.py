"""Cross-document identity of organizations named in the news: one node per company across documents.

Each document resolves its own mentions (one IRI per name, :func:`kg.vocab.org_iri`), so "General Motors Corp",
"GM" and "U.S. General Motors" in different articles are different nodes. This module owns the corpus-wide step
that joins them, run at the end of ``kg ingest`` (and ``kg remove``) and by ``kg relink``, and ``kg unlink``, which
undoes it. It reuses the entity resolution of :mod:`kg.merge` (its entity reading, name keys, identifiers,
union-find and reified ``owl:sameAs`` links) and joins nodes only on evidence the texts give:

- **case and punctuation**: the same name up to case, dots and spacing (headline capitals, "U.S." / "US");
- **legal form**: the same name once trailing legal forms are folded ("Corp", "Inc", "Co", "Ltd", "plc", ...:
  ``ontology/mappings/names.json``), but never across the legal forms of different countries ("X GmbH", "X Inc":
  a company and its subsidiary abroad; ``legal_form_families``), and a name folded to one word ("Acme" beside "Acme
  Corp") only where documents give that word as the longer name's alias;
- **country prefix**: the same name once a leading "U.S." (the prefixes of ``ontology/mappings/identity.json``) is
  folded, unless two prefixes share the rest ("U.S. X", "U.K. X": a bare "X" could be either) or one word that is
  not an acronym is left ("U.S. Steel" is not "Steel");
- **acronym**: documents name the company with an acronym consistent with its initials, as the extractor records
  it ("Full Name Corp (FNC)" gives the alias FNC): the nodes called FNC elsewhere join it when at least two documents
  define it, no other company holds ``acronym_dominance`` of the definitions, and no other organization named in as
  many documents has those initials;
- the links ``kg merge`` drew: identifier links as given, name links unless the name fits two identifiers.

Two nodes are never joined when their clusters carry different identifiers (LEI, Wikidata QID, SEC CIK), when one
is a stated parent of the other, or when both have stated parents and none is shared; nor two entities of one merged
source graph. Within a group of names that fits nodes known to be different, nothing is joined. Every word list and
threshold is in ``identity.json``; the rules were tightened on joins checked by hand on the Reuters corpus.

The result lives in two derived graphs, replaced whole each time the step runs (so unlinking drops them and nothing
else): :func:`kg.vocab.identity_links_graph` holds the links (``kg:Link`` with ``kg:matchReason``, ``kg:matchScore``,
``kg:matchKey`` and up to ``evidence_graphs`` ``kg:dependsOn`` documents per end), and :func:`kg.vocab.identity_graph`
the table queries read: every organization's ``kg:canonical`` node (the member named in the most documents), and per
canonical node its display name (``skos:prefLabel``, :func:`display_name`), the other names (``skos:altLabel``, and
sorted in one ``kg:aliasList`` string), the
lower-cased names it is found by (``kg:nameKey``) and the number of documents naming any member
(``kg:documentCount``).
"""

from __future__ import annotations

import json
import re
import time
from collections import Counter, defaultdict
from collections.abc import Iterable
from dataclasses import dataclass, field
from functools import cache
from typing import Any

from pyoxigraph import Literal, NamedNode, Quad

from kg import vocab
from kg.merge import (
    IDENTIFIERS,
    Link,
    _Clusters,
    _entities,
    _is_entity_graph,
    _link_rows,
    _name_lists,
    _resolve_query,
    light_key,
    link_quads,
    mappings_dir,
    name_key,
    normalise_identifier,
)
from kg.store import GraphStore

_DOC_GRAPHS = vocab.GRAPH + "doc/"
_SOURCE_GRAPHS = vocab.GRAPH + "source/"
_XSD_INTEGER = NamedNode(vocab.XSD + "integer")


# --- the data file ------------------------------------------------------------------------------------------------
@dataclass(frozen=True)
class Settings:
    """The word lists and hyper-parameters of ``ontology/mappings/identity.json``."""

    markup: tuple[re.Pattern[str], ...]
    country_prefixes: tuple[tuple[str, ...], ...]
    country_prefix_min_tokens: int
    acronym_min_definitions: int
    families: dict[str, frozenset[str]]
    minor_family: float
    bare_min_aliases: int
    connectors: frozenset[str]
    acronym_min: int
    acronym_max: int
    dominance: float
    evidence_graphs: int
    scores: dict[str, float]


@cache
def settings() -> Settings:
    """The shipped settings (read once)."""
    data = json.loads(mappings_dir().joinpath("identity.json").read_text(encoding="utf-8"))
    return Settings(
        markup=tuple(re.compile(p) for p in data["wire_markup"]),
        country_prefixes=tuple(sorted((tuple(p.split()) for p in data["country_prefixes"]), key=len, reverse=True)),
        country_prefix_min_tokens=int(data["country_prefix_min_tokens"]),
        acronym_min_definitions=int(data["acronym_min_definitions"]),
        families={k: frozenset(v) for k, v in data["legal_form_families"].items()},
        minor_family=float(data["minor_family_share"]),
        bare_min_aliases=int(data["bare_word_min_alias_documents"]),
        connectors=frozenset(data["acronym_connectors"]),
        acronym_min=int(data["acronym_min_letters"]),
        acronym_max=int(data["acronym_max_letters"]),
        dominance=float(data["acronym_dominance"]),
        evidence_graphs=int(data["evidence_graphs"]),
        scores={k: float(v) for k, v in data["scores"].items()},
    )


# --- names ----------------------------------------------------------------------------------------------------------
@cache
def clean_name(form: str) -> str:
    """A name without wire markup (a ticker in angle brackets, a headline cut at "<") and with single spaces.

    >>> clean_name("ACME WIDGET CO <"), clean_name("Acme Widget Co <AWC>"), clean_name("Acme  Widget")
    ('ACME WIDGET CO', 'Acme Widget Co', 'Acme Widget')
    """
    s = form
    for pattern in settings().markup:
        s = pattern.sub(" ", s)
    return " ".join(s.split())


@cache
def fold_key(form: str) -> tuple[str, str]:
    """``(key, prefix)``: the form two names of one company share once case, punctuation, legal forms and a
    leading country prefix are folded, and the prefix folded ("" for none). A prefix is kept when what is left is
    one word that is not an acronym ("U.S. Steel" is not "Steel", "U.S. FDA" is "FDA").

    >>> fold_key("U.S. Widget Makers Corp"), fold_key("WIDGET MAKERS INC"), fold_key("U.K. Steel"), fold_key("U.S. WMA")
    (('widget makers', 'us'), ('widget makers', ''), ('uk steel', ''), ('wma', 'us'))
    """
    key = name_key(clean_name(form))
    tokens = key.split()
    s = settings()
    for prefix in s.country_prefixes:
        n = len(prefix)
        rest = tokens[n:]
        if tuple(tokens[:n]) == prefix and len(rest) >= s.country_prefix_min_tokens and not (
                len(rest) == 1 and acronym_letters(clean_name(form).split()[-1]) is None):
            return " ".join(rest), " ".join(prefix)
    return key, ""


def _bare(form: str) -> str:
    """:func:`kg.merge.light_key` of a form without its country prefix (legal forms kept)."""
    tokens = light_key(clean_name(form)).split()
    for prefix in settings().country_prefixes:
        if tuple(tokens[:len(prefix)]) == prefix:
            return " ".join(tokens[len(prefix):])
    return " ".join(tokens)


@cache
def legal_families(form: str) -> frozenset[str]:
    """The families (``legal_form_families``) of the legal forms a name ends with; empty for none.

    >>> sorted(legal_families("Acme Widget GmbH")), sorted(legal_families("Acme Widget Co Ltd")), legal_families("Acme")
    (['de'], ['uk'], frozenset())
    """
    words = light_key(clean_name(form)).split()
    fams = settings().families
    found: set[str] = set()
    tail: list[frozenset[str]] = []
    while len(words) > 1:
        last = words[-1]
        hits = frozenset(k for k, v in fams.items() if last in v)
        if not hits:
            break
        tail.append(hits)
        words.pop()
    if tail:
        found = set(tail[0])
        for hits in tail[1:]:
            found &= hits if found & hits else found
    return frozenset(found)


def _by_legal_family(group: dict[str, list[str]], docs: dict[str, int],
                     minor: float) -> list[dict[str, list[str]]]:
    """A group of names folded together, split by the countries of their legal forms ("X Plc", "X Corp").

    A node whose legal forms belong to one family only, named in fewer than ``minor`` of the group's documents
    ("X Ltd" once beside "X Inc" a hundred times: a subsidiary abroad), stays on its own. When two families remain,
    "X" and "X Co" could be either: each set of families joins only its own."""
    fams = {iri: frozenset().union(*(legal_families(f) for f in forms)) for iri, forms in group.items()}
    total = sum(docs[iri] for iri in group) or 1
    share: Counter[frozenset[str]] = Counter()
    for iri, f in fams.items():
        if len(f) == 1:
            share[f] += docs[iri]
    small = {f for f, n in share.items() if n < minor * total}
    alone = [{iri: forms} for iri, forms in group.items() if fams[iri] in small]
    rest = {iri: forms for iri, forms in group.items() if fams[iri] not in small}
    if len({f for f in share if f not in small}) < 2:
        return [rest, *alone]
    parts: dict[frozenset[str], dict[str, list[str]]] = defaultdict(dict)
    for iri, forms in rest.items():
        parts[fams[iri]][iri] = forms
    return [parts[k] for k in sorted(parts, key=sorted)] + alone


def _bare_names_with_evidence(key: str, group: dict[str, list[str]], nodes: dict[str, _Node],
                              alias_docs: dict[str, Counter[str]], dominance: float,
                              least: int) -> dict[str, list[str]]:
    """A group of nodes whose names fold to one word: the nodes named by that word alone ("Acme" beside "Acme
    Corp") stay in only when at least ``least`` documents give the word as an alias of the group's other nodes, and
    mostly of them (``dominance`` of the documents giving it as an alias of anything): the bare word may name
    another company, or a person."""
    bare = {iri for iri, forms in group.items() if all(len(light_key(clean_name(f)).split()) == 1 for f in forms)}
    full = set(group) - bare
    if not bare or not full:
        return group
    word = min(light_key(clean_name(f)) for iri in bare for f in group[iri])
    users = alias_docs.get(word, Counter())
    mine = sum(n for iri, n in users.items() if iri in full)
    if mine >= max(1, least) and mine >= dominance * sum(users.values()):
        return group
    return {iri: forms for iri, forms in group.items() if iri in full}


def _legal_forms() -> frozenset[str]:
    abbreviations, forms, _ = _name_lists()
    words = {w for f in forms for w in f}
    return frozenset(words | {k for k, v in abbreviations.items() if set(v) <= words})


def acronym_letters(form: str) -> str | None:
    """The letters of ``form`` when it reads as an acronym (capitals, maybe dotted: "FNC", "F.N.C."), else None."""
    s = clean_name(form).replace(".", "").replace("&", "")
    st = settings()
    if not s.isalpha() or not s.isupper() or not st.acronym_min <= len(s) <= st.acronym_max:
        return None
    return s


def is_acronym(acronym: str, name: str) -> bool:
    """Whether ``acronym`` is consistent with the initials of ``name``: each letter starts a word in turn (a word
    written in capitals may give several of its letters), connectors ("and", "of") may be skipped, and so may legal
    forms at the end.

    >>> is_acronym("FNC", "Full Name Corp"), is_acronym("FNCC", "Full Name Credit Corp")
    (True, True)
    >>> is_acronym("BOT", "Bureau of Trade"), is_acronym("BT", "Bureau of Trade"), is_acronym("XYZ", "Full Name Corp")
    (True, True, False)
    >>> is_acronym("ABC", "ABC Holdings Inc"), is_acronym("FN", "FN"), is_acronym("FN", "FN Commission")
    (False, False, False)
    """
    letters = acronym_letters(acronym)
    if letters is None:
        return False
    words = [w for w in re.split(r"[\s\-/]+", clean_name(name).replace(".", "")) if w and w != "&"]
    if len(words) < 2 and not (words and words[0].isupper() and words[0] != letters):
        return False
    if len(words) > 1 and any(w.upper() == letters for w in words):
        return False  # a name built on the acronym ("FN Commission") does not define it
    st = settings()
    legal = _legal_forms()
    skippable = [w.casefold() in st.connectors for w in words]
    # trailing legal forms may be skipped
    optional = list(skippable)
    i = len(words) - 1
    while i > 0 and words[i].casefold().rstrip(",") in legal:
        optional[i] = True
        i -= 1
    target = letters.upper()

    @cache
    def match(li: int, wi: int) -> bool:
        if wi == len(words):
            return li == len(target)
        w = words[wi]
        if optional[wi] and match(li, wi + 1):
            return True
        if li < len(target) and w[0].upper() == target[li]:
            if match(li + 1, wi + 1):
                return True
            if w.isupper() and len(w) > 1:  # a word in capitals gives its letters in turn ("ABC Holdings")
                k = 1
                while k < len(w) and li + k < len(target) and w[k] == target[li + k]:
                    k += 1
                    if match(li + k, wi + 1):
                        return True
        return False

    return match(0, 0)


def is_headline(form: str) -> bool:
    """A form written in headline capitals: every letter upper-case, and more than one word or a long word.

    >>> is_headline("ACME WIDGET CO"), is_headline("AWC"), is_headline("Acme Widget Co")
    (True, False, False)
    """
    s = clean_name(form)
    letters = [c for c in s if c.isalpha()]
    return bool(letters) and all(c.isupper() for c in letters) and (len(s.split()) > 1 or len(letters) > 5)


def display_name(forms: Counter[str]) -> str:
    """The name a person expects for a company given its forms and how many documents use each: the most frequent
    full form, wire markup stripped; headline capitals and acronyms of another form only when nothing else is known.
    Ties go to the form with lower-case letters, then to the one whose words start with capitals, then the longer,
    then the smaller in code-point order.

    >>> display_name(Counter({"ACME WIDGET CO <": 9, "Acme Widget Co": 4, "AWC": 20, "Acme Widget Co.": 1}))
    'Acme Widget Co'
    >>> display_name(Counter({"Acme-widget inc": 1, "Acme-Widget": 1}))
    'Acme-Widget'
    """
    counts: Counter[str] = Counter()
    for form, n in forms.items():
        cleaned = clean_name(form)
        if cleaned:
            counts[cleaned] += n
    if not counts:
        return next(iter(sorted(forms)), "")
    names = list(counts)
    full = [f for f in names if not is_headline(f)
            and not any(g != f and len(g.split()) > 1 and is_acronym(f, g) for g in names)]
    pool = full or [f for f in names if not is_headline(f)] or names
    return min(pool, key=lambda f: (-counts[f], f.upper() == f, -_capitalised(f), -len(f), f))


def _capitalised(form: str) -> float:
    """The share of a name's words that start with a capital ("Acme Widget Inc" 1.0, "Acme widget inc" 0.33)."""
    words = [w for w in form.split() if w[:1].isalpha()]
    return sum(w[0].isupper() for w in words) / len(words) if words else 0.0


# --- the store's organizations --------------------------------------------------------------------------------------
@dataclass
class _Node:
    """One organization IRI over every graph naming it."""

    iri: str
    labels: Counter[str] = field(default_factory=Counter)  # form -> documents labelling the node so
    aliases: dict[str, set[str]] = field(default_factory=dict)  # alias -> graphs giving it
    ids: dict[str, set[str]] = field(default_factory=lambda: defaultdict(set))
    docs: set[str] = field(default_factory=set)
    sources: set[str] = field(default_factory=set)  # merged source graphs holding the node


def _entity_rows(store: GraphStore) -> Iterable[tuple[str, str, str, str]]:
    """``(graph, organization, key, value)`` for every name and identifier of an organization in a document or
    merged graph (key: label, alias, lei, wikidata, sec-cik). A store that matches quad patterns itself is read
    pattern by pattern (4x faster than the SPARQL of :func:`kg.merge._entities` at 15k documents); any other
    through that SPARQL."""
    if type(store).quads_matching is GraphStore.quads_matching:  # e.g. a remote store: one query, not five scans
        for (g, iri), e in _entities(store, None).items():
            yield from ((g, iri, "label", v) for v in e.labels)
            yield from ((g, iri, "alias", v) for v in e.aliases)
            yield from ((g, iri, k, v) for k, vs in e.ids.items() for v in vs)
        return
    orgs: set[tuple[str, str]] = set()
    for q in store.quads_matching(None, vocab.term("rdf:type"), vocab.kg("Organization"), None):
        g = q.graph_name
        if isinstance(q.subject, NamedNode) and isinstance(g, NamedNode) and _is_entity_graph(g.value):
            orgs.add((g.value, q.subject.value))
    keys = (("label", vocab.term("rdfs:label")), ("alias", vocab.term("skos:altLabel")),
            ("lei", vocab.kg("lei")), ("wikidata", vocab.kg("wikidataId")), ("sec-cik", vocab.kg("secCik")))
    for key, predicate in keys:
        for q in store.quads_matching(None, predicate, None, None):
            g = q.graph_name
            if isinstance(g, NamedNode) and (g.value, q.subject.value) in orgs:
                value = q.object.value
                if key in IDENTIFIERS:
                    value = normalise_identifier(key, value) or ""
                if value:
                    yield g.value, q.subject.value, key, value


def _nodes(store: GraphStore) -> dict[str, _Node]:
    nodes: dict[str, _Node] = {}
    for g, iri, key, value in _entity_rows(store):
        node = nodes.get(iri)
        if node is None:
            node = nodes[iri] = _Node(iri)
        in_doc = g.startswith(_DOC_GRAPHS)
        if in_doc:
            node.docs.add(g)
        else:
            node.sources.add(g)
        if key == "label":
            node.labels[value] += 1 if in_doc else 0
        elif key == "alias":
            node.aliases.setdefault(value, set()).add(g)
        else:
            node.ids[key].add(value)
    return nodes


def _merge_links(store: GraphStore) -> dict[tuple[str, str], tuple[str, str, str]]:
    """Every resolution link: (links graph, link node) -> (a, b, reason)."""
    reasons = {(row["g"].value, row["link"].value): row["reason"].value
               for row in store.query(_resolve_query("link-reasons"))}  # type: ignore[union-attr]
    return {k: (a, b, reasons.get(k, "")) for k, (a, b, _) in _link_rows(store).items()}


def _parents(store: GraphStore) -> dict[str, set[str]]:
    out: dict[str, set[str]] = defaultdict(set)
    for row in store.query(_resolve_query("parents")):  # type: ignore[union-attr]
        out[row["child"].value].add(row["parent"].value)
    return out


class _NewsClusters(_Clusters):
    """:class:`kg.merge._Clusters` with what news adds: stated parents, and documents that may name two nodes of one
    company (only two entities of one merged source graph are different by construction)."""

    def __init__(self, parents: dict[str, set[str]]) -> None:
        super().__init__()
        self.stated = parents

    def _parent_roots(self, x: str) -> set[str]:
        return {self.find(p) for _, m in self.members.get(self.find(x), ()) for p in self.stated.get(m, ())}

    def contradicts(self, a: str, b: str) -> bool:
        ra, rb = self.find(a), self.find(b)
        if ra == rb:
            return False
        ia, ib = self.cluster_ids(a), self.cluster_ids(b)
        if any(ia.get(k) and ib.get(k) and not (ia[k] & ib[k]) for k in IDENTIFIERS):
            return True
        pa, pb = self._parent_roots(a), self._parent_roots(b)
        if rb in pa or ra in pb or (pa and pb and pa.isdisjoint(pb)):
            return True
        ga: dict[str, set[str]] = defaultdict(set)
        for g, iri in self.members.get(ra, ()):
            if g:
                ga[g].add(iri)
        return any(g and g in ga and iri not in ga[g] for g, iri in self.members.get(rb, ()))


# --- resolution -----------------------------------------------------------------------------------------------------
@dataclass(frozen=True)
class NewsIdentity:
    """What the identity step found: the links, and per canonical node its members."""

    links: tuple[Link, ...]
    #: canonical node -> its members (itself included)
    members: dict[str, tuple[str, ...]]
    #: canonical node -> display name
    names: dict[str, str]

    def canonical(self) -> dict[str, str]:
        """member -> canonical node, for every organization."""
        return {m: c for c, ms in self.members.items() for m in ms}


def _evidence(node: _Node, k: int) -> list[str]:
    return sorted(node.docs)[:k] if node.docs else sorted(node.sources)[:k]


def resolve_news(store: GraphStore) -> tuple[NewsIdentity, dict[str, _Node]]:
    """Find which organization nodes of the store name one company (see the module docstring)."""
    st = settings()
    nodes = _nodes(store)
    clusters = _NewsClusters(_parents(store))
    for iri in sorted(nodes):
        n = nodes[iri]
        clusters.add(iri, "", n.ids)
        for g in sorted(n.sources):
            clusters.add(iri, g, {})
    own = vocab.identity_links_graph().value
    # the links of kg merge (identifiers and names of external graphs), identifiers first; one that would put two
    # identifiers of a kind in one cluster is not followed (kg merge links a name to every node it fits)
    # identifiers first; a name link is not followed when the name also fits a node with another identifier
    key_ids: dict[str, dict[str, set[str]]] = defaultdict(lambda: defaultdict(set))
    for n in nodes.values():
        for form in n.labels:
            for k, v in n.ids.items():
                key_ids[fold_key(form)[0]][k] |= v

    def ambiguous(iri: str) -> bool:
        return any(len(v) > 1 for form in nodes[iri].labels for v in key_ids.get(fold_key(form)[0], {}).values())

    merged = [(a, b, r) for (g, _), (a, b, r) in _merge_links(store).items() if g != own and a in nodes and b in nodes]
    for a, b, reason in sorted(merged, key=lambda x: (x[2] not in IDENTIFIERS, x[0], x[1])):
        if reason not in IDENTIFIERS and (ambiguous(a) or ambiguous(b)):
            continue
        if not clusters.contradicts(a, b):
            clusters.union(a, b)

    links: dict[tuple[str, str], Link] = {}

    def size(iri: str) -> tuple[int, str]:
        return (-len(nodes[iri].docs), iri)

    def join(a: str, b: str, reason: str, key: str, evidence: Iterable[str]) -> bool:
        if a == b or clusters.find(a) == clusters.find(b) or clusters.contradicts(a, b):
            return False
        x, y = sorted((a, b))
        links[(x, y)] = Link(x, y, reason, st.scores[reason], key, tuple(sorted(set(evidence))))
        clusters.union(a, b)
        return True

    # 1. names folded: case and punctuation, legal forms, country prefixes
    alias_docs: dict[str, Counter[str]] = defaultdict(Counter)  # light key of an alias -> node -> documents
    for iri in sorted(nodes):
        for alias, graphs in nodes[iri].aliases.items():
            alias_docs[light_key(clean_name(alias))][iri] += len(graphs)
    by_key: dict[str, dict[str, list[str]]] = defaultdict(lambda: defaultdict(list))
    for iri in sorted(nodes):
        for form in sorted(nodes[iri].labels):
            key, _ = fold_key(form)
            if key:
                by_key[key][iri].append(form)
    groups: list[tuple[str, dict[str, list[str]]]] = []
    for key in sorted(by_key):
        group = by_key[key]
        prefixes = {fold_key(f)[1] for forms in group.values() for f in forms} - {""}
        if len(prefixes) <= 1:
            groups.append((key, group))
        else:  # "U.S. X" and "U.K. X": the bare "X" could be either; each prefix joins only its own
            for prefix in sorted(prefixes):
                groups.append((f"{prefix} {key}", {iri: forms for iri, forms in group.items()
                                                   if all(fold_key(f)[1] == prefix for f in forms)}))
    def _fold_group(key: str, group: dict[str, list[str]]) -> None:
        if len(group) < 2:
            return
        pooled: dict[str, set[str]] = defaultdict(set)
        for iri in group:
            for k, v in clusters.cluster_ids(iri).items():
                pooled[k] |= v
        if any(len(v) > 1 for v in pooled.values()):
            return  # the name fits nodes known to be different: do not guess
        if len(key.split()) == 1:
            group = _bare_names_with_evidence(key, group, nodes, alias_docs, st.dominance, st.bare_min_aliases)
            if len(group) < 2:
                return
        for part in _by_legal_family(group, {iri: len(nodes[iri].docs) for iri in group}, st.minor_family):
            _join_group(key, part)

    def _join_group(key: str, group: dict[str, list[str]]) -> None:
        if len(group) < 2:
            return
        hub, *rest = sorted(group, key=size)
        for other in rest:
            pairs = [(f, g) for f in group[hub] for g in group[other]]
            fa = set().union(*(legal_families(f) for f in group[hub]))
            fb = set().union(*(legal_families(g) for g in group[other]))
            if fa and fb and fa.isdisjoint(fb):
                continue  # "X GmbH" and "X Inc": a company and its subsidiary abroad
            if any(light_key(clean_name(f)) == light_key(clean_name(g)) for f, g in pairs):
                reason = "case"
            elif any(fold_key(f)[1] != fold_key(g)[1] for f, g in pairs):
                reason = "country-prefix"
                if len(key.split()) == 1 and not any(_bare(f) == _bare(g) for f, g in pairs):
                    continue  # one word left: only the very same name with and without the prefix ("U.S. X", "X")
            else:
                reason = "legal-form"
            evidence = _evidence(nodes[hub], st.evidence_graphs) + _evidence(nodes[other], st.evidence_graphs)
            join(hub, other, reason, key, evidence)

    for key, group in groups:
        _fold_group(key, group)

    # 2. acronyms a document defines for a company ("Full Name Corp (FNC)" -> the alias FNC)
    defined: dict[str, dict[str, set[str]]] = defaultdict(lambda: defaultdict(set))  # letters -> node -> graphs
    for iri in sorted(nodes):
        n = nodes[iri]
        for alias, graphs in n.aliases.items():
            letters = acronym_letters(alias)
            if letters and any(is_acronym(alias, label) for label in n.labels):
                defined[letters][iri] |= {g for g in graphs if g.startswith(_DOC_GRAPHS)} or graphs
    consistent: dict[str, list[str]] = defaultdict(list)  # nodes whose name has the initials of a defined acronym
    for iri in sorted(nodes):
        for form in nodes[iri].labels:
            words = clean_name(form).replace(".", "").split()
            initials = "".join(w[0] for w in words if w and w[0].isalpha()).upper()
            candidates = {letters for letters in defined if letters[0] == initials[:1]} if len(words) > 1 else set()
            for letters in candidates:
                if is_acronym(letters, form):
                    consistent[letters].append(iri)
    by_letters: dict[str, list[str]] = defaultdict(list)  # nodes labelled with just the acronym
    for iri in sorted(nodes):
        for form in nodes[iri].labels:
            letters = acronym_letters(form)
            if letters and letters in defined:
                by_letters[letters].append(iri)
                break
    for letters in sorted(defined):
        support: Counter[str] = Counter()
        for iri, graphs in defined[letters].items():
            support[clusters.find(iri)] += len(graphs)
        root, best = min(support.items(), key=lambda kv: (-kv[1], kv[0]))
        if best < st.dominance * sum(support.values()) or best < st.acronym_min_definitions:
            continue  # several companies share the acronym and none dominates, or one text alone says so
        if any(clusters.find(i) != root and len(nodes[i].docs) >= best for i in consistent.get(letters, ())):
            continue  # another organization, named as often as the acronym is defined, has those initials
        full = min((i for i in defined[letters] if clusters.find(i) == root), key=size)
        graphs = sorted(set().union(*(defined[letters][i] for i in defined[letters] if clusters.find(i) == root)))
        label = display_name(nodes[full].labels) if nodes[full].labels else full
        for short in by_letters.get(letters, ()):
            evidence = graphs[:st.evidence_graphs] + _evidence(nodes[short], st.evidence_graphs)
            join(full, short, "acronym", f"{letters} = {label}", evidence)

    members: dict[str, list[str]] = defaultdict(list)
    for iri in sorted(nodes):
        members[clusters.find(iri)].append(iri)
    out_members: dict[str, tuple[str, ...]] = {}
    names: dict[str, str] = {}
    for group in members.values():
        canonical = min(group, key=size)
        out_members[canonical] = tuple(sorted(group))
        forms: Counter[str] = Counter()
        for m in group:
            forms.update({f: max(1, c) for f, c in nodes[m].labels.items()})
        if not forms:
            forms = Counter({canonical.rsplit("/", 1)[-1]: 1})
        names[canonical] = display_name(forms)
    ordered = tuple(sorted(links.values(), key=lambda lk: (lk.a, lk.b)))
    return NewsIdentity(ordered, out_members, names), nodes


def _table_quads(identity: NewsIdentity, nodes: dict[str, _Node], graph: NamedNode,
                 others: dict[str, set[str]]) -> list[Quad]:
    canonical_p, count_p, key_p = vocab.kg("canonical"), vocab.kg("documentCount"), vocab.kg("nameKey")
    list_p = vocab.kg("aliasList")
    pref, alt = vocab.term("skos:prefLabel"), vocab.term("skos:altLabel")
    out: list[Quad] = []
    for c in sorted(identity.members):
        group = identity.members[c]
        node = NamedNode(c)
        name = identity.names[c]
        docs: set[str] = set()
        forms: set[str] = set()
        for m in group:
            out.append(Quad(NamedNode(m), canonical_p, node, graph))
            docs |= nodes[m].docs
            forms |= set(nodes[m].labels) | set(nodes[m].aliases)
        out.append(Quad(node, pref, Literal(name), graph))
        out.append(Quad(node, count_p, Literal(str(len(docs)), datatype=_XSD_INTEGER), graph))
        cleaned = {clean_name(f) for f in forms} - {name, ""}
        out += [Quad(node, alt, Literal(f), graph) for f in sorted(cleaned)]
        if cleaned:
            out.append(Quad(node, list_p, Literal(" | ".join(sorted(cleaned))), graph))
        keys = {f.casefold() for f in forms | cleaned | {name}}
        out += [Quad(node, key_p, Literal(k), graph) for k in sorted(keys) if k]
    for iri, names in sorted(others.items()):
        out += [Quad(NamedNode(iri), key_p, Literal(k), graph) for k in sorted({n.casefold() for n in names}) if k]
    return out


def _named(store: GraphStore) -> dict[str, set[str]]:
    """Models and programs with their names (the name index holds them beside the companies)."""
    out: dict[str, set[str]] = defaultdict(set)
    for row in store.query(_resolve_query("named")):  # type: ignore[union-attr]
        out[row["node"].value].add(row["name"].value)
    return out


@dataclass(frozen=True)
class IdentityReport:
    """What one run of the identity step wrote."""

    organizations: int
    companies: int
    links: int
    links_by_reason: dict[str, int]
    seconds: float

    def summary(self) -> str:
        reasons = ", ".join(f"{k} {v}" for k, v in sorted(self.links_by_reason.items())) or "none"
        return (f"identity: {self.organizations} organization node(s) as {self.companies} compan(y/ies), "
                f"{self.links} link(s) ({reasons})")  # no time: the line is the same on every run


def link_news(store: GraphStore) -> IdentityReport:
    """Run the identity step over the whole store and replace its two graphs with what it finds."""
    started = time.perf_counter()
    identity, nodes = resolve_news(store)
    links_graph, table_graph = vocab.identity_links_graph(), vocab.identity_graph()
    if identity.links:
        store.replace_graph(links_graph, link_quads(identity.links, links_graph))
    else:
        store.remove_graph(links_graph)
    others = _named(store)
    if nodes or others:
        store.replace_graph(table_graph, _table_quads(identity, nodes, table_graph, others))
    else:
        store.remove_graph(table_graph)
    by_reason: Counter[str] = Counter(lk.reason for lk in identity.links)
    return IdentityReport(organizations=len(nodes), companies=len(identity.members), links=len(identity.links),
                          links_by_reason=dict(by_reason), seconds=time.perf_counter() - started)


def unlink_news(store: GraphStore) -> int:
    """Remove what the identity step wrote (its links and table graphs), nothing else. Returns the links dropped."""
    links_graph = vocab.identity_links_graph()
    n = sum(1 for _ in store.quads_matching(None, vocab.term("rdf:type"), vocab.kg("Link"), links_graph))
    store.remove_graph(links_graph)
    store.remove_graph(vocab.identity_graph())
    return n


def identity_links(store: GraphStore) -> list[dict[str, Any]]:
    """The links of the identity step as rows (a, b, reason, score, key), for reports and hand checks."""
    rows = []
    for row in store.query(_resolve_query("identity-links")):  # type: ignore[union-attr]
        rows.append({k: row[k].value for k in ("a", "b", "reason", "score", "key")})
    return rows
