"""Our spaCy pipeline components, registered with ``@Language.factory``.

- ``kg_paragraphs`` (before the parser): a line break always starts a new sentence (headlines, datelines).
- ``kg_hygiene`` (after the NER): marks boilerplate lines (photo captions, copyright lines, syndication notes,
  non-English disclaimers) in ``doc.user_data["kg_boilerplate"]`` so they produce no facts.

Only this package imports spaCy. Word lists come from :mod:`kg.extract.lexicon`.
"""

from __future__ import annotations

import re

from spacy.language import Language
from spacy.tokens import Doc

from kg.extract.lexicon import lexicon

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
        # a model name is never cut by a sentence break: "Llama3.3 70B", "Qwen2.5-Max"
        for m in lexicon().model_re.finditer(doc.text):
            span = doc.char_span(m.start(), m.end(), alignment_mode="contract")
            if span is not None:
                for t in span[1:]:
                    if t.i not in starts:
                        t.is_sent_start = False
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
