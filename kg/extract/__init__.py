"""Extraction: text in, :class:`kg.facts.Facts` out. The only package that imports spaCy.

Five stages, each a module with one owner:

1. :mod:`kg.extract.normalise`: markdown, HTML, wire copy, CRLF and controls -> clean text + an offset map;
2. :mod:`kg.extract.recognise`: the trained spaCy pipeline with our fine-tuned NER (``weights/ner``);
3. :mod:`kg.extract.candidates`: candidate names and relation pairs, with their features;
4. :mod:`kg.extract.decide`: the trained decision models (``weights/decisions.json``) that score them;
5. :mod:`kg.extract.assemble`: entities, facts and evidence in the original text.

:mod:`kg.extract.numbers` and :mod:`kg.extract.dates` are the number/currency and date grammars,
:mod:`kg.extract.train` the recipe that rebuilds the weights from the real-text gold (``make train``). Word lists
and name shapes live in ``kg/extract/data``.

A text whose clean form is longer than :data:`PIECE_CHARS` is read in pieces (cut at paragraph breaks, else line
breaks, else sentence ends, else spaces, else hard: :func:`kg.extract.normalise.split_points`), one ``Doc`` at a
time, so memory stays bounded whatever its length (spaCy refuses a ``Doc`` over ``nlp.max_length``, 1,000,000
characters, and a ``Doc`` costs about 3 kB per character while it is built); the pieces' facts are assembled as
one document's (:func:`kg.extract.assemble.merge_pieces`), with evidence offsets into the original text.

Public API: :data:`EXTRACTOR_NAME`, :data:`PIECE_CHARS`, :func:`load_pipeline`, :func:`extractor_version`,
:func:`extract`, :func:`extract_many`, :func:`extract_doc`.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable, Iterator
from typing import TYPE_CHECKING

from kg import __version__
from kg.extract.dates import DateLike, article_date
from kg.extract.normalise import Markup, Normalised, normalise, split_points
from kg.extract.recognise import load_pipeline
from kg.facts import Facts

if TYPE_CHECKING:  # pragma: no cover
    import spacy.language

EXTRACTOR_NAME = "kg-extract"
#: Clean characters read as one ``Doc`` at most: a longer text is read in pieces of at most this many. About 0.35 GB
#: of memory above the loaded pipeline (measured: a Doc costs 3 kB per character while it is built); news articles
#: are far shorter.
PIECE_CHARS = 100_000
__all__ = ["EXTRACTOR_NAME", "PIECE_CHARS", "Markup", "extract", "extract_doc", "extract_many", "extractor_version",
           "load_pipeline"]


def extractor_version(nlp: spacy.language.Language) -> str:
    """'kg 0.2.0 / en_core_web_sm 3.8.0 / weights 2026-12-02': our version, the pipeline, the trained weights."""
    from kg.extract.decide import load_decisions

    meta = nlp.meta
    trained = load_decisions().manifest.get("trained_at", "none")
    pipeline = f"{meta.get('lang', 'en')}_{meta.get('name', '?')} {meta.get('version', '?')}"
    return f"kg {__version__} / {pipeline} / weights {trained}"


def _normalise(text: str, markup: Markup | str, nlp) -> Normalised:
    from kg.extract.recognise import word_test

    return normalise(text, markup, is_word=word_test(nlp))


def extract_doc(doc, norm: Normalised | None = None, *, date: DateLike | None = None) -> Facts:
    """Facts from a ``Doc`` already processed by :func:`load_pipeline`'s pipeline over ``norm.text`` (``norm``:
    the :class:`~kg.extract.normalise.Normalised` it came from; ``None`` when the doc's text is the original)."""
    if norm is None:
        norm = normalise(doc.text, Markup.text)
    return _facts(doc, norm, date=date)


def _facts(doc, norm: Normalised, *, date: DateLike | None = None, head: str | None = None) -> Facts:
    """:func:`extract_doc`; ``head``: the start of the whole text when ``doc`` is one piece of it."""
    from kg.extract import assemble, candidates
    from kg.extract.decide import load_decisions

    dec = load_decisions()
    reading = candidates.read(doc, norm, head=head)
    ents = assemble.entities(reading, dec)
    candidates.resolve_references(reading, ents)
    moneys, investors = candidates.investment_pairs(reading, ents)
    pairs = {
        "subsidiary": candidates.subsidiary_pairs(reading, ents),
        "money": moneys,
        "investor": investors,
        "developer": candidates.developer_pairs(reading, ents),
        "based_on": candidates.model_pairs(reading, ents),
        "organizer": candidates.organizer_pairs(reading, ents),
    }
    return assemble.facts_from(reading, ents, pairs, dec, date=date)


def extract(text: str, *, date: DateLike | None = None, nlp=None, model: str | None = None,
            markup: Markup | str = Markup.auto, piece_chars: int = PIECE_CHARS) -> Facts:
    """Facts stated in ``text``, with evidence offsets into ``text`` (the original, before normalisation).

    ``markup`` says how the text is written (``auto``: decided from the content; see
    :mod:`kg.extract.normalise`). ``date`` is the article date (``datetime.date`` or ISO string 'YYYY-MM-DD'; a
    bad one raises :class:`kg.errors.InputError`): it resolves relative investment periods ("over the next three
    years", "next year") to ``period_start``/``period_end`` and days ("on Tuesday") to ``announced_on``.

    A text longer than ``piece_chars`` clean characters is read in pieces (see the module docstring).
    """
    day = article_date(date)
    nlp = nlp or load_pipeline(model)
    norm = _normalise(text, markup, nlp)
    limit = _piece_limit(nlp, piece_chars)
    if len(norm.text) > limit:
        return _stamp(_in_pieces(norm, nlp, limit, date=day), nlp)
    return _stamp(extract_doc(nlp(norm.text), norm, date=day), nlp)


def _piece_limit(nlp, piece_chars: int) -> int:
    return max(2, min(piece_chars, nlp.max_length))


def _in_pieces(norm: Normalised, nlp, limit: int, *, date: dt.date | None) -> Facts:
    """The facts of a long text read piece by piece: one ``Doc`` alive at a time, facts merged at the end."""
    from kg.extract.assemble import merge_pieces
    from kg.extract.candidates import HEAD_CHARS

    head = norm.text[:HEAD_CHARS]
    parts = []
    for start, end in split_points(norm.text, limit):
        piece = norm.piece(start, end)
        parts.append(_facts(nlp(piece.text), piece, date=date, head=head))
    return merge_pieces(parts)


def extract_many(
    texts: Iterable[str] | Iterable[tuple[str, DateLike | None]],
    *,
    dates: Iterable[DateLike | None] | None = None,
    nlp=None,
    model: str | None = None,
    n_process: int = 1,
    batch_size: int = 16,
    markup: Markup | str = Markup.auto,
    markups: Iterable[Markup | str | None] | None = None,
    piece_chars: int = PIECE_CHARS,
) -> Iterator[Facts]:
    """Facts of each text, in input order, through ``nlp.pipe(n_process=..., batch_size=...)``.

    Each text may carry its article date: items of ``texts`` are strings or ``(text, date)`` pairs, or ``dates``
    is an iterable parallel to ``texts`` (``None`` for an undated text), read one item after each text; running out
    of dates raises ``ValueError``. Dates are checked as they are read: a bad one raises
    :class:`kg.errors.InputError`. Every text is normalised first (``markup``, as in :func:`extract`; or per
    text, ``markups`` read in step with the texts like ``dates``, ``None`` meaning ``markup``). A text longer than
    ``piece_chars`` is read in pieces here, in this process, when its turn comes (see :func:`extract`).
    """
    nlp = nlp or load_pipeline(model)
    kinds = iter(markups) if markups is not None else None
    limit = _piece_limit(nlp, piece_chars)

    def prepared() -> Iterator[tuple[str, tuple[Normalised, dt.date | None]]]:
        for text, day in _with_dates(texts, dates):
            kind = next(kinds, None) if kinds is not None else None
            norm = _normalise(text, kind or markup, nlp)
            yield ("" if len(norm.text) > limit else norm.text), (norm, day)  # a long text waits for its turn

    for doc, (norm, day) in nlp.pipe(prepared(), as_tuples=True, n_process=n_process, batch_size=batch_size):
        if len(norm.text) > limit:
            yield _stamp(_in_pieces(norm, nlp, limit, date=day), nlp)
        else:
            yield _stamp(extract_doc(doc, norm, date=day), nlp)


def _with_dates(texts, dates) -> Iterator[tuple[str, dt.date | None]]:
    if dates is not None:
        days = iter(dates)  # read in step with the texts, one date after each text (kg.ingest relies on it)
        for text in texts:
            try:
                day = next(days)
            except StopIteration:
                raise ValueError("extract_many: fewer dates than texts") from None
            yield text, article_date(day)
        return
    for item in texts:
        if isinstance(item, str):
            yield item, None
        else:
            text, day = item
            yield text, article_date(day)


def _stamp(facts: Facts, nlp) -> Facts:
    from dataclasses import replace

    return replace(facts, extractor=extractor_version(nlp))
