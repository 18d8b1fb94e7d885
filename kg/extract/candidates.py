"""Candidates: every span that might be an entity and every pair that might stand in a relation, with features.

Stage three of extraction (normalise -> recognise -> **candidates** -> decide -> assemble). Input is a processed
``Doc`` over the normalised text (:class:`kg.extract.normalise.Normalised`). This module proposes, generously:

- **mentions**: NER spans of the name labels, model and programme name shapes (``data/model_shapes.json``),
  capitalised runs ending in an organization head word, and proper-noun runs the NER missed;
- **names**: the mentions grouped by their normalised form, with features over all of them (NER labels, shape,
  head words, the words around, dependency roles, markup regions, document kind);
- **pairs**: for subsidiary edges (child, parent), investments (investor, money), developers (organization,
  model), base models (model, model) and organizers (organization, programme): the words between, the
  dependency path, cue words (``data/cues.json``) and their positions.

It decides nothing: :mod:`kg.extract.decide` scores what is proposed here with models trained on real text. Feature
names are strings (``"prev=the"``, ``"path=nsubj>acquire<dobj"``); the same functions build training examples
(:mod:`kg.extract.train`) and run at extraction time, so the two cannot drift apart.
"""

from __future__ import annotations

import json
import re
from bisect import bisect_right
from dataclasses import dataclass, field
from functools import cache, lru_cache
from pathlib import Path
from typing import Any

from spacy.tokens import Doc, Span, Token

from kg.extract.components import boilerplate_ranges
from kg.extract.lexicon import lexicon
from kg.extract.normalise import Normalised
from kg.extract.numbers import Money, find_money

DATA = Path(__file__).resolve().parent / "data"
NAME_LABELS = frozenset({"ORG", "PERSON", "GPE", "NORP", "FAC", "PRODUCT", "WORK_OF_ART", "EVENT", "LAW", "LOC",
                         "MODEL", "PROGRAM"})
_LEAD_DROP = frozenset({"the", "a", "an", "its", "their", "his", "her", "our", "this", "that"})
_PRONOUNS = frozenset({"it", "its", "itself"})
_CONNECT = frozenset({"&", "of", "de", "du", "der", "des", "la", "le", "y", "für"})
#: Characters of the document's start read as the context of ambiguous currencies (:func:`money_in`).
HEAD_CHARS = 4000


@cache
def cues() -> dict[str, tuple[frozenset[str], tuple[tuple[str, ...], ...]]]:
    """Cue groups: (single words, multi-word phrases as word tuples) per group of ``data/cues.json``."""
    raw = json.loads((DATA / "cues.json").read_text(encoding="utf-8"))
    out = {}
    for group, words in raw.items():
        if group.startswith("_"):
            continue
        singles = frozenset(w for w in words if " " not in w)
        phrases = tuple(tuple(w.split()) for w in words if " " in w)
        out[group] = (singles, phrases)
    return out


@dataclass
class Mention:
    """A candidate name span: clean-text characters ``[start, end)``, tokens ``[tstart, tend)``."""

    start: int
    end: int
    tstart: int
    tend: int
    text: str
    sources: set[str]
    ner: str | None
    sent: int


@dataclass
class Name:
    """All mentions of one normalised form in a document, the features over them and (after ``decide``) the
    probability of each entity class."""

    key: str
    mentions: list[Mention]
    features: dict[str, float] = field(default_factory=dict)
    probs: dict[str, float] = field(default_factory=dict)

    @property
    def text(self) -> str:
        """The most frequent written form (ties: the first)."""
        counts: dict[str, int] = {}
        for m in self.mentions:
            counts[m.text] = counts.get(m.text, 0) + 1
        return max(counts, key=lambda k: counts[k])

    @property
    def forms(self) -> list[str]:
        return list(dict.fromkeys(m.text for m in self.mentions))

    def label(self) -> str:
        return max(self.probs, key=lambda k: self.probs[k]) if self.probs else "NONE"


@dataclass
class Reading:
    """One document as every later stage sees it: the normalised text, the ``Doc``, sentences and regions."""

    doc: Doc
    norm: Normalised
    sents: list[Span]
    sent_starts: list[int]
    token_regions: list[frozenset[str]]
    boiler: list[tuple[int, int]]
    #: ``doc.text``, joined once (spaCy joins every token on each ``doc.text``: quadratic when read per sentence)
    text: str = ""
    #: the document's first clean characters, the context that decides ambiguous currencies ('francs', '¥'); a
    #: piece of a long text gets the head of the whole text
    head: str = ""
    mentions: list[Mention] = field(default_factory=list)
    names: dict[str, Name] = field(default_factory=dict)
    _sent_cues: dict[int, frozenset[str]] = field(default_factory=dict)
    #: name key -> keys of the longer names it starts ('nvidia' -> ['nvidia nemotron 3'])
    prefix_index: dict[str, list[str]] = field(default_factory=dict)
    #: token -> key of the first (longest) candidate name covering it
    token_name: dict[int, str] = field(default_factory=dict)

    def sentence_cues(self, si: int) -> frozenset[str]:
        """The cue groups (``data/cues.json``) whose words occur in sentence ``si`` (computed once)."""
        hit = self._sent_cues.get(si)
        if hit is None:
            words = [t.lower_ for t in self.sents[si]]
            hit = frozenset(g for g in cues() if _cue_hits(words, g))
            self._sent_cues[si] = hit
        return hit

    @property
    def markup(self) -> str:
        return self.norm.markup.value

    def sent_of(self, token_i: int) -> int:
        return bisect_right(self.sent_starts, token_i) - 1

    def in_boilerplate(self, char: int) -> bool:
        return any(a <= char < b for a, b in self.boiler)


def name_key(text: str) -> str:
    """The form names are grouped by: case, white space, hyphens and a possessive folded.

    >>> name_key("The Llama-3  model's"), name_key("TVX Broadcast Group Inc.")
    ('llama 3 model', 'tvx broadcast group inc')
    """
    s = text.casefold().replace("’", "'")
    s = re.sub(r"'s$", "", s)
    s = re.sub(r"^the\s+", "", s)
    s = re.sub(r"[\s\-_]+", " ", s)
    return s.strip(" .,;:'\"")


def read(doc: Doc, norm: Normalised, *, head: str | None = None) -> Reading:
    """A :class:`Reading` of ``doc`` (processed from ``norm.text``) with its mentions and names proposed.

    ``head`` is the start of the whole document when ``doc`` is one piece of it (default: the doc's own start)."""
    sents = list(doc.sents)
    regions: list[frozenset[str]] = []
    if norm.regions:
        spans = norm.regions
        for t in doc:
            regions.append(frozenset(k for a, b, k in spans if a <= t.idx < b))
    else:
        regions = [frozenset()] * len(doc)
    text = doc.text
    r = Reading(doc, norm, sents, [s.start for s in sents], regions, boilerplate_ranges(doc), text=text,
                head=text[:HEAD_CHARS] if head is None else head[:HEAD_CHARS])
    r.mentions = find_mentions(r)
    names: dict[str, Name] = {}
    for m in r.mentions:
        k = name_key(m.text)
        if not k:
            continue
        names.setdefault(k, Name(k, [])).mentions.append(m)
    r.names = names
    index: dict[str, list[str]] = {}
    for k in names:
        words = k.split()
        for j in range(1, len(words)):
            index.setdefault(" ".join(words[:j]), []).append(k)
    r.prefix_index = {k: v for k, v in index.items() if k in names}
    for m in r.mentions:
        for i in range(m.tstart, m.tend):
            r.token_name.setdefault(i, name_key(m.text))
    for n in names.values():
        n.features = name_features(r, n)
    return r


# ---- mentions -----------------------------------------------------------------------------------------------------

_ORG_RUN = None


@cache
def _org_suffix_re() -> re.Pattern[str]:
    lex = lexicon()
    heads = sorted({h for h in lex.org_heads | lex.legal_suffixes if len(h) > 1}, key=len, reverse=True)
    alt = "|".join(re.escape(h) for h in heads)
    legal = "|".join(re.escape(w) for w in sorted(lex.legal_suffixes, key=len, reverse=True))
    # a name's words never include a legal suffix: 'Acme Corp and Bolt Co' is two names
    word = rf"(?!(?i:{legal})\b)(?:[A-Z][\w&'’.-]*|[A-Z]{{2,}}|\d+[A-Za-z]*)"
    return re.compile(rf"(?<![\w-])(?:{word}\s+(?:(?:of|and|&|de|du|für|for)\s+)?){{1,6}}(?i:{alt})\b\.?")


def _trim(doc: Doc, start: int, end: int) -> tuple[int, int]:
    while start < end and (doc[start].lower_ in _LEAD_DROP or (doc[start].is_punct and doc[start].text != "(")):
        start += 1
    while end > start and (doc[end - 1].tag_ == "POS" or doc[end - 1].text in ("'s", "’s", "'", "’")
                           or doc[end - 1].lower_ in ("and", "or", "of", "&")
                           or (doc[end - 1].is_punct and doc[end - 1].text not in (")", "."))
                           or (doc[end - 1].text == "." and end - start == 1)):
        end -= 1
    if end > start and doc[start:end].text.count("(") != doc[start:end].text.count(")"):
        # a bracket left open: "Foo (Bar" -> "Foo"
        for i in range(start, end):
            if doc[i].text in ("(", ")"):
                end = i
                break
        while end > start and doc[end - 1].is_punct:
            end -= 1
    return start, end


def find_mentions(r: Reading) -> list[Mention]:
    """Candidate name spans from the NER, the name shapes and proper-noun runs, de-duplicated by span."""
    doc = r.doc
    lex = lexicon()
    found: dict[tuple[int, int], Mention] = {}
    ner_at: dict[int, str] = {}
    for ent in doc.ents:
        for i in range(ent.start, ent.end):
            ner_at[i] = ent.label_

    def add(ts: int, te: int, source: str, label: str | None = None) -> None:
        ts, te = _trim(doc, ts, te)
        if te <= ts:
            return
        span = doc[ts:te]
        text = span.text
        end_char = span.end_char
        if text.endswith(".") and not _ABBREV_END.search(text) and not re.fullmatch(r"(?:[A-Z]\.)+", text):
            text, end_char = text[:-1], end_char - 1  # a sentence's full stop glued to the last word
        if not re.search(r"[A-Za-z]", text) or len(text) > 80 or "\n" in text:
            return
        if r.in_boilerplate(span.start_char):
            return
        if "code" in r.token_regions[ts] and "code" in r.token_regions[te - 1] and source != "shape:model":
            return
        if span.sent.start != doc[te - 1].sent.start:
            return
        key = (ts, te)
        if key in found:
            found[key].sources.add(source)
            if label and not found[key].ner:
                found[key].ner = label
            return
        ner = label or (ner_at.get(ts) if ner_at.get(ts) == ner_at.get(te - 1) else None)
        found[key] = Mention(span.start_char, end_char, ts, te, text, {source}, ner, r.sent_of(ts))

    for ent in doc.ents:
        if ent.label_ in NAME_LABELS:
            add(ent.start, ent.end, f"ner:{ent.label_}", ent.label_)
    legal = lex.legal_suffixes
    for sent in r.sents:
        stext = sent.text
        base = sent.start_char
        for pattern, source in ((lex.model_re, "shape:model"), (lex.program_re, "shape:program"),
                                (_org_suffix_re(), "shape:org")):
            for m in pattern.finditer(stext):
                span = doc.char_span(base + m.start(), base + m.end(), alignment_mode="expand")
                if span is not None:
                    add(span.start, span.end, source)
        # proper-noun runs the NER did not cover
        i = sent.start
        while i < sent.end:
            t = doc[i]
            if t.pos_ == "PROPN" and not t.is_punct:
                j = i + 1
                while j < sent.end and (doc[j].pos_ == "PROPN" or (
                        doc[j].text in _CONNECT and j + 1 < sent.end and doc[j + 1].pos_ == "PROPN")
                        or (doc[j].text in ("-", ".") and not doc[j - 1].whitespace_ and j + 1 < sent.end
                            and doc[j + 1].pos_ in ("PROPN", "NUM"))):
                    j += 1
                if not any(ts <= i and j <= te for (ts, te) in found):
                    add(i, j, "propn")
                i = j
            else:
                i += 1
    # a word that is capitalised inside ('FROMAGe', 'BgGPT', 'BLIP') is a name by its shape even when the tagger
    # calls it a noun; the entity model decides what it names
    for t in doc:
        if t.is_alpha and len(t.text) > 1 and sum(c.isupper() for c in t.text[1:]) >= 1 and not t.like_url \
                and not any(ts <= t.i < te for (ts, te) in found):
            add(t.i, t.i + 1, "shape:caps")
    # 'its U.K. Subsidiary George Morton Ltd': a name may start after a descriptor the span swallowed
    for m in list(found.values()):
        if m.tend - m.tstart >= 3 and doc[m.tend - 1].lower_.strip(".") in legal:
            for k in (1, 2):
                if m.tend - m.tstart - k >= 2 and doc[m.tstart + k].text[:1].isupper():
                    add(m.tstart + k, m.tend, "trimmed")
    return sorted(found.values(), key=lambda m: (m.start, -m.end))


# ---- features -----------------------------------------------------------------------------------------------------


def _shape(text: str) -> str:
    s = re.sub(r"[A-Z]", "X", text)
    s = re.sub(r"[a-z]", "x", s)
    s = re.sub(r"\d", "d", s)
    return re.sub(r"(.)\1+", r"\1", s)[:12]


def _cue_hits(words: list[str], group: str) -> bool:
    singles, phrases = cues()[group]
    if any(w in singles for w in words):
        return True
    for ph in phrases:
        n = len(ph)
        for i in range(len(words) - n + 1):
            if tuple(words[i:i + n]) == ph:
                return True
    return False


@cache
def _generic_words() -> frozenset[str]:
    """Words a feature may name: our lexicon's and cue lists' vocabulary and English stop words. Any other proper
    noun is a name, and a feature never holds a name ('<name>' instead): the decisions learn how names are used,
    not which names the training texts held."""
    from spacy.lang.en.stop_words import STOP_WORDS

    lex = lexicon()
    words: set[str] = set(STOP_WORDS)
    for value in vars(lex).values():
        if isinstance(value, (frozenset, set, dict)):
            for item in value:
                if isinstance(item, str):
                    words.update(item.lower().split())
    for singles, phrases in cues().values():
        words.update(singles)
        for phrase in phrases:
            words.update(phrase)
    return frozenset(words)


@lru_cache(maxsize=1 << 16)
def _generic(w: str) -> bool:
    """Generic vocabulary: no letters, our word lists, or English (the stock lemmatizer's tables)."""
    from kg.extract.recognise import english_words, is_english

    return not any(c.isalpha() for c in w) or w in _generic_words() or is_english(w, english_words())


def feature_word(t: Token, *, lemma: bool = False) -> str:
    """``t`` as a feature word: its lower-case form (or lemma), or ``<name>`` for a proper noun or a word that is
    neither English nor in our vocabulary (a name, however it was tagged)."""
    w = t.lemma_.lower() if lemma else t.lower_
    if w in _generic_words() or (t.pos_ != "PROPN" and _generic(t.lower_)):
        return w
    return "<name>"


def name_word(w: str) -> str:
    """A word of a candidate name as a feature: kept when it is generic vocabulary ('group', 'holdings', 'lab'),
    English, or has no letters; ``<name>`` otherwise."""
    return w if _generic(w) else "<name>"


def name_features(r: Reading, n: Name) -> dict[str, float]:
    """Features of a name over all its mentions (at most 12): what it looks like and where it stands."""
    doc = r.doc
    lex = lexicon()
    f: dict[str, float] = {}
    text = n.text
    words = text.split()
    low = [w.lower().strip(".,'’") for w in words]
    mk = r.markup
    f["bias"] = 1.0
    f[f"markup={mk}"] = 1.0
    f[f"ntok={min(len(words), 5)}"] = 1.0
    f[f"shape={_shape(text)}"] = 1.0
    f[f"last={name_word(low[-1])}"] = 1.0
    f[f"first={name_word(low[0])}"] = 1.0
    if len(words) == 1:
        f[f"word={name_word(low[0])}"] = 1.0
    if any(c.isdigit() for c in text):
        f["digit"] = 1.0
        f[f"digit|{mk}"] = 1.0
    if text.isupper() and len(text) > 1:
        f["allcaps"] = 1.0
        f[f"allcaps_len={min(len(text), 6)}"] = 1.0
    if "-" in text:
        f["hyphen"] = 1.0
    if text[:1].islower():
        f["lowerstart"] = 1.0
    if any(c.islower() for c in text[1:]) and any(c.isupper() for c in text[1:]) and len(words) == 1:
        f["camel"] = 1.0
    if low[-1] in lex.legal_suffixes:
        f["legal_suffix"] = 1.0
    if low[-1] in lex.org_heads:
        f["org_head"] = 1.0
    if low[-1] in lex.institution_heads:
        f["institution_head"] = 1.0
    if words[-1] in lex.program_heads or low[-1] in lex.lowercase_program_heads:
        f["program_head"] = 1.0
    if low[-1] in lex.product_descriptors:
        f["product_head"] = 1.0
    if words[-1] in lex.model_tiers:
        f["model_tier"] = 1.0
    if text in lex.stop_names:
        f["stop_name"] = 1.0
    if text.lower() in lex.places:
        f["place"] = 1.0
    if any(w in lex.places for w in low):
        f["has_place"] = 1.0
    if text in lex.non_model_words:
        f["non_model_word"] = 1.0
    nm = len(n.mentions)
    f[f"count={min(nm, 4)}"] = 1.0
    ner_counts: dict[str, int] = {}
    ctx_count: dict[str, int] = {}
    considered = n.mentions[:12]
    for m in considered:
        seen_ctx: set[str] = set()
        for s in m.sources:
            seen_ctx.add(f"src={s}")
            seen_ctx.add(f"src={s}|{mk}")
        ner_counts[m.ner or "none"] = ner_counts.get(m.ner or "none", 0) + 1
        for kind in r.token_regions[m.tstart]:
            seen_ctx.add(f"region={kind}")
        if m.tstart == r.sents[m.sent].start:
            seen_ctx.add("sent_start")
        prev = doc[m.tstart - 1] if m.tstart > r.sents[m.sent].start else None
        nxt = doc[m.tend] if m.tend < r.sents[m.sent].end else None
        if prev is not None:
            seen_ctx.add(f"prev={feature_word(prev)}")
            seen_ctx.add(f"prevpos={prev.pos_}")
            if m.tstart - 2 >= r.sents[m.sent].start:
                seen_ctx.add(f"prev2={feature_word(doc[m.tstart - 2])}_{feature_word(prev)}")
            if prev.text == "(":
                seen_ctx.add("in_paren")
        else:
            seen_ctx.add("prev=<s>")
        if nxt is not None:
            seen_ctx.add(f"next={feature_word(nxt)}")
            seen_ctx.add(f"nextpos={nxt.pos_}")
            if m.tend + 1 < r.sents[m.sent].end:
                seen_ctx.add(f"next2={feature_word(nxt)}_{feature_word(doc[m.tend + 1])}")
            if nxt.text == "(" and m.tend + 2 < len(doc) and doc[m.tend + 1].is_upper and doc[m.tend + 2].text == ")":
                seen_ctx.add("acronym_follows")
        else:
            seen_ctx.add("next=</s>")
        root = doc[m.tstart:m.tend].root
        seen_ctx.add(f"dep={root.dep_}")
        # apposition and descriptors: 'X, Italy's stock market regulator', 'the carmaker X'
        for c in root.children:
            if c.dep_ == "appos" and not (m.tstart <= c.i < m.tend):
                seen_ctx.add(f"appos_head={feature_word(c, lemma=True)}")
                if c.lower_ in lex.org_descriptors or c.lemma_.lower() in lex.org_descriptors:
                    seen_ctx.add("appos_org_descriptor")
                if c.lower_ in lex.product_descriptors:
                    seen_ctx.add("appos_product_descriptor")
        if root.dep_ == "appos" and not (m.tstart <= root.head.i < m.tend):
            seen_ctx.add(f"appos_of={feature_word(root.head, lemma=True)}")
            if root.head.lower_ in lex.org_descriptors:
                seen_ctx.add("appos_of_org_descriptor")
        # in a list with other names: 'models such as A, B and C', 'A Corp and B Co'
        partners = [c for c in root.children if c.dep_ == "conj"] + ([root.head] if root.dep_ == "conj" else [])
        for c in partners:
            other = r.token_name.get(c.i)
            if other and other != n.key:
                om = r.names[other].mentions[0] if other in r.names else None
                if om is not None and (om.ner == "MODEL" or "shape:model" in om.sources):
                    seen_ctx.add("conj_with_model")
                if om is not None and (om.ner == "ORG" or "shape:org" in om.sources):
                    seen_ctx.add("conj_with_org")
        if prev is not None and prev.lower_ in lex.org_descriptors:
            seen_ctx.add("prev_org_descriptor")
        if prev is not None and prev.lower_ in lex.product_descriptors:
            seen_ctx.add("prev_product_descriptor")
        head = root.head
        if root.dep_ in ("nsubj", "nsubjpass", "dobj", "pobj", "poss", "compound", "appos", "conj", "attr"):
            seen_ctx.add(f"dephead={root.dep_}|{feature_word(head, lemma=True)}")
        if root.dep_ == "pobj":
            seen_ctx.add(f"prep={feature_word(head)}|{feature_word(head.head, lemma=True)}")
        window = [t.lower_ for t in doc[max(r.sents[m.sent].start, m.tstart - 3):m.tstart]]
        window_after = [t.lower_ for t in doc[m.tend:min(r.sents[m.sent].end, m.tend + 3)]]
        for group in ("person", "model", "method", "org", "unit"):
            if _cue_hits(window, group):
                seen_ctx.add(f"cue_before={group}")
            if _cue_hits(window_after, group):
                seen_ctx.add(f"cue_after={group}")
        for k in seen_ctx:
            ctx_count[k] = ctx_count.get(k, 0) + 1
    # a context seen at all weighs 0.5, and up to 1.0 as the share of the mentions that show it grows: a name
    # mentioned often is not judged by the union of everything around any one of its mentions
    for k, c in ctx_count.items():
        f[k] = 0.5 + 0.5 * c / len(considered)
    longer = r.prefix_index.get(n.key, ())
    if longer:
        f["prefix_of_longer_name"] = 1.0
        if any(r.names[k].mentions[0].ner == "MODEL" or "shape:model" in r.names[k].mentions[0].sources
               for k in longer):
            f["prefix_of_model_name"] = 1.0
    for label, c in ner_counts.items():
        f[f"ner={label}"] = 0.5 + 0.5 * c / len(considered)
        f[f"ner={label}|{mk}"] = 0.5 + 0.5 * c / len(considered)
        if c == nm:
            f[f"ner_all={label}"] = 1.0
    return f


# ---- pairs --------------------------------------------------------------------------------------------------------


@dataclass
class Pair:
    """A candidate relation instance between two spans of one sentence (token ranges), with features."""

    kind: str
    a: Any  # the first argument: a Name key, or a Money
    b: Any
    a_span: tuple[int, int]
    b_span: tuple[int, int]
    sent: int
    features: dict[str, float] = field(default_factory=dict)
    prob: float = 0.0
    via: str = ""


def _path(doc: Doc, a: Token, b: Token) -> tuple[str, Token | None]:
    """The dependency path from ``a`` up to the lowest common ancestor and down to ``b``: 'nsubj>acquire<dobj'."""
    up_a = [a]
    while up_a[-1].head.i != up_a[-1].i and len(up_a) < 12:
        up_a.append(up_a[-1].head)
    up_b = [b]
    while up_b[-1].head.i != up_b[-1].i and len(up_b) < 12:
        up_b.append(up_b[-1].head)
    ids_b = {t.i: k for k, t in enumerate(up_b)}
    lca_k = next((k for k, t in enumerate(up_a) if t.i in ids_b), None)
    if lca_k is None:
        return "nopath", None
    lca = up_a[lca_k]
    left = [up_a[k].dep_ for k in range(lca_k)]
    right = [up_b[k].dep_ for k in range(ids_b[lca.i])]
    if len(left) + len(right) > 6:
        return "long", lca
    mid = lca.lemma_.lower() if lca.i not in (a.i, b.i) else "="
    return ">".join(left) + f">{mid}<" + "<".join(reversed(right)), lca


def clause_role(t: Token) -> tuple[Token, str]:
    """The verb a name hangs on and how: climb from the name's head through prepositions and nouns ('the entire
    share capital of X', 'the sale of its X unit') to the first verb; the role is the dependency that reaches it,
    with the preposition when there is one ('dobj', 'nsubj', 'pobj:for')."""
    role = t.dep_
    prep = ""
    w = t
    for _ in range(6):
        if w.head.i == w.i:
            break
        if w.dep_ == "pobj" and not prep:
            prep = w.head.lower_
        up = w.head
        if up.pos_ in ("VERB", "AUX"):
            role = w.dep_ if w.dep_ != "prep" else f"pobj:{w.lower_}"
            if w.dep_ == "prep":
                prep = ""
            return up, role + (f":{prep}" if prep and not role.startswith("pobj") else "")
        w = up
    return w, role


def _modality(v: Token) -> list[str]:
    """Tense, auxiliaries, negation and a governing verb ('agreed to buy', 'plans to sell') of verb ``v``."""
    out = [f"tense={v.morph.get('Tense')[0] if v.morph.get('Tense') else 'none'}"]
    for c in v.children:
        if c.dep_ in ("aux", "auxpass") and c.lemma_.lower() in ("have", "will", "would", "may", "might", "could",
                                                                "be", "shall", "should", "can"):
            out.append(f"aux={c.lemma_.lower()}")
        if c.dep_ == "neg":
            out.append("neg")
    if v.dep_ in ("xcomp", "ccomp", "advcl") and v.head.i != v.i:
        out.append(f"gov={v.head.lemma_.lower()}")
    return out


def pair_features(r: Reading, a: tuple[int, int], b: tuple[int, int], prefix: str = "") -> dict[str, float]:
    """Features of the ordered pair (a, b) of token spans in one sentence: order, distance, words between,
    dependency path, cue groups before/between/after."""
    doc = r.doc
    f: dict[str, float] = {"bias": 1.0}
    first, second = (a, b) if a[0] <= b[0] else (b, a)
    order = "ab" if a[0] <= b[0] else "ba"
    f[f"order={order}"] = 1.0
    btw = doc[first[1]:second[0]] if first[1] <= second[0] else doc[0:0]
    n = len(btw)
    f[f"dist={n if n < 4 else '4-7' if n < 8 else '8-15' if n < 16 else '16+'}"] = 1.0
    bw = [feature_word(t) for t in btw]
    for w in bw[:14]:
        f[f"bw={w}"] = 1.0
    if n <= 6:
        f[f"bws={order}|{' '.join(bw)}"] = 1.0
    if n >= 1:
        f[f"bw_first={bw[0]}"] = 1.0
        f[f"bw_last={bw[-1]}"] = 1.0
    ra = doc[a[0]:a[1]].root
    rb = doc[b[0]:b[1]].root
    # a name in a list stands where the list stands: 'it bought A Co and B Ltd' reads B like A
    ca, cb = ra, rb
    while ca.dep_ == "conj" and ca.head.i != ca.i and not (b[0] <= ca.head.i < b[1]):
        ca = ca.head
    while cb.dep_ == "conj" and cb.head.i != cb.i and not (a[0] <= cb.head.i < a[1]):
        cb = cb.head
    if (ca, cb) != (ra, rb):
        f["via_conj"] = 1.0
    path, lca = _path(doc, ca, cb)
    f[f"path={path}"] = 1.0
    va, role_a = clause_role(ca)
    vb, role_b = clause_role(cb)
    f[f"arole={role_a}|{feature_word(va, lemma=True)}"] = 1.0
    f[f"brole={role_b}|{feature_word(vb, lemma=True)}"] = 1.0
    if va.i == vb.i:
        f[f"roles={role_a}|{role_b}"] = 1.0
        f[f"roles={role_a}|{role_b}|{feature_word(va, lemma=True)}"] = 1.0
        for m in _modality(va):
            f[f"mod={m}"] = 1.0
            f[f"mod={m}|{feature_word(va, lemma=True)}"] = 1.0
    else:
        for m in _modality(va):
            f[f"amod={m}"] = 1.0
    f[f"pathdeps={re.sub(r'>[^<>]*<', '><', path)}"] = 1.0
    if lca is not None:
        f[f"lca={feature_word(lca, lemma=True)}"] = 1.0
        f[f"lca_pos={lca.pos_}"] = 1.0
    f[f"adep={ra.dep_}"] = 1.0
    f[f"bdep={rb.dep_}"] = 1.0
    f[f"adep_head={ra.dep_}|{feature_word(ra.head, lemma=True)}"] = 1.0
    f[f"bdep_head={rb.dep_}|{feature_word(rb.head, lemma=True)}"] = 1.0
    si = r.sent_of(a[0])
    sent = r.sents[si]
    before = [feature_word(t) for t in doc[max(sent.start, first[0] - 4):first[0]]]
    after = [feature_word(t) for t in doc[second[1]:min(sent.end, second[1] + 4)]]
    for w in before[-2:]:
        f[f"before={w}"] = 1.0
    for w in after[:2]:
        f[f"after={w}"] = 1.0
    in_sentence = r.sentence_cues(si)
    for group in in_sentence:
        f[f"cue_sent={group}"] = 1.0
    for group in in_sentence:
        if _cue_hits(bw, group):
            f[f"cue_btw={group}"] = 1.0
        if _cue_hits(before, group):
            f[f"cue_before={group}"] = 1.0
        if _cue_hits(after, group):
            f[f"cue_after={group}"] = 1.0
    if "headline" in r.token_regions[a[0]]:
        f["headline"] = 1.0
    if prefix:
        f = {f"{prefix}{k}": v for k, v in f.items()}
    return f


def money_in(r: Reading, si: int) -> list[tuple[Money, tuple[int, int]]]:
    """Amounts of money in sentence ``si`` and their token spans."""
    sent = r.sents[si]
    out = []
    for m in find_money(sent.text, context=r.head):
        span = r.doc.char_span(sent.start_char + m.start, sent.start_char + m.end, alignment_mode="expand")
        if span is not None:
            out.append((m, (span.start, span.end)))
    return out


def money_features(r: Reading, money: Money, span: tuple[int, int]) -> dict[str, float]:
    """Features of one amount of money: the words around it, its syntax, the sentence's cues, its size."""
    doc = r.doc
    sent = r.sents[r.sent_of(span[0])]
    f: dict[str, float] = {"bias": 1.0, f"markup={r.markup}": 1.0, f"cur={money.currency}": 1.0}
    if money.currency != "USD":
        f["cur_not_usd"] = 1.0
    mag = money.amount
    band = '<1k' if mag < 1e3 else '<1m' if mag < 1e6 else '<100m' if mag < 1e8 else '<10b' if mag < 1e10 else 'big'
    f[f"mag={band}"] = 1.0
    if money.qualifier:
        f[f"qual={money.qualifier}"] = 1.0
    left = [feature_word(t) for t in doc[max(sent.start, span[0] - 5):span[0]]]
    right = [feature_word(t) for t in doc[span[1]:min(sent.end, span[1] + 5)]]
    for k, w in enumerate(reversed(left)):
        f[f"L{k + 1}={w}"] = 1.0
        f[f"Lbag={w}"] = 1.0
    for k, w in enumerate(right):
        f[f"R{k + 1}={w}"] = 1.0
        f[f"Rbag={w}"] = 1.0
    root = doc[span[0]:span[1]].root
    f[f"dep={root.dep_}"] = 1.0
    h = root.head
    f[f"head={feature_word(h, lemma=True)}"] = 1.0
    f[f"dephead={root.dep_}|{feature_word(h, lemma=True)}"] = 1.0
    if h.dep_ == "prep" or h.pos_ == "ADP":
        f[f"prep_head={feature_word(h)}|{feature_word(h.head, lemma=True)}"] = 1.0
    v = h
    steps = 0
    while v.pos_ not in ("VERB", "AUX") and v.head.i != v.i and steps < 5:
        v = v.head
        steps += 1
    f[f"verb={feature_word(v, lemma=True)}"] = 1.0
    in_sentence = r.sentence_cues(r.sent_of(span[0]))
    for group in ("invest", "not_invest", "acquire", "complete", "agree", "negation", "rumour", "stake", "unit"):
        if group not in in_sentence:
            continue
        f[f"cue_sent={group}"] = 1.0
        if _cue_hits(left + right, group):
            f[f"cue_near={group}"] = 1.0
    if "headline" in r.token_regions[span[0]]:
        f["headline"] = 1.0
    if any(t.ent_type_ == "ORG" for t in sent):
        f["sent_has_org"] = 1.0
    return f


# ---- entities and the pairs between them ---------------------------------------------------------------------------


@dataclass
class Entity:
    """Names decided to be one entity (assembled by :mod:`kg.extract.assemble`), and where the text names it:
    ``spans`` are its accepted mentions, ``refs`` the pronouns and descriptions ('it', 'the company') resolved to
    it; both as (first token, end token, sentence)."""

    id: int
    label: str
    names: list[Name]
    prob: float
    spans: list[tuple[int, int, int]] = field(default_factory=list)
    refs: list[tuple[int, int, int]] = field(default_factory=list)

    @property
    def forms(self) -> list[str]:
        out: dict[str, None] = {}
        for n in self.names:
            for f in n.forms:
                out.setdefault(f, None)
        return list(out)

    def places(self) -> list[tuple[int, int, int, str]]:
        """Every place the entity stands, named or referred to: (start, end, sentence, 'name'|'ref')."""
        return [(*s, "name") for s in self.spans] + [(*s, "ref") for s in self.refs]


def resolve_references(r: Reading, ents: list[Entity]) -> None:
    """Attach 'it', 'its' and 'the company' (the coreference nouns of the lexicon) to the organization they most
    likely mean: the subject of the clause that governs them, else the last organization that was a subject in
    the two sentences before, else the last organization named before them."""
    doc = r.doc
    lex = lexicon()
    owner: dict[int, Entity] = {}
    for e in ents:
        if e.label == "ORG":
            for ts, te, _ in e.spans:
                for i in range(ts, te):
                    owner[i] = e
    if not owner:
        return
    subjects: list[tuple[int, Entity]] = []  # (token, entity) of organizations that are subjects
    named: list[tuple[int, Entity]] = sorted((i, e) for i, e in owner.items())
    for i, e in named:
        if doc[i].dep_ in ("nsubj", "nsubjpass") or (doc[i].head.dep_ in ("nsubj", "nsubjpass")
                                                     and doc[i].dep_ == "compound"):
            subjects.append((i, e))
    for t in doc:
        low = t.lower_
        definite = low in lex.coref_nouns and t.i > 0 and doc[t.i - 1].lower_ == "the"
        if low not in _PRONOUNS and not definite:
            continue
        if t.i in owner:
            continue
        si = r.sent_of(t.i)
        target = _clause_subject(doc, t, owner)
        if target is None:
            first_of_sent = r.sents[si].start
            prior = [e for i, e in subjects if i < t.i and r.sent_of(i) >= si - 2 and (i < first_of_sent or i < t.i)]
            target = prior[-1] if prior else None
        if target is None:
            before = [e for i, e in named if i < t.i]
            target = before[-1] if before else None
        if target is not None:
            start = t.i - 1 if definite else t.i
            target.refs.append((start, t.i + 1, si))


def _clause_subject(doc: Doc, t: Token, owner: dict[int, Entity]) -> Entity | None:
    v = t.head
    for _ in range(4):
        while v.pos_ not in ("VERB", "AUX") and v.head.i != v.i:
            v = v.head
        for c in v.children:
            if c.dep_ in ("nsubj", "nsubjpass") and not (c.left_edge.i <= t.i <= c.right_edge.i):
                for i in range(c.left_edge.i, c.right_edge.i + 1):
                    if i in owner:
                        return owner[i]
        if v.head.i == v.i:
            return None
        v = v.head
    return None


def _by_sentence(ents: list[Entity], label: str) -> dict[int, list[tuple[Entity, tuple[int, int], str]]]:
    out: dict[int, list[tuple[Entity, tuple[int, int], str]]] = {}
    for e in ents:
        if e.label != label:
            continue
        for ts, te, si, how in e.places():
            out.setdefault(si, []).append((e, (ts, te), how))
    return out


def _prefix_of(short: str, long: str) -> bool:
    s, lg = name_key(short).split(), name_key(long).split()
    return len(s) < len(lg) and lg[: len(s)] == s


_UNIT_NOUN_RE = r"(?:unit|units|subsidiary|subsidiaries|division|divisions|arm|offshoot|business|operation|affiliate)"
_APPOS_UNIT_OF = re.compile(
    rf"^\s*,\s*(?:a|an|the|its)?\s*(?:[\w.&'-]+\s+){{0,4}}{_UNIT_NOUN_RE}\s+of\s*(?:the\s+)?$", re.I)
_OWNED_BY = re.compile(r"^\s*,?\s*(?:(?:a|an)\s+)?(?:(?P<pct>\d+(?:\.\d+)?)\s*(?:pct|%|percent|per cent)[- ]?)?"
                       r"(?:(?P<how>wholly|majority|fully|jointly)[- ]?)?owned\s+(?:subsidiary\s+)?(?:unit\s+)?by\s*$",
                       re.I)
_UNIT_THEN_NAME = re.compile(rf"^\s*'s\s+(?:[\w.&-]+\s+){{0,4}}{_UNIT_NOUN_RE}\s*,?\s*(?:the\s+)?$", re.I)
_ACQUIRE_LEMMAS = frozenset({"acquire", "buy", "purchase", "take"})
_SALE_LEMMAS = frozenset({"sell", "divest", "dispose", "spin", "transfer"})
_PARTIAL = frozenset({"stake", "pct", "percent", "%", "interest", "shares", "share", "minority", "assets", "holding",
                      "portion", "part", "equity", "stock"})
_NO_LONGER = frozenset({"longer", "never", "formerly", "once", "previously"})
_NOT_YET = frozenset({"agree", "plan", "seek", "expect", "propose", "intend", "want", "offer", "consider", "try",
                      "hope", "aim", "negotiate", "bid", "decline", "refuse", "fail"})


def subsidiary_rules(r: Reading, sa: tuple[int, int], sb: tuple[int, int]) -> set[str]:
    """Patterns for 'child sa is a direct unit of parent sb' (features; the precise ones also decide, see
    :func:`kg.extract.assemble`): 'its/Y's X unit', 'X, a unit of Y', 'X, (wholly) owned by Y', 'Y's unit, X',
    'Y acquired X' (completed, not 'agreed to')."""
    doc = r.doc
    out: set[str] = set()
    unit_nouns = lexicon().unit_nouns
    between = doc[sa[1]:sb[0]].text if sa[1] <= sb[0] else ""
    between_ba = doc[sb[1]:sa[0]].text if sb[1] <= sa[0] else ""
    possessed = sb[1] == sa[0] or (sb[1] + 1 == sa[0] and doc[sb[1]].tag_ == "POS") or (
        sb[1] < sa[0] <= sb[1] + 4 and (doc[sb[1]].tag_ == "POS" or doc[sb[0]].lower_ == "its")
        and all(not t.is_punct for t in doc[sb[1]:sa[0]]))
    unit_after = sa[1] < len(doc) and doc[sa[1]].lower_ in unit_nouns
    unit_before = sa[0] > 0 and doc[sa[0] - 1].lower_ in unit_nouns
    ca, cb = doc[sa[0]:sa[1]].root, doc[sb[0]:sb[1]].root
    while ca.dep_ == "conj" and ca.head.i != ca.i:
        ca = ca.head
    va, role_a = clause_role(ca)
    vb, role_b = clause_role(cb)
    mods_a = _modality(va)
    pending_a = (any(x.startswith("aux=") and x[4:] in ("will", "would", "may", "might", "could", "shall", "should")
                     for x in mods_a) or any(x.startswith("gov=") and x[4:] in _NOT_YET for x in mods_a)
                 or "neg" in mods_a)
    sold = va.lemma_.lower() in _SALE_LEMMAS and "tense=Past" in mods_a and not pending_a
    if possessed and (unit_after or unit_before) and not sold:
        out.add("possessive_unit")
    if sa[1] <= sb[0] and _APPOS_UNIT_OF.match(between):
        out.add("appos_unit_of")
    m = _OWNED_BY.match(between) if sa[1] <= sb[0] else None
    if m and (m.group("pct") is None or float(m.group("pct")) > 50):
        out.add("owned_by")
    if sb[1] <= sa[0] and _UNIT_THEN_NAME.match(between_ba):
        out.add("parent_unit_named")
    # 'GM's Opel and Saab': the second name of a possessed list is possessed too
    head = doc[sa[0]:sa[1]].root
    if head.dep_ == "conj":
        first = head.head
        while first.dep_ == "conj" and first.head.i != first.i:
            first = first.head
        left = first.left_edge.i
        if left >= 2 and doc[left - 1].tag_ == "POS" and sb[0] <= left - 2 < sb[1]:
            out.add("possessed_list")
    if sold:
        out.add("completed_sale_of_child")
    out |= _structural_unit_rules(doc, ca, cb, sa, sb)
    if va.i == vb.i and role_b == "nsubj" and role_a == "dobj" and va.lemma_.lower() in ("own", "control") \
            and "neg" not in mods_a:
        obj = next((c for c in va.children if c.dep_ == "dobj"), None)
        if obj is None or not ({t.lower_ for t in obj.subtree} & _PARTIAL):
            out.add("owns")
    if va.i == vb.i and role_b == "nsubj" and not pending_a and "tense=Past" in mods_a:
        lemma = va.lemma_.lower()
        obj = next((c for c in va.children if c.dep_ == "dobj"), None)
        words = {t.lower_ for t in obj.subtree} if obj is not None else set()
        partial = bool(words & _PARTIAL)
        if lemma in _ACQUIRE_LEMMAS and role_a == "dobj" and not partial:
            out.add("acquired")
        elif lemma in ("complete", "finish", "close") and role_a in ("dobj:of",) and not partial \
                and words & {"acquisition", "purchase", "takeover", "merger"}:
            out.add("completed_acquisition")
    return out


def _structural_unit_rules(doc: Doc, ca: Token, cb: Token, sa: tuple[int, int], sb: tuple[int, int]) -> set[str]:
    """Parent and unit nouns in the parse around child ``ca`` and parent ``cb`` (root tokens): 'X's owner Y',
    'X's parent company, Y', 'X, a Y unit', 'X, part of Y', 'Y, owner of X', 'Y, which owns X'."""
    lex = lexicon()
    out: set[str] = set()

    def parent_noun(t: Token) -> bool:
        lem = t.lemma_.lower()
        return lem in lex.parent_nouns or (t.pos_ == "NOUN" and any(
            c.dep_ in ("compound", "amod") and c.lemma_.lower() in lex.parent_modifiers for c in t.children))

    def inside(t: Token, span: tuple[int, int]) -> bool:
        return span[0] <= t.i < span[1]

    # 'X's owner Y', 'X's parent company, the Y': the child possesses a parent noun that names the parent
    if ca.dep_ == "poss" and parent_noun(ca.head) and not inside(ca.head, sb):
        n = ca.head
        if (cb.head.i == n.i and cb.dep_ in ("appos", "compound", "attr")) or (
                n.head.i == cb.i and n.dep_ in ("compound", "appos", "nmod")) or (
                n.dep_ == "nsubj" and cb.dep_ == "attr" and cb.head.i == n.head.i):
            out.add("child_names_its_owner")
    for c in ca.children:
        if c.dep_ != "appos" or inside(c, sb):
            continue
        # 'X, an Y unit', 'X, a Y subsidiary'
        if c.lower_ in lex.unit_nouns and cb.head.i == c.i and cb.dep_ in ("compound", "poss", "nmod", "amod"):
            out.add("appos_named_unit")
        # 'X, part of Y', 'X, a member of the Y group'
        if c.lemma_.lower() in lex.part_nouns:
            for prep in c.children:
                if prep.dep_ == "prep" and prep.lower_ == "of" and any(
                        g.dep_ == "pobj" and (g.i == cb.i or inside(g, sb)) for g in prep.children):
                    out.add("appos_part_of")
    for c in cb.children:
        # 'Y, owner of X', 'Y, the parent of X'
        if c.dep_ == "appos" and parent_noun(c) and c.left_edge.i <= ca.i <= c.right_edge.i and not inside(c, sa):
            words = {t.lower_ for t in c.subtree}
            pct = [float(t.text) for t in c.subtree if t.like_num and t.text.replace(".", "", 1).isdigit()]
            if not (words & _PARTIAL) or (pct and max(pct) > 50):
                out.add("parent_owner_of")
        # 'Y, which (also) owns X'
        if c.dep_ == "relcl" and c.lemma_.lower() in ("own", "control") and not any(
                x.dep_ == "neg" or (x.dep_ == "advmod" and {t.lower_ for t in x.subtree} & _NO_LONGER)
                for x in c.children):
            obj = next((x for x in c.children if x.dep_ == "dobj"), None)
            if obj is not None and obj.left_edge.i <= ca.i <= obj.right_edge.i and not (
                    {t.lower_ for t in obj.subtree} & _PARTIAL):
                out.add("relcl_owns")
    return out


def subsidiary_pairs(r: Reading, ents: list[Entity]) -> list[Pair]:
    """(child, parent) candidates: every ordered pair of distinct organizations named (or referred to) in one
    sentence."""
    out: list[Pair] = []
    for si, items in _by_sentence(ents, "ORG").items():
        for ea, sa, how_a in items:
            for eb, sb, how_b in items:
                if ea.id == eb.id or sa == sb:
                    continue
                f = pair_features(r, sa, sb)
                f[f"via={how_a}{how_b}"] = 1.0
                doc = r.doc
                # 'its X', 'Y's X', 'Y's chip unit X': the parent possesses the child
                if sb[1] == sa[0] or (sb[1] + 1 == sa[0] and doc[sb[1]].tag_ == "POS"):
                    f["parent_possesses_child"] = 1.0
                elif sb[1] < sa[0] <= sb[1] + 4 and (doc[sb[1]].tag_ == "POS" or doc[sb[0]].lower_ == "its") \
                        and all(not t.is_punct for t in doc[sb[1]:sa[0]]):
                    f["parent_possesses_child_near"] = 1.0
                if sa[1] < len(doc) and doc[sa[1]].lower_ in lexicon().unit_nouns:
                    f[f"child_then_unit={lexicon().unit_nouns[doc[sa[1]].lower_]}"] = 1.0
                for rule in subsidiary_rules(r, sa, sb):
                    f[f"rule={rule}"] = 1.0
                if any(_prefix_of(y, x) for x in ea.forms for y in eb.forms):
                    f["child_name_extends_parent"] = 1.0
                if any(_prefix_of(x, y) for x in ea.forms for y in eb.forms):
                    f["parent_name_extends_child"] = 1.0
                f[f"markup={r.markup}"] = 1.0
                out.append(Pair("subsidiary", ea.id, eb.id, sa, sb, si, f, via=how_a + how_b))
    return out


_ABBREV_END = re.compile(r"\b(?:Inc|Corp|Co|Ltd|Bhd|Pte|plc|Cos|Bros|Jr|St|U\.S|N\.V|S\.A|A\.G)\.$")
_MONEY_VERBS_PAY = frozenset({"buy", "acquire", "purchase", "pay", "invest", "spend", "offer", "bid", "inject",
                              "commit", "take", "fund", "contribute", "agree", "raise"})
_MONEY_VERBS_SELL = frozenset({"sell", "divest", "dispose", "transfer"})


def _verb_of(t: Token) -> Token:
    v = t
    for _ in range(6):
        if v.pos_ in ("VERB", "AUX") or v.head.i == v.i:
            break
        v = v.head
    return v


def _money_roles(r: Reading, money_span: tuple[int, int], org_span: tuple[int, int]) -> dict[str, float]:
    """Syntax between an amount and an organization of its sentence: is the organization the subject of the verb the
    amount hangs on (or of a verb above it: 'X said it agreed to buy Y for N'), its object, the party after 'to'
    ('sell Y to X for N') or after 'from'?"""
    doc = r.doc
    f: dict[str, float] = {}
    v = _verb_of(doc[money_span[0]:money_span[1]].root)
    lemma = v.lemma_.lower()
    kind = "pay" if lemma in _MONEY_VERBS_PAY else "sell" if lemma in _MONEY_VERBS_SELL else "other"
    inside = set(range(org_span[0], org_span[1]))
    chain = [v]
    w = v
    for _ in range(3):
        if w.dep_ in ("xcomp", "ccomp", "conj", "advcl", "relcl", "acl") and w.head.i != w.i:
            w = w.head
            chain.append(w)
        else:
            break
    for level, verb in enumerate(chain):
        for c in verb.children:
            span = set(range(c.left_edge.i, c.right_edge.i + 1))
            if c.dep_ in ("nsubj", "nsubjpass") and inside & span:
                f[f"org_subject_l{min(level, 2)}"] = 1.0
                f[f"org_subject|{kind}"] = 1.0
            elif c.dep_ in ("dobj", "attr") and inside & span and level == 0:
                f[f"org_object|{kind}"] = 1.0
            elif c.dep_ in ("prep", "dative", "agent") and c.lower_ in ("to", "from", "by", "with", "of", "in") \
                    and inside & span and level == 0:
                f[f"org_after_{c.lower_}|{kind}"] = 1.0
    f[f"money_verb={kind}"] = 1.0
    return f


def investment_pairs(r: Reading, ents: list[Entity]) -> tuple[list[Pair], list[Pair]]:
    """Money candidates (``money``: is this amount an investment?) and (investor, money) candidates: every
    organization named or referred to in the money's sentence, and -- for an amount whose sentence names none or
    only by 'it' -- the organizations of the two sentences before and of the headline."""
    moneys: list[Pair] = []
    investors: list[Pair] = []
    orgs = _by_sentence(ents, "ORG")
    salience = sorted((e for e in ents if e.label == "ORG"), key=lambda e: -(len(e.spans) + 0.5 * len(e.refs)))
    rank = {e.id: k for k, e in enumerate(salience)}
    for si in range(len(r.sents)):
        found = money_in(r, si)
        for k, (money, span) in enumerate(found):
            if r.in_boilerplate(r.doc[span[0]].idx):
                continue
            f = money_features(r, money, span)
            if k > 0 and found[k - 1][1][1] >= span[0] - 2:
                f["follows_money"] = 1.0  # "240 mln dlrs (US$...)": an equivalent, read after the first
            moneys.append(Pair("money", money, None, span, span, si, f))
            here = orgs.get(si, [])
            seen = {e.id for e, _, _ in here}
            for e, sp, how in here:
                pf = pair_features(r, sp, span)
                pf.update(_money_roles(r, span, sp))
                pf[f"via={how}"] = 1.0
                pf[f"rank={min(rank.get(e.id, 3), 3)}"] = 1.0
                for key in ("cue_sent=acquire", "cue_sent=invest", "cue_sent=not_invest"):
                    if key in f:
                        pf[key] = 1.0
                investors.append(Pair("investor", e.id, money, sp, span, si, pf, via=how))
            if any(how == "name" for _, _, how in here):
                continue
            # no organization named in the sentence: look back (and at the headline)
            for sj in sorted({max(si - 1, 0), max(si - 2, 0), 0} - {si}):
                for e, sp, how in orgs.get(sj, []):
                    if e.id in seen:
                        continue
                    seen.add(e.id)
                    pf = {"bias": 1.0, "other_sentence": 1.0, f"back={min(si - sj, 3)}": 1.0,
                          f"rank={min(rank.get(e.id, 3), 3)}": 1.0, f"via={how}": 1.0,
                          f"odep={r.doc[sp[0]:sp[1]].root.dep_}": 1.0}
                    if "headline" in r.token_regions[sp[0]]:
                        pf["in_headline"] = 1.0
                    investors.append(Pair("investor", e.id, money, sp, span, si, pf, via="back"))
    return moneys, investors


def developer_pairs(r: Reading, ents: list[Entity]) -> list[Pair]:
    """(organization, model) candidates over the whole document, with the features of the closest sentence they
    share (if any) and document features: the organization's name in front of the model's, its salience."""
    orgs = [e for e in ents if e.label == "ORG"]
    models = [e for e in ents if e.label == "MODEL"]
    if not orgs or not models:
        return []
    salience = {e.id: len(e.spans) + 0.5 * len(e.refs) for e in orgs}
    ranked = sorted(salience, key=lambda k: -salience[k])
    rules = developer_rules(r, orgs, models)
    out: list[Pair] = []
    for m in models:
        for o in orgs:
            f: dict[str, float] = {"bias": 1.0, f"markup={r.markup}": 1.0}
            for rule in rules.get((o.id, m.id), ()):
                f[f"rule={rule}"] = 1.0
            rank = ranked.index(o.id)
            f[f"org_rank={min(rank, 3)}"] = 1.0
            if len(orgs) == 1:
                f["only_org"] = 1.0
            if any(_prefix_of(x, y) for x in o.forms for y in m.forms):
                f["org_prefixes_model"] = 1.0
            if any(name_key(y).startswith(name_key(x).split()[0]) for x in o.forms for y in m.forms if x):
                f["model_starts_with_org_word"] = 1.0
            shared = [(sa, sb, si) for (sa0, sa1, si) in o.spans for (sb0, sb1, sj) in m.spans
                      if si == sj for sa, sb in [((sa0, sa1), (sb0, sb1))]]
            if shared:
                sa, sb, si = min(shared, key=lambda x: abs(x[0][0] - x[1][0]))
                f.update(pair_features(r, sa, sb, prefix="s_"))
                f[f"shared={min(len(shared), 3)}"] = 1.0
            else:
                sa, sb, si = o.spans[0][:2], m.spans[0][:2], m.spans[0][2]
                f["no_shared_sentence"] = 1.0
            if any("headline" in r.token_regions[ts] or "heading" in r.token_regions[ts] for ts, _, _ in o.spans):
                f["org_in_title"] = 1.0
            if r.sents and o.spans[0][2] == 0:
                f["org_in_first_sentence"] = 1.0
            out.append(Pair("developer", o.id, m.id, sa, sb, si, f))
    return out


_RELEASE_LEMMAS = frozenset({"release", "develop", "create", "train", "build", "make", "introduce", "publish",
                             "open-source", "launch", "unveil", "announce", "pretrain", "design"})


def developer_rules(r: Reading, orgs: list[Entity], models: list[Entity]) -> dict[tuple[int, int], set[str]]:
    """High-precision developer patterns (kept as decisions on top of the model): the organization's name in front
    of the model's ('NVIDIA Nemotron 3', 'Acme-Coder-7B'), a possessive ('Acme's Zephyr'), an agent ('Zephyr,
    developed by Acme'), a subject that releases it ('Acme released Zephyr')."""
    doc = r.doc
    out: dict[tuple[int, int], set[str]] = {}
    org_at: dict[int, Entity] = {}
    for o in orgs:
        for ts, te, _ in o.spans:
            for i in range(ts, te):
                org_at[i] = o
    for m in models:
        for o in orgs:
            for x in o.forms:
                for y in m.forms:
                    xl, yl = x.lower(), y.lower()
                    if len(xl) > 1 and yl.startswith(xl + " ") and len(yl) > len(xl) + 1:
                        out.setdefault((o.id, m.id), set()).add("brand_prefix")
                    elif len(xl) > 1 and yl.startswith(xl + "-") and len(yl) > len(xl) + 1:
                        out.setdefault((o.id, m.id), set()).add("brand_prefix_fused")
        for ts, _te, _si in m.spans:
            if ts >= 2 and doc[ts - 1].tag_ == "POS" and (ts - 2) in org_at:
                out.setdefault((org_at[ts - 2].id, m.id), set()).add("possessive")
            root = doc[ts:te].root
            v = root.head
            if root.dep_ in ("nsubjpass", "appos", "nsubj", "acl") or v.dep_ == "acl":
                verbs = [v] + ([v.head] if v.dep_ in ("acl", "relcl") else [])
                for verb in verbs:
                    if verb.lemma_.lower() not in _RELEASE_LEMMAS:
                        continue
                    for c in verb.children:
                        if c.dep_ == "agent" or (c.dep_ == "prep" and c.lower_ == "by"):
                            for g in c.children:
                                if g.dep_ == "pobj" and g.i in org_at:
                                    out.setdefault((org_at[g.i].id, m.id), set()).add("by_agent")
            # the organization is the subject of a releasing verb whose object holds the model
            w = root
            for _ in range(4):
                if w.dep_ in ("dobj", "attr", "oprd") and w.head.lemma_.lower() in _RELEASE_LEMMAS:
                    for c in w.head.children:
                        if c.dep_ == "nsubj":
                            for i in range(c.left_edge.i, c.right_edge.i + 1):
                                if i in org_at:
                                    out.setdefault((org_at[i].id, m.id), set()).add("subject_releases")
                                    break
                    break
                if w.head.i == w.i:
                    break
                w = w.head
    return out


_BASED_ON = re.compile(r"\b(?:based on|based upon|built on(?: top of)?|built upon|fine-?tuned (?:from|on)|"
                       r"finetuned (?:from|on)|distilled (?:from|on)|derived from|trained from|"
                       r"initiali[sz]ed (?:from|with)|a (?:new )?version of|a variant of|variant of|an upgrade of|"
                       r"successor to|derivative of|on top of)\b", re.I)


def model_pairs(r: Reading, ents: list[Entity]) -> list[Pair]:
    """(model, base model) candidates: ordered pairs of distinct models in one sentence."""
    out = []
    for si, items in _by_sentence(ents, "MODEL").items():
        for ea, sa, _ in items:
            for eb, sb, _ in items:
                if ea.id != eb.id and sa != sb:
                    f = pair_features(r, sa, sb)
                    if any(_prefix_of(y, x) for x in ea.forms for y in eb.forms):
                        f["child_name_extends_parent"] = 1.0
                    if sa[1] <= sb[0]:
                        between = r.doc[sa[1]:sb[0]].text
                        m = _BASED_ON.search(between)
                        others = [s for _, s, _ in items if sa[1] <= s[0] and s[1] <= sb[0]]
                        if m and not others and len(between) < 120:
                            f[f"rule=based_on_{'near' if len(between) < 40 else 'far'}"] = 1.0
                    out.append(Pair("based_on", ea.id, eb.id, sa, sb, si, f))
    return out


def organizer_pairs(r: Reading, ents: list[Entity]) -> list[Pair]:
    """(organization, programme) candidates in one sentence, and an organization whose name starts the
    programme's name."""
    out = []
    orgs = _by_sentence(ents, "ORG")
    for si, items in _by_sentence(ents, "PROGRAM").items():
        for ep, sp, _ in items:
            for eo, so, how in orgs.get(si, []):
                f = pair_features(r, so, sp)
                f[f"via={how}"] = 1.0
                if any(_prefix_of(x, y) for x in eo.forms for y in ep.forms):
                    f["org_prefixes_program"] = 1.0
                out.append(Pair("organizer", eo.id, ep.id, so, sp, si, f))
    return out
