"""Our spaCy pipeline components, registered with ``@Language.factory``.

- ``kg_paragraphs`` (before the parser): a line break always starts a new sentence (headlines, datelines).
- ``kg_hygiene`` (after the NER): marks boilerplate lines (photo captions, copyright lines, syndication notes,
  non-English disclaimers) in ``doc.user_data["kg_boilerplate"]`` so they produce no facts.
- ``kg_entities`` (after the NER): corrects and completes the entities by context. It adds ``MODEL`` and
  ``PROGRAM`` spans (name shapes from ``data/model_shapes.json``), turns names into ``ORG`` when the context says
  they are organizations (descriptors such as "food delivery service X", "X Lab", "X Cloud", coordination with
  an organization, a non-place GPE in an organization's slot), drops tech acronyms and products, and spreads a
  decision to every mention of the same name in the document.

Only this package imports spaCy. Word lists come from :mod:`kg.extract.lexicon`.
"""

from __future__ import annotations

import re

from spacy.language import Language
from spacy.tokens import Doc, Span
from spacy.util import filter_spans

from kg.extract.lexicon import lexicon, org_key
from kg.extract.numbers import find_money

BOILER_KEY = "kg_boilerplate"
_CAP = re.compile(r"^(?:[A-Z0-9]|[a-z][A-Z])")
DATELINE_KEY = "kg_datelines"
# "OSLO, May 2 (Reuters) - ", "LIMA (Andina) -- ", "NAIROBI, Feb 3 (KNA) ", "LYON, France--(BUSINESS WIRE)--":
# upper-case place, optional region or country, optional date,
# optional agency in brackets, optional dash; the body starts with a capital letter
_DATELINE = re.compile(
    r"^\s*(?:[A-Z][A-Z.'-]+\s?)+(?:,\s*[A-Z][a-z]+\.?(?=\s*(?:--|—|–|\(|,)))?(?P<date>,\s*[A-Z][a-z]{2,8}\.?\s+\d{1,2})?"
    r"(?:\s*(?:--|—|–)?\s*(?P<agency>\([A-Za-z][\w .&/-]{0,30}\)))?\s*(?P<dash>--|-|—|–)?\s*(?=[A-Z\"“])"
)
_LETTER_NAMED = frozenset({"series", "round", "class", "phase", "tier", "grade", "type", "plan", "schedule", "block"})
_SCALE_AFTER = re.compile(r"^\s?(?:billion|million|trillion|crore|lakh|bn|mn|per cent|percent|%)", re.IGNORECASE)


def hyphen_word(doc: Doc, i: int) -> str:
    """The lower-case word ending at token ``i``, re-joined over hyphens: 'start-up', 'spin-off'."""
    if i >= 2 and doc[i - 1].text == "-" and not doc[i - 1].whitespace_ and not doc[i - 2].whitespace_:
        return f"{doc[i - 2].lower_}-{doc[i].lower_}"
    return doc[i].lower_


def boilerplate_ranges(doc: Doc) -> list[tuple[int, int]]:
    """Character ranges of boilerplate lines (set by ``kg_hygiene``)."""
    return [tuple(x) for x in doc.user_data.get(BOILER_KEY, [])]


def in_boilerplate(doc: Doc, char: int) -> bool:
    return any(a <= char < b for a, b in boilerplate_ranges(doc))


@Language.factory("kg_paragraphs")
def make_paragraphs(nlp: Language, name: str) -> ParagraphSentences:
    return ParagraphSentences()


class ParagraphSentences:
    """A token after a line break starts a sentence; the parser decides the rest. A dateline ("CITY, Month Day
    (Agency) -") is a sentence of its own, and its range is kept in ``doc.user_data["kg_datelines"]``."""

    def __call__(self, doc: Doc) -> Doc:
        starts = set()
        datelines = []
        by_char = {t.idx: t.i for t in doc}
        pos = 0
        for line in doc.text.split("\n"):
            m = _DATELINE.match(line)
            if m and (m.group("dash") or (m.group("agency") and m.group("date"))) and pos + m.end() in by_char:
                i = by_char[pos + m.end()]
                if i > 0:
                    doc[i].is_sent_start = True
                    starts.add(i)
                    datelines.append([pos, pos + m.end()])
            pos += len(line) + 1
        doc.user_data[DATELINE_KEY] = datelines
        for i in range(1, len(doc)):
            prev = doc[i - 1]
            if "\n" in prev.whitespace_ or ("\n" in prev.text and prev.is_space) or prev.text == ";":
                doc[i].is_sent_start = True
                starts.add(i)
            elif i - 1 in starts and not doc[i].is_space and not doc[i].is_punct and not doc[i - 1].is_space:
                doc[i].is_sent_start = False  # the second word of a line never starts a sentence
            elif prev.is_space and "\n" not in prev.text:
                continue
            elif re.fullmatch(r"[A-Z]\.", prev.text) and i >= 2 and doc[i - 2].lower_ in _LETTER_NAMED \
                    and doc[i].is_title and not re.fullmatch(r"[A-Z]\.", doc[i].text):
                doc[i].is_sent_start = True  # "closed a $12M Series A. Saltfleet led the round"
        return doc


@Language.factory("kg_hygiene")
def make_hygiene(nlp: Language, name: str) -> Hygiene:
    return Hygiene()


class Hygiene:
    """Marks boilerplate lines: caption, copyright, syndication, call-to-action and non-English lines."""

    def __init__(self) -> None:
        self.patterns = lexicon().boilerplate

    def is_boilerplate(self, line: str) -> bool:
        if not line.strip():
            return False
        letters = [c for c in line if c.isalpha()]
        if letters and sum(1 for c in letters if ord(c) > 0x2FF) / len(letters) > 0.3:
            return True
        return any(p.search(line) for p in self.patterns)

    def __call__(self, doc: Doc) -> Doc:
        ranges = []
        pos = 0
        for line in doc.text.split("\n"):
            if self.is_boilerplate(line):
                ranges.append([pos, pos + len(line)])
            pos += len(line) + 1
        doc.user_data[BOILER_KEY] = ranges
        return doc


@Language.factory("kg_entities")
def make_entities(nlp: Language, name: str) -> EntityFixer:
    return EntityFixer()


_NER_NAME_LABELS = {"ORG", "PERSON", "GPE", "LOC", "PRODUCT", "NORP", "WORK_OF_ART", "LAW", "EVENT", "FAC"}
_KEEP_LABELS = {"PERSON", "GPE", "LOC", "NORP", "DATE", "TIME", "MONEY", "PERCENT", "CARDINAL", "ORDINAL",
                "QUANTITY", "EVENT", "FAC", "LAW", "LANGUAGE", "WORK_OF_ART"}
_LEADING_DROP = {"the", "a", "an", "its", "their", "his", "her", "our"}


_RELEASE_VERBS = frozenset({"release", "launch", "unveil", "develop", "train", "build", "open-source", "publish"})

class EntityFixer:
    """Context rules that correct the trained NER for organizations, models and programmes."""

    def __init__(self) -> None:
        self.lex = lexicon()

    # ---- helpers -------------------------------------------------------------------------------------------
    def _trim(self, doc: Doc, start: int, end: int) -> tuple[int, int]:
        """Drop a leading determiner/dateline and a trailing possessive or punctuation."""
        while start < end and (doc[start].lower_ in _LEADING_DROP or doc[start].is_punct
                               or (doc[start].text in self.lex.sentence_starters and end - start > 1)):
            start += 1
        if start < end and doc[start:end].text.lower() in self.lex.places:
            return start, start
        while end > start and (doc[end - 1].tag_ == "POS" or doc[end - 1].text in ("'s", "’s", "'", "’")
                               or doc[end - 1].lower_ in ("and", "or")
                               or (doc[end - 1].is_punct and doc[end - 1].text not in (")",))):
            end -= 1
        # dateline: "OSLO - Expecting ..." : keep what follows the dash only if it is a name
        for i in range(start, end):
            if doc[i].text in ("-", "–", "—") and doc[i].whitespace_ and i > start and doc[start:i].text.isupper():
                    return i + 1, i + 1  # a dateline swallowed into a name: drop the whole span
        return start, end

    def _name_run(self, doc: Doc, i: int, limit: int) -> int:
        """End of a run of name tokens starting at ``i`` (capitalised or proper-noun tokens)."""
        j = i
        while j < limit:
            t = doc[j]
            if j > i and (t.is_sent_start or (doc[j - 1].text.endswith(".") and len(doc[j - 1]) <= 2)):
                break
            if _CAP.match(t.text) and not t.is_punct and t.text not in self.lex.stop_names - {"AI"}:
                j += 1
                continue
            if j > i and t.tag_ in ("NNP", "NNPS") and t.is_alpha:
                j += 1
                continue
            # "QX nova": a lower-case word right after a short upper-case acronym
            if (j == i + 1 and doc[i].is_upper and len(doc[i]) <= 3 and t.is_alpha and t.is_lower
                    and t.tag_ == "NN" and t.lower_ not in self.lex.org_descriptors
                    and t.lower_ not in self.lex.product_descriptors and t.lower_ not in self.lex.unit_nouns):
                j += 1
                continue
            if j > i and t.text in ("&", "-") and j + 1 < limit and _CAP.match(doc[j + 1].text) and (
                t.text == "&" or (not t.whitespace_ and not doc[j - 1].whitespace_)
            ):
                j += 1
                continue
            break
        return j

    def _is_product_context(self, doc: Doc, start: int, end: int) -> bool:
        """'the Pixie assistant', 'X operating system', 'X, the consumer assistant'."""
        lex = self.lex
        if end < len(doc) and doc[end].lower_ in ("model", "models") and any(
            ent.label_ == "ORG" and ent.start <= start < ent.end for ent in doc.ents
        ):
            return False  # "Zentra models": models by an organization
        if end < len(doc):
            nxt = doc[end].lower_
            two = doc[end:end + 2].text.lower()
            if (nxt in lex.product_descriptors or two in lex.product_descriptors or nxt in lex.hardware_words) \
                    and nxt not in lex.org_heads:
                return True
        if end + 1 < len(doc) and doc[end].text == ",":
            k = end + 1
            if doc[k].lower_ in ("the", "a", "an", "its", "their"):
                for j in range(k + 1, min(k + 6, len(doc))):
                    if doc[j].is_punct:
                        break
                    if doc[j].pos_ == "NOUN" and j + 1 < len(doc) and doc[j + 1].pos_ != "NOUN":
                        if doc[j].lower_ in lex.product_descriptors and doc[j].lower_ not in lex.org_descriptors:
                            return True
                        break
        return False

    def _acts_as_org(self, doc: Doc, start: int, end: int) -> bool:
        """A model-shaped name ("X Vision", "X Pro") that the context makes an organization: a unit noun right
        after it or after the name it is coordinated with ("its A and X Vision units"), or the subject of a
        releasing verb with an object ("the model that X Vision released", "X Vision trained Y")."""
        lex = self.lex
        if end < len(doc) and doc[end].lower_ in lex.unit_nouns and doc[end].lower_ not in lex.product_descriptors:
            return True
        root = doc[start:end].root
        if root.dep_ != "nsubj" or root.head.lemma_ not in _RELEASE_VERBS:
            return False
        verb = root.head
        return any(c.dep_ == "dobj" for c in verb.children) or (
            verb.dep_ in ("relcl", "acl") and verb.head.lower_ in ("model", "models", "family", "version"))

    def _personal(self, doc: Doc, start: int, end: int) -> bool:
        """Context that says a name is a person: a title before it, 'who' after it, two capitalised words and
        a personal pronoun in the sentence."""
        before = {t.lower_ for t in doc[max(0, start - 3):start]}
        if before & self.lex.person_cues:
            return True
        if end + 1 < len(doc) and doc[end].text == "," and (
            doc[end + 1].lower_ == "who" or {t.lower_ for t in doc[end + 1:end + 5]} & self.lex.person_cues
        ):
            return True
        sent = doc[start].sent
        return any(t.lower_ in ("he", "she", "his", "her", "him") for t in sent)

    def _org_evidence(self, doc: Doc, start: int, end: int) -> str | None:
        """Why the span is an organization, if the context says so."""
        lex = self.lex
        last = doc[end - 1].lower_
        if last in lex.org_heads and end - start > 1:
            return "head"
        if start > 0:
            prev = doc[start - 1]
            if hyphen_word(doc, start - 1) in lex.org_descriptors and not prev.is_title:
                return "descriptor"
            if prev.lower_ in lex.unit_nouns and not prev.is_title:
                return "descriptor"
            # "agreed to form a joint venture, X, to ...": a descriptor, a comma and the name in apposition
            if prev.text == "," and start >= 2 and hyphen_word(doc, start - 2) in lex.org_descriptors \
                    and not doc[start - 2].is_title and doc[start - 2].pos_ == "NOUN" \
                    and end < len(doc) and doc[end].text in (",", "."):
                return "descriptor"
        # appositive: "X, a/the ... company"
        if end + 1 < len(doc) and doc[end].text == ",":
            for j in range(end + 1, min(end + 9, len(doc))):
                t = doc[j]
                if t.text in (",", ".", ";", "(", ")") or t.tag_ in ("VBD", "VBZ", "VBP", "MD"):
                    break
                word = hyphen_word(doc, j)  # "the Oslo start-up"
                if word in lex.org_descriptors and (t.pos_ == "NOUN" or word != t.lower_):
                    nxt = doc[j + 1] if j + 1 < len(doc) else None
                    if nxt is None or nxt.pos_ != "NOUN":
                        return "appositive"
        # "X-based" never; "X's <model>" handled by the caller
        return None

    # ---- main ----------------------------------------------------------------------------------------------
    def __call__(self, doc: Doc) -> Doc:
        lex = self.lex
        text = doc.text
        boiler = boilerplate_ranges(doc)

        def boiler_at(c: int) -> bool:
            return any(a <= c < b for a, b in boiler)

        spans: list[tuple[int, int, str, int]] = []  # token start, end, label, priority
        toks = list(doc)  # one Token object per position, reused by every pass below

        # 1. models by name shape
        for m in lex.model_re.finditer(text):
            if boiler_at(m.start()):
                continue
            first = re.split(r"[\s\-\d]", m.group(0))[0]
            if first in lex.non_model_words or first in lex.stop_names or first.lower() in _LEADING_DROP:
                continue
            if first.rstrip("s").upper() in {w.upper() for w in lex.non_model_words if w.isupper()}:
                continue
            if _SCALE_AFTER.match(text[m.end():m.end() + 12]) or re.match(r"\s+licen[cs]e", text[m.end():m.end() + 10]):
                continue
            nxt_words = re.findall(r"[\w-]+", text[m.end():m.end() + 24])[:2]
            if any(w.lower() in lex.hardware_words for w in nxt_words):
                continue
            span = doc.char_span(m.start(), m.end(), alignment_mode="expand")
            if span is None:
                continue
            sent = span.sent
            glued = bool(re.match(r"^[A-Za-z]*[a-z][A-Za-z]*\d|^[A-Za-z]+-", m.group(0)))
            if not glued:
                ctx = sent.text
                others = [x for x in lex.model_re.finditer(ctx) if x.group(0) != m.group(0)]
                if not lex.model_cues.search(ctx) and not others:
                    continue
            if self._acts_as_org(doc, span.start, span.end):
                spans.append((span.start, span.end, "ORG", 5))  # "its X Robotics and X Vision units"
                continue
            spans.append((span.start, span.end, "MODEL", 5))

        # 2. programmes by name shape
        for m in lex.program_re.finditer(text):
            if boiler_at(m.start()):
                continue
            span = doc.char_span(m.start(), m.end(), alignment_mode="expand")
            if span is None:
                continue
            # a name never runs over a sentence start ("... utility X Kraft. The Y Fellowship")
            start = max([i for i in range(span.start + 1, span.end) if toks[i].is_sent_start], default=span.start)
            s, e = self._trim(doc, start, span.end)
            if e - s < 2:
                continue
            head = toks[e - 1].text.rstrip("s") if toks[e - 1].text not in lex.program_heads else toks[e - 1].text
            if head in lex.program_named_only and all(not _CAP.match(t.text) for t in doc[s:e - 1]):
                continue
            spans.append((s, e, "PROGRAM", 4))

        # 2b. a "Fund" that acts (a subject) or carries an acronym is an organization, not a programme
        for k, (s, e, label, _pr) in enumerate(spans):
            if label != "PROGRAM" or toks[e - 1].text not in ("Fund", "Funds"):
                continue
            root = doc[s:e].root
            acronym = e + 2 < len(doc) and toks[e].text == "(" and toks[e + 1].is_upper and toks[e + 2].text == ")"
            # "raised $25M from the X Fund", "a round led by the Y Fund": a source of money is an investor
            source = root.dep_ == "pobj" and (root.head.lower_ == "from" or (
                root.head.lower_ == "by" and root.head.head.lemma_ in ("lead", "co-lead", "back")))
            if root.dep_ in ("nsubj", "nsubjpass") or acronym or (source and find_money(doc[s].sent.text)):
                spans[k] = (s, e, "ORG", 4)
        # 2c. "the pension fund X Plan", "the investor X Fund": a programme-shaped name after an organization
        # descriptor (other than a programme word) is an organization
        for k, (s, e, label, _pr) in enumerate(spans):
            if label != "PROGRAM" or s == 0 or not toks[s - 1].is_lower:
                continue
            word = hyphen_word(doc, s - 1)
            if word in lex.org_descriptors and word not in lex.lowercase_program_heads \
                    and word != toks[e - 1].lower_.rstrip("s"):
                spans[k] = (s, e, "ORG", 4)

        # 3. "model(s) X": a name right after the noun model
        for t in toks:
            if t.lower_ in ("model", "models") and t.i + 1 < len(doc) and _CAP.match(toks[t.i + 1].text):
                s = t.i + 1
                e = self._name_run(doc, s, len(doc))
                if (e > s and toks[s].text not in lex.stop_names and not boiler_at(toks[s].idx)
                        and toks[s].text not in lex.non_model_words and toks[e - 1].lower_ not in lex.org_heads):
                    spans.append((s, e, "MODEL", 5))
            # "its own model, X, was trained on ...": a name in apposition to the noun model
            if t.lower_ == "model" and t.i + 2 < len(doc) and toks[t.i + 1].text == "," \
                    and _CAP.match(toks[t.i + 2].text) and any(
                        x.lower_ in ("its", "their", "own") or x.tag_ == "POS" for x in doc[max(0, t.i - 3):t.i]):
                s = t.i + 2
                e = self._name_run(doc, s, len(doc))
                if (e > s and e < len(doc) and toks[e].text == "," and toks[s].text not in lex.stop_names
                        and not boiler_at(toks[s].idx) and toks[s].text not in lex.non_model_words
                        and toks[e - 1].lower_ not in lex.org_heads
                        and not any(ent.label_ == "PERSON" and ent.start <= s < ent.end for ent in doc.ents)):
                    spans.append((s, e, "MODEL", 5))

        # 3b. "X's Lumo model", "its K2 reasoning model", "the Orion-7 model": a name before the noun model
        for t in toks:
            if t.lower_ not in ("model", "models", "llm", "chatbot") or t.i == 0:
                continue
            if t.dep_ == "compound" or (t.i + 1 < len(doc) and toks[t.i + 1].pos_ == "NOUN"):
                continue  # "its X model team"
            e = t.i
            while e > 0 and toks[e - 1].is_lower and toks[e - 1].pos_ in ("ADJ", "NOUN") and t.i - e < 2:
                e -= 1
            if e == 0 or not _CAP.match(toks[e - 1].text) or toks[e - 1].pos_ != "PROPN":
                continue
            s = e - 1
            while s > 0 and _CAP.match(toks[s - 1].text) and toks[s - 1].pos_ == "PROPN" and not toks[s].is_sent_start:
                s -= 1
            name = doc[s:e].text
            owner = toks[s - 1] if s > 0 else None
            owned = owner is not None and (owner.lower_ in ("its", "their") or owner.tag_ == "POS")
            if (name in lex.stop_names or name.split()[0] in lex.non_model_words or boiler_at(toks[s].idx)
                    or toks[e - 1].lower_ in lex.org_heads or name.lower() in lex.places):
                continue
            if any(c.isdigit() for c in name) or owned:
                spans.append((s, e, "MODEL", 4))
        for t in toks:
            if t.lower_ not in lex.lowercase_program_heads or t.i < 2 or toks[t.i - 2].lower_ not in ("the", "its"):
                continue
            n = toks[t.i - 1]
            if _CAP.match(n.text) and n.text not in lex.stop_names and not n.is_sent_start and n.pos_ == "PROPN":
                spans.append((n.i, n.i + 1, "PROGRAM", 3))

        # 3c. "K2, a reasoning model" and "X's z1": short names that the context says are models
        for t in toks:
            if boiler_at(t.idx) or not re.fullmatch(r"[A-Za-z]{1,3}\d+(?:\.\d+)?(?:-[A-Za-z]+)?", t.text):
                continue
            if t.i > 0 and toks[t.i - 1].text == "-" and not toks[t.i - 1].whitespace_:
                continue
            end = t.i + 1  # "o3-mini": hyphenated parts belong to the name
            while (end + 1 < len(doc) and toks[end].text == "-" and not toks[end - 1].whitespace_
                   and not toks[end].whitespace_ and toks[end + 1].is_alpha):
                end += 2
            if t.text.split("-")[0].rstrip("0123456789.") in lex.non_model_words:
                continue
            after = doc[end:end + 7]
            appos = len(after) > 2 and after[0].text == "," and after[1].lower_ in ("a", "an", "the", "its") and any(
                x.lower_ in ("model", "models", "llm", "chatbot") for x in after[2:]
            )
            owned = t.i >= 2 and toks[t.i - 1].tag_ == "POS" and _CAP.match(toks[t.i - 2].text)
            if appos or owned:
                spans.append((t.i, end, "MODEL", 5))

        # 3d. "HyperCLOVA X Think, a reasoning model" and "based on HyperCLOVA X": names the context calls models
        for t in toks:
            if t.text != "," or t.i == 0 or not _CAP.match(toks[t.i - 1].text) or boiler_at(t.idx):
                continue
            after = doc[t.i + 1:t.i + 7]
            if not (len(after) > 2 and after[0].lower_ in ("a", "an") and any(
                    x.lower_ in ("model", "llm", "chatbot") and x.i + 1 < len(doc) and toks[x.i + 1].pos_ != "NOUN"
                    for x in after[1:])):
                continue
            e = t.i
            s = e - 1
            while (s > 0 and not toks[s].is_sent_start and (_CAP.match(toks[s - 1].text) or toks[s - 1].text == "-") \
                    and toks[s - 1].text not in lex.sentence_starters and not toks[s - 1].is_punct) or (
                    s > 0 and toks[s - 1].text == "-" and not toks[s - 1].whitespace_):
                s -= 1
            s, e = self._trim(doc, s, e)
            if e > s and doc[s:e].text not in lex.stop_names and toks[s].text not in lex.non_model_words and not any(
                ent.label_ in ("GPE", "LOC", "DATE") and ent.start <= s < ent.end for ent in doc.ents
            ):
                spans.append((s, e, "MODEL", 4))
        for m in lex.based_on_re.finditer(text):
            tok = doc.char_span(m.end(), min(len(text), m.end() + 1), alignment_mode="expand")
            if tok is None or tok.end >= len(doc):
                continue
            s = tok.end if toks[tok.start].is_space else tok.start
            while s < len(doc) and toks[s].lower_ in ("the", "its", "their", "a", "an"):
                s += 1
            if s >= len(doc) or not re.match(r"^(?:[A-Z]|[a-z][A-Z])", toks[s].text) or boiler_at(toks[s].idx):
                continue
            e = self._name_run(doc, s, len(doc))
            if e > s and doc[s:e].text not in lex.stop_names and toks[e - 1].lower_ not in lex.org_heads \
                    and (e == len(doc) or toks[e].tag_ != "POS") and not any(
                        ent.label_ in ("GPE", "LOC", "ORG") and ent.start <= s < ent.end for ent in doc.ents):
                spans.append((s, e, "MODEL", 3))

        # 4. organizations after a descriptor: "food delivery service X", "its chip unit X", "start-up X"
        for t in toks:
            low = hyphen_word(doc, t.i)
            if (low in lex.org_descriptors or low in lex.unit_nouns) and (not t.is_title or t.is_sent_start) \
                    and t.i + 1 < len(doc):  # "start-up X", "Rival X said"
                s = t.i + 1
                if toks[s].text == "," and s + 1 < len(doc) and low in lex.unit_nouns:
                    s += 1  # "its foundry division, Kestrel Foundry, will ..."
                if (t.pos_ not in ("NOUN", "PROPN") and low == t.lower_ and not (t.is_sent_start and t.pos_ == "ADJ")) \
                        or not toks[s].text[:1].isupper():
                    continue  # a hyphenated descriptor ("start-up") may end in a particle
                if not _CAP.match(toks[s].text) or toks[s].text in lex.stop_names or boiler_at(toks[s].idx):
                    continue
                if t.dep_ in ("compound",) and t.head.i < t.i:
                    continue
                e = self._name_run(doc, s, len(doc))
                # "unit A and B Group": a singular descriptor before a name joined by 'and' that ends in a head
                if (e + 1 < len(doc) and toks[e].lower_ == "and" and low in lex.unit_nouns
                        and not low.endswith("s")):
                    e2 = self._name_run(doc, e + 1, len(doc))
                    if e2 > e + 1 and toks[e2 - 1].lower_ in lex.org_heads:
                        e = e2
                if e > s and doc[s:e].text not in lex.stop_names:
                    if any(x[0] <= s < x[1] and x[2] == "MODEL" for x in spans):
                        continue
                    if self._is_product_context(doc, s, e) or any(
                            ent.label_ == "PERSON" and ent.start <= s < ent.end and self._personal(doc, ent.start,
                                                                                                ent.end)
                            for ent in doc.ents):
                        continue  # "the fund's partner X, who joins the board": a person
                    spans.append((s, e, "ORG", 3))

        # 4b. "X Lab", "X Cloud", "X Group": a capitalised run that ends in an organization head word
        for t in toks:
            head_word = t.is_title or (t.lower_ in lex.legal_suffixes and not t.is_lower)  # "GmbH" too
            if not head_word or t.lower_ not in lex.org_heads or t.i == 0 or boiler_at(t.idx):
                continue
            s = t.i
            while s > 0 and not toks[s].is_sent_start and (
                _CAP.match(toks[s - 1].text) and not toks[s - 1].is_punct and toks[s - 1].tag_ != "POS"
                and toks[s - 1].text not in lex.sentence_starters
            ):
                s -= 1
            s, e = self._trim(doc, s, t.i + 1)
            inside_ner = any(ent.label_ == "ORG" and ent.start <= s and e <= ent.end and len(ent) > e - s
                             for ent in doc.ents)
            if e - s >= 2 and doc[s:e].text not in lex.stop_names and toks[s].text not in lex.stop_names \
                    and not inside_ner and not any(x[0] <= s < x[1] and x[2] in ("MODEL", "PROGRAM") for x in spans):
                spans.append((s, e, "ORG", 2))

        # 4d. "X, a national programme backed by ...": an appositive programme
        for t in toks:
            if t.text != "," or t.i == 0 or not _CAP.match(toks[t.i - 1].text) or boiler_at(t.idx) \
                    or toks[t.i - 1].text in lex.sentence_starters:
                continue
            nxt = doc[t.i + 1:t.i + 6]
            if not len(nxt) or nxt[0].lower_ not in ("a", "an", "the"):
                continue
            head = next((x for x in nxt[1:] if x.lower_ in lex.lowercase_program_heads), None)
            if head is None or any(x.is_punct for x in nxt[1:] if x.i < head.i):
                continue
            e = t.i
            s = e - 1
            while s > 0 and not toks[s].is_sent_start and _CAP.match(toks[s - 1].text) and not toks[s - 1].is_punct:
                s -= 1
            s, e = self._trim(doc, s, e)
            if e > s and doc[s:e].text not in lex.stop_names:
                spans.append((s, e, "PROGRAM", 3))

        # 4c. "X, a wholly owned subsidiary of ...", "X, the Oslo-based search company": appositive descriptor
        for t in toks:
            if t.text != "," or t.i == 0 or not _CAP.match(toks[t.i - 1].text) or boiler_at(t.idx):
                continue
            e = t.i
            s = e - 1
            while s > 0 and not toks[s].is_sent_start and _CAP.match(toks[s - 1].text) and not toks[s - 1].is_punct:
                s -= 1
            s, e = self._trim(doc, s, e)
            if e <= s or doc[s:e].text in lex.stop_names or toks[s].pos_ != "PROPN" or any(
                ent.label_ in ("PERSON", "GPE", "LOC", "DATE") and ent.start <= s < ent.end for ent in doc.ents
            ):
                continue
            if self._org_evidence(doc, s, e) == "appositive":
                spans.append((s, e, "ORG", 2))

        # 5. the trained NER's names, relabelled by context
        ner_names: list[tuple[int, int, str]] = []
        for ent in doc.ents:
            if ent.label_ not in _NER_NAME_LABELS or boiler_at(ent.start_char):
                continue
            # a name never runs over a sentence start ("... utility X Kraft. The Y Fellowship")
            cut = next((i for i in range(ent.start + 1, ent.end) if toks[i].is_sent_start), ent.end)
            s, e = self._trim(doc, ent.start, cut)
            if e <= s:
                continue
            name = doc[s:e].text
            if name in lex.stop_names or not _CAP.match(name) or len(name) < 2:
                continue
            if any(t.like_num for t in doc[s:e]) and find_money(name) and find_money(name)[0].end - \
                    find_money(name)[0].start >= len(name) - 1:
                continue  # "NOK 300 billion": an amount the NER read as a name
            if toks[e - 1].lower_ in lex.raw["non_org_name_heads"]:
                continue  # "the X Research Licence", "the Y Act": a document, not an organization
            low = [t for t in doc[s:e] if t.is_lower and t.is_alpha and t.lower_ not in ("of", "and", "for", "the")]
            if len(low) >= 2 or (toks[e - 1].is_lower and (toks[e - 1].lower_ in lex.unit_nouns
                                                          or toks[e - 1].lower_ in lex.org_descriptors)):
                continue  # "AI research department": a description, not a name
            cut = [i for i in range(s + 1, e - 1) if toks[i].lower_ == "and"]
            # "Zentra and Orbis" is two names ("Ministry of Trade and Industry" is one)
            if cut and not any(toks[i].lower_ in ("of", "for") for i in range(s, cut[0])):
                bounds = [s, *[c for i in cut for c in (i, i + 1)], e]
                for a, b in zip(bounds[::2], bounds[1::2], strict=False):
                    if b > a and _CAP.match(toks[a].text):
                        ner_names.append((a, b, ent.label_))
                continue
            ner_names.append((s, e, ent.label_))
        surnames = {ent[-1].text for ent in doc.ents if ent.label_ == "PERSON" and len(ent) > 1}
        # "chief financial officer Jana Wexley": the NER tags only the surname; a title and a first name before it
        surnames |= {toks[s].text for s, e, label in ner_names
                     if label == "ORG" and e - s == 1 and s >= 2 and toks[s - 1].pos_ == "PROPN"
                     and _CAP.match(toks[s - 1].text) and toks[s - 2].lower_ in lex.person_cues}
        # "Brenmoor Group ... run by Brenmoor Digital": a two-word "person" that starts like an organization
        org_first = {doc[s].text for s, e, label in ner_names if label == "ORG" and e - s >= 2}
        for s, e, label in ner_names:
            if label == "PERSON" and e - s == 2 and toks[s].text in org_first and not self._personal(doc, s, e):
                label = "ORG"
            name = doc[s:e].text
            if label in ("GPE", "LOC") and name.lower() in lex.places:
                continue
            if label == "ORG" and e - s == 1 and name in surnames and not self._org_evidence(doc, s, e):
                continue  # "Fiona Rendell ... , Rendell said": the person named before
            if (label == "ORG" and any(t.lower_ == "of" for t in doc[s:e]) and e + 1 < len(doc)
                    and toks[e].lower_ == "and" and _CAP.match(toks[e + 1].text)):
                e = self._name_run(doc, e + 1, len(doc))  # "Ministry of Trade and Industry" is one name
                name = doc[s:e].text
            if self._is_product_context(doc, s, e):
                continue
            ev = self._org_evidence(doc, s, e)
            title = s - 2 if s >= 2 and toks[s - 1].text == "," else s - 1
            if label == "ORG" and ev is None and e - s == 2 and toks[e - 1].lower_ not in lex.org_heads and \
                    title >= 0 and (toks[title].lower_ in lex.person_cues
                                    or hyphen_word(doc, title).split("-")[-1] in lex.person_cues):
                continue  # "her co-founder, Matteo Rossi": a titled two-word name is a person
            if label == "PERSON" and ev and self._personal(doc, s, e):
                continue  # "her co-founder, X", "the fund's partner X, who joins the board"
            if label == "ORG" or ev:
                spans.append((s, e, "ORG", 2 if ev else 1))
            elif label == "GPE" and name.lower() not in lex.places and e - s <= 2:
                prev = toks[s - 1].lower_ if s > 0 else ""
                nxt = toks[e].text if e < len(doc) else ""
                if prev not in ("in", "at", "across", "throughout", "near", "from", "of") and nxt not in ("-",):
                    spans.append((s, e, "ORG", 1))

        # 5b. a proper noun that acts like a company: subject of invest, acquire, announce, launch, ...
        corp = lex.corporate_verbs
        taken_tokens = {i for s, e, _, _ in spans for i in range(s, e)}
        persons = {i for ent in doc.ents if ent.label_ == "PERSON" for i in range(ent.start, ent.end)
                   if self._personal(doc, ent.start, ent.end)}
        for t in toks:
            if t.dep_ not in ("nsubj", "nsubjpass") or t.pos_ != "PROPN" or t.i in taken_tokens or t.i in persons:
                continue
            head = t.head
            near = [x for x in head.subtree if x.dep_ in ("xcomp", "ccomp", "relcl", "acl") and 0 < x.i - head.i <= 5]
            copula = head.lemma_ == "be" and any(  # "X is a research lab based in ..."
                x.dep_ == "attr" and x.lower_ in lex.org_descriptors and not any(c.dep_ == "poss" for c in x.children)
                for x in head.children)
            if head.lemma_.lower() not in corp and not copula and not any(
                    x.lemma_.lower() in corp and x.pos_ == "VERB" for x in near):
                continue
            s = t.i
            # "Quillfin AI is a ...": after a copula a capitalised compound counts even when tagged an adjective
            while s > 0 and toks[s - 1].dep_ == "compound" and (
                    toks[s - 1].pos_ == "PROPN" or (copula and _CAP.match(toks[s - 1].text))):
                s -= 1
            name = doc[s:t.i + 1].text
            if name in lex.stop_names or name.lower() in lex.places or boiler_at(toks[s].idx):
                continue
            if s == t.i and name in surnames:
                continue  # "Jana Wexley ... Wexley said the firm will invest": the person again
            if not _CAP.match(name) or self._is_product_context(doc, s, t.i + 1):
                continue
            spans.append((s, t.i + 1, "ORG", 1))

        # 5d. institutions named "<Name> University of <Field> (and <Field>)": one organization, even when the
        # trained NER misses it or cuts it at "of"
        inst = set(lex.raw["institution_heads"])
        ent_start = {ent.start: ent.label_ for ent in doc.ents}
        ner_org = {i for ent in doc.ents if ent.label_ == "ORG" for i in range(ent.start, ent.end)}
        for t in toks:
            if t.lower_ not in inst or not t.is_title or t.i + 2 >= len(doc) or toks[t.i + 1].lower_ != "of" \
                    or not _CAP.match(toks[t.i + 2].text) or boiler_at(t.idx) or t.i in ner_org:
                continue
            s = t.i
            while s > 0 and not toks[s].is_sent_start and toks[s - 1].is_title and toks[s - 1].pos_ == "PROPN":
                s -= 1
            e = self._name_run(doc, t.i + 2, len(doc))
            while e + 1 < len(doc) and toks[e].lower_ == "and" and _CAP.match(toks[e + 1].text) \
                    and ent_start.get(e + 1) not in ("ORG", "GPE", "PERSON"):
                e = self._name_run(doc, e + 1, len(doc))
            s, e = self._trim(doc, s, e)
            if e - s >= 3:
                spans.append((s, e, "ORG", 2))

        # 5e. the owner of a unit is an organization: "X's live-streaming unit Y"
        for t in toks:
            if t.tag_ != "POS" or t.i == 0 or not _CAP.match(toks[t.i - 1].text):
                continue
            nxt = [x.lower_ for x in doc[t.i + 1:t.i + 6]]
            if any(w in lex.unit_nouns for w in nxt) and not any(
                ent.label_ == "PERSON" and ent.start <= t.i - 1 < ent.end and self._personal(doc, ent.start, ent.end)
                for ent in doc.ents
            ):
                e = t.i
                s = e - 1
                while s > 0 and _CAP.match(toks[s - 1].text) and not toks[s - 1].is_punct and not toks[s].is_sent_start:
                    s -= 1
                s, e = self._trim(doc, s, e)
                if e > s and doc[s:e].text not in lex.stop_names:
                    spans.append((s, e, "ORG", 2))

        # 5c. the owner of a model is an organization: "X's Zen-4o"
        models = [(s, e) for s, e, lab, _ in spans if lab == "MODEL"]
        for ms, _me in models:
            if ms >= 2 and toks[ms - 1].tag_ == "POS" and _CAP.match(toks[ms - 2].text):
                e = ms - 1
                s = e - 1
                while s > 0 and _CAP.match(toks[s - 1].text) and not toks[s - 1].is_punct and not toks[s].is_sent_start:
                    s -= 1
                if doc[s:e].text not in lex.stop_names and not any(
                    ent.label_ == "PERSON" and ent.start <= s < ent.end and len(ent) > 1 for ent in doc.ents
                ):
                    spans.append((s, e, "ORG", 2))

        # 5d. a name with the same identity as an organization is that organization ("Sakura" for "Sakura Holdings")
        org_keys = {org_key(doc[s:e].text) for s, e, lab, _ in spans if lab == "ORG"}
        for s, e, label in ner_names:
            if label != "ORG" and org_key(doc[s:e].text) in org_keys:
                spans.append((s, e, "ORG", 1))

        # 6. coordination: names listed with an organization are organizations ("Zentra, Orbis and Helio")
        orgs = {(s, e) for s, e, lab, _ in spans if lab == "ORG"}
        person_tokens = {i for ent in doc.ents if ent.label_ == "PERSON" and self._personal(doc, ent.start, ent.end)
                         for i in range(ent.start, ent.end)}

        def listed(k: int) -> bool:  # a list continues after token k: ", X" or "and X"
            return k < len(doc) and (toks[k].text == "," or toks[k].lower_ in ("and", "or"))

        for s, e in sorted(orgs):
            for direction in (1, -1):
                cur_s, cur_e = s, e
                seen_and = False
                for _ in range(6):
                    if direction == 1:
                        k = cur_e
                        comma = k < len(doc) and toks[k].text == ","
                        if comma:
                            k += 1
                        conj = k < len(doc) and toks[k].lower_ in ("and", "or")
                        if conj:
                            k += 1
                        if k == cur_e or k >= len(doc) or not _CAP.match(toks[k].text):
                            break
                        ns, ne = k, self._name_run(doc, k, len(doc))
                        if not conj and not listed(ne):
                            break  # "Zentra, Orbis said" is not a list
                    else:
                        k = cur_s - 1
                        conj = k >= 0 and toks[k].lower_ in ("and", "or")
                        if conj:
                            k -= 1
                            seen_and = True
                        if k >= 0 and toks[k].text == ",":
                            k -= 1
                        if k == cur_s - 1 or k < 0 or not _CAP.match(toks[k].text):
                            break
                        if not conj and not seen_and:
                            break  # "..., Microsoft said": a comma alone does not make a list
                        ne = k + 1
                        ns = ne - 1
                        while ns > 0 and _CAP.match(toks[ns - 1].text) and not toks[ns].is_sent_start:
                            ns -= 1
                    if ne <= ns or doc[ns:ne].text in lex.stop_names or (
                        toks[ns].is_sent_start and direction == -1
                        and (toks[ns].pos_ != "PROPN" or toks[ns].text in lex.sentence_starters)
                    ):
                        break
                    if toks[ne - 1].tag_ == "POS" or (ne < len(doc) and toks[ne].tag_ == "POS"):
                        break
                    if any(x[0] <= ns < x[1] and x[2] in ("MODEL", "PROGRAM") for x in spans):
                        break
                    if self._is_product_context(doc, ns, ne) or any(i in person_tokens for i in range(ns, ne)):
                        break
                    if toks[ns].lower_ in lex.person_cues or toks[ns].text in lex.sentence_starters:
                        break
                    spans.append((ns, ne, "ORG", 1))
                    cur_s, cur_e = ns, ne

        # 7. product lists: "its AI product lines - the X assistant, Y, Z and W" are not organizations
        drop: set[tuple[int, int]] = set()
        for sent in doc.sents:
            m = next((x for x in lex.product_list_re.finditer(sent.text)
                      if re.match(r"\s*(?:[-–—:]|such as\b|including\b|like\b)", sent.text[x.end():])), None)
            if not m:
                continue
            cut = sent.start_char + m.end()
            for s, e, lab, pr in spans:
                if lab == "ORG" and toks[s].idx >= cut and toks[s].idx < sent.end_char and pr < 3:
                    drop.add((s, e))
        spans = [x for x in spans if (x[0], x[1]) not in drop]

        # 8. one decision per name: every mention of an organization or model name gets the label
        chosen = self._resolve(doc, spans)
        known = {}
        for sp in chosen:
            if sp.label_ in ("ORG", "MODEL", "PROGRAM"):
                known.setdefault(sp.text, sp.label_)
        extra = []
        if known:
            pat = re.compile(r"(?<![\w.-])(?:" + "|".join(re.escape(k) for k in sorted(known, key=len, reverse=True))
                             + r")(?!\w|\.\w)")
            taken = [(sp.start_char, sp.end_char) for sp in chosen]
            for m in pat.finditer(text):
                if boiler_at(m.start()) or any(a < m.end() and m.start() < b for a, b in taken):
                    continue
                if re.match(r"^ [A-Z]", text[m.end():m.end() + 2]):
                    continue  # part of a longer name
                if text[m.end():m.end() + 1] == "-" and not re.match(r"-(?:owned|backed|led|controlled)\b",
                                                                      text[m.end():m.end() + 12]):
                    continue
                sp = doc.char_span(m.start(), m.end(), alignment_mode="strict")
                if sp is None:
                    continue
                extra.append(Span(doc, sp.start, sp.end, label=known[m.group(0)]))
        # the family of an acronym-led organization: "QX Group" makes "QX Energy" a name too
        acronyms = {sp.text.split()[0] for sp in chosen if sp.label_ == "ORG" and len(sp) > 1
                    and sp[0].is_upper and 2 <= len(sp[0]) <= 4 and sp[0].text not in lex.stop_names}
        if acronyms:
            fam = re.compile(r"(?<![\w.-])(?:" + "|".join(re.escape(a) for a in acronyms)
                             + r")(?: (?:[A-Z][\w&'-]*|[a-z]+(?= (?:will|is|has|was|said|and)\b)))+")
            taken = [(sp.start_char, sp.end_char) for sp in [*chosen, *extra]]
            for m in fam.finditer(text):
                if boiler_at(m.start()) or any(a < m.end() and m.start() < b for a, b in taken):
                    continue
                sp = doc.char_span(m.start(), m.end(), alignment_mode="contract")
                if sp is not None and len(sp) > 1 and sp[-1].lower_ not in lex.org_descriptors:
                    extra.append(Span(doc, sp.start, sp.end, label="ORG"))
        final = filter_spans([*chosen, *extra])
        covered = set()
        for sp in final:
            covered.update(range(sp.start, sp.end))
        org_first = {sp[0].text for sp in final if sp.label_ == "ORG" and len(sp) > 1}
        short_orgs: set[str] = set()
        for ent in doc.ents:
            if ent.label_ in _KEEP_LABELS and not any(i in covered for i in range(ent.start, ent.end)):
                if (ent.label_ in ("PERSON", "NORP") and len(ent) == 1 and ent.text in org_first
                        and ent.text.lower() not in lex.places and not self._personal(doc, ent.start, ent.end)
                        and (ent.root.dep_ in ("nsubj", "nsubjpass", "poss") or ent.text in short_orgs)):
                    # "Corvax said ...", "Corvax's unit": the first word of an organization named in the text
                    final.append(Span(doc, ent.start, ent.end, label="ORG"))
                    covered.update(range(ent.start, ent.end))
                    short_orgs.add(ent.text)
                    continue
                if ent.label_ in ("PERSON", "GPE", "LOC", "NORP") and any(
                    ent.text == sp.text for sp in final if sp.label_ == "ORG"
                ):
                    continue
                final.append(ent)
                covered.update(range(ent.start, ent.end))
        # "Hanbit also said ...": a one-word subject that starts an organization's name, untagged by the NER
        for t in toks:
            if (t.i not in covered and t.text in org_first and t.pos_ == "PROPN" and t.dep_ in ("nsubj", "poss")
                    and (t.i + 1 >= len(doc) or not _CAP.match(toks[t.i + 1].text)) and not boiler_at(t.idx)
                    and (t.i == 0 or not _CAP.match(toks[t.i - 1].text) or toks[t.i].is_sent_start)):
                final.append(Span(doc, t.i, t.i + 1, label="ORG"))
                covered.add(t.i)
        final = [sp for sp in final if not self._section_header(doc, sp)]
        for k, sp in enumerate(final):  # "Norby A/S": a slashed legal suffix the tokenizer split
            e = sp.end
            if (sp.label_ == "ORG" and len(sp) > 1 and e + 1 < len(doc) and doc[e].text == "/"
                    and re.fullmatch(r"[A-Z]{1,2}", sp[-1].text) and re.fullmatch(r"[A-Z][a-zA-Z]?", doc[e + 1].text)
                    and not any(x.start <= e + 1 < x.end for x in final if x is not sp)):
                final[k] = Span(doc, sp.start, e + 2, label="ORG")
        doc.ents = sorted(filter_spans(final), key=lambda s: s.start)
        return doc

    @staticmethod
    def _section_header(doc: Doc, sp: Span) -> bool:
        """'MARKETS' alone on its line: a newsletter's section header, not an organization."""
        if sp.label_ != "ORG" or len(sp) != 1 or not sp.text.isupper() or len(sp.text) < 4:
            return False
        text = doc.text
        start = text.rfind("\n", 0, sp.start_char) + 1
        end = text.find("\n", sp.end_char)
        return text[start:end if end >= 0 else len(text)].strip(" :-–—") == sp.text

    def _resolve(self, doc: Doc, spans: list[tuple[int, int, str, int]]) -> list[Span]:
        """Pick non-overlapping spans: higher priority first, then longer. A name gets one label per document:
        the label of its most confident reading."""
        families = {re.split(r"[\s\d-]", doc[s:e].text, maxsplit=1)[0] for s, e, lab, _ in spans if lab == "MODEL"}
        spans = [x for x in spans if not (x[2] == "ORG" and x[3] <= 1 and doc[x[0]:x[1]].text in families)]
        best: dict[str, tuple[int, str]] = {}
        for s, e, label, pr in spans:
            key = doc[s:e].text
            if key not in best or pr > best[key][0]:
                best[key] = (pr, label)
        spans = [(s, e, best[doc[s:e].text][1], pr) for s, e, _label, pr in spans]
        ordered = sorted(spans, key=lambda x: (-x[3], -(x[1] - x[0]), x[0]))
        used: set[int] = set()
        out: list[Span] = []
        for s, e, label, _ in ordered:
            if any(i in used for i in range(s, e)):
                continue
            used.update(range(s, e))
            out.append(Span(doc, s, e, label=label))
        return out
