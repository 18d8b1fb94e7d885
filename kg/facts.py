"""The facts model: plain frozen records of what a document states, and their JSON form.

This is the contract between extraction (which produces :class:`Facts`) and everything downstream (RDF mapping,
the store, the JSON printed by ``kg extract``). The JSON shape is exactly the one described in
``shared/eval/FORMAT.md``, plus ``evidence`` lists and a few extra keys the scorer ignores.

Relations (``child``, ``parent``, ``developer``, ``based_on``, ``investor``, ``organizers``) name entities by
their ``name`` (or any alias); :mod:`kg.rdf` resolves them to IRIs.
"""

from __future__ import annotations

from dataclasses import dataclass, field, fields
from typing import Any


@dataclass(frozen=True)
class Evidence:
    """Where a fact comes from: ``text[start:end]`` of the original document is the mention."""

    start: int
    end: int
    text: str
    sentence: str
    sentence_start: int
    rule: str
    confidence: float

    def to_dict(self) -> dict[str, Any]:
        return {
            "text": self.text,
            "start": self.start,
            "end": self.end,
            "sentence": self.sentence,
            "sentence_start": self.sentence_start,
            "rule": self.rule,
            "confidence": round(float(self.confidence), 4),
        }

    @classmethod
    def from_dict(cls, d: dict[str, Any]) -> Evidence:
        return cls(
            start=int(d["start"]),
            end=int(d["end"]),
            text=str(d.get("text", "")),
            sentence=str(d.get("sentence", "")),
            sentence_start=int(d.get("sentence_start", 0)),
            rule=str(d.get("rule", "")),
            confidence=float(d.get("confidence", 0.0)),
        )


@dataclass(frozen=True)
class Organization:
    """An organization (company, group, unit, lab, department) mentioned in a document."""

    name: str
    aliases: tuple[str, ...] = ()
    #: What the text calls it, when it says: "unit", "subsidiary", "lab", "department", "company", ...
    kind: str | None = None
    evidence: tuple[Evidence, ...] = ()

    @property
    def forms(self) -> tuple[str, ...]:
        return (self.name, *self.aliases)


@dataclass(frozen=True)
class Subsidiary:
    """A direct edge: ``child`` is a unit, arm, division, business group or subsidiary of ``parent``."""

    child: str
    parent: str
    #: The word the text uses: "unit", "arm", "subsidiary", "division", "department", "owned", ...
    relation: str | None = None
    evidence: tuple[Evidence, ...] = ()


@dataclass(frozen=True)
class Model:
    """An AI model. Parameter counts are integers: one size, a list of sizes, or a min/max range."""

    name: str
    aliases: tuple[str, ...] = ()
    developer: str | None = None
    parameters: int | None = None
    parameters_min: int | None = None
    parameters_max: int | None = None
    sizes: tuple[int, ...] | None = None
    active_parameters: int | None = None
    open_source: bool | None = None
    based_on: str | None = None
    #: "released", "planned" or "in_training" when the text says.
    status: str | None = None
    evidence: tuple[Evidence, ...] = ()

    @property
    def forms(self) -> tuple[str, ...]:
        return (self.name, *self.aliases)


@dataclass(frozen=True)
class Investment:
    """Money an investor commits: amount in the stated currency (ISO 4217), USD only when the text gives it."""

    investor: str
    amount: float
    currency: str
    amount_usd: float | None = None
    target: str | None = None
    period_years: float | None = None
    #: "at least", "up to", "about", ... when the text qualifies the amount.
    qualifier: str | None = None
    #: "announced", "planned", "completed", "rumoured", ... when the text says.
    status: str | None = None
    evidence: tuple[Evidence, ...] = ()
    #: First and last day (ISO dates, inclusive) of the period the money covers, resolved against the article date
    #: ("over the next three years", "in 2026", "by 2027", "in the second half of next year"); None when unknown.
    period_start: str | None = None
    period_end: str | None = None
    #: The day the investment was announced or made when the text names that day ("on Tuesday", "yesterday",
    #: "on March 3"), resolved against the article date; None when unknown.
    announced_on: str | None = None


@dataclass(frozen=True)
class Program:
    """A named initiative (programme, accelerator, fund, talent scheme) and who organizes it."""

    name: str
    organizers: tuple[str, ...] = ()
    aliases: tuple[str, ...] = ()
    evidence: tuple[Evidence, ...] = ()

    @property
    def forms(self) -> tuple[str, ...]:
        return (self.name, *self.aliases)


Record = Organization | Subsidiary | Model | Investment | Program

_KINDS: dict[str, type] = {
    "organizations": Organization,
    "subsidiaries": Subsidiary,
    "models": Model,
    "investments": Investment,
    "programs": Program,
}


def _number(x: float | int | None) -> float | int | None:
    """Integral floats print as integers in JSON (380000000000, not 3.8e11)."""
    if x is None:
        return None
    if isinstance(x, float) and x.is_integer():
        return int(x)
    return x


def record_to_dict(rec: Record, *, evidence: bool = True) -> dict[str, Any]:
    """JSON-ready dict of one record (tuples become lists, integral amounts become ints)."""
    out: dict[str, Any] = {}
    for f in fields(rec):
        v = getattr(rec, f.name)
        if f.name == "evidence":
            if evidence:
                out["evidence"] = [e.to_dict() for e in v]
            continue
        if isinstance(v, tuple):
            v = list(v)
        elif isinstance(v, float):
            v = _number(v)
        out[f.name] = v
    return out


def record_from_dict(cls: type, d: dict[str, Any]) -> Any:
    """Inverse of :func:`record_to_dict`; unknown keys are ignored, missing optional keys take defaults."""
    kwargs: dict[str, Any] = {}
    for f in fields(cls):
        if f.name not in d:
            continue
        v = d[f.name]
        if f.name == "evidence":
            v = tuple(Evidence.from_dict(e) for e in v or ())
        elif f.name in ("aliases", "organizers"):
            v = tuple(v or ())
        elif f.name == "sizes":
            v = tuple(int(x) for x in v) if v else None
        kwargs[f.name] = v
    return cls(**kwargs)


@dataclass(frozen=True)
class DocumentInfo:
    """What we know of a source document itself."""

    sha256: str
    path: str | None = None
    title: str | None = None
    chars: int = 0
    date: str | None = None


@dataclass(frozen=True)
class Facts:
    """Everything extracted from one document."""

    organizations: tuple[Organization, ...] = ()
    subsidiaries: tuple[Subsidiary, ...] = ()
    models: tuple[Model, ...] = ()
    investments: tuple[Investment, ...] = ()
    programs: tuple[Program, ...] = ()
    #: Version of the extractor that produced these facts (package version + pipeline name and version).
    extractor: str = ""
    document: DocumentInfo | None = field(default=None, compare=False)

    def to_dict(self, *, evidence: bool = True) -> dict[str, Any]:
        """The facts format of FORMAT.md (five lists), plus ``evidence`` per record, ``extractor`` and ``document``."""
        out: dict[str, Any] = {
            kind: [record_to_dict(r, evidence=evidence) for r in getattr(self, kind)] for kind in _KINDS
        }
        out["extractor"] = self.extractor
        if self.document is not None:
            out["document"] = {
                "sha256": self.document.sha256,
                "path": self.document.path,
                "title": self.document.title,
                "chars": self.document.chars,
                "date": self.document.date,
            }
        return out

    @classmethod
    def from_dict(cls, d: dict[str, Any]) -> Facts:
        doc = d.get("document")
        return cls(
            **{kind: tuple(record_from_dict(rc, x) for x in d.get(kind) or ()) for kind, rc in _KINDS.items()},
            extractor=str(d.get("extractor", "")),
            document=DocumentInfo(**doc) if doc else None,
        )

    def __len__(self) -> int:
        return sum(len(getattr(self, k)) for k in _KINDS)
