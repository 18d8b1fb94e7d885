"""The candidate stage's pattern features, read off the parse (independent of the trained decisions).

Sentences are written for these tests; names are invented. Each rule is a feature of a (child, parent) pair;
the decision model weighs it, and a rule precise enough on the train split decides on its own.
"""

from __future__ import annotations

import pytest

pytestmark = pytest.mark.slow


@pytest.fixture(scope="module")
def rules_of(nlp):
    from kg.extract import _normalise, assemble, candidates
    from kg.extract.decide import load_decisions
    from kg.extract.normalise import Markup

    def _rules(text: str) -> dict[tuple[str, str], set[str]]:
        norm = _normalise(text, Markup.text, nlp)
        r = candidates.read(nlp(norm.text), norm)
        ents = assemble.entities(r, load_decisions())
        candidates.resolve_references(r, ents)
        out: dict[tuple[str, str], set[str]] = {}
        for p in candidates.subsidiary_pairs(r, ents):
            key = (r.doc[p.a_span[0]:p.a_span[1]].text, r.doc[p.b_span[0]:p.b_span[1]].text)
            out.setdefault(key, set()).update(k[5:] for k in p.features if k.startswith("rule="))
        return out

    return _rules


@pytest.mark.parametrize(("text", "child", "parent", "rule"), [
    ("Zorbex Ltd's owner Quantal Group Inc plans to appeal the ruling.", "Zorbex Ltd", "Quantal Group Inc",
     "child_names_its_owner"),
    ("Zorbex Ltd's parent company, the Oslo-registered Quantal Group Inc, opened two plants.", "Zorbex Ltd",
     "Quantal Group Inc", "child_names_its_owner"),
    ("Brandt Tire Co, a Kelvex Corp unit, opened a depot in March.", "Brandt Tire Co",
     "Kelvex Corp", "appos_named_unit"),
    ("Analysts praised Hollin Inc, part of Grand Varnish PLC, for its margins.", "Hollin Inc",
     "Grand Varnish PLC", "appos_part_of"),
    ("The plan was backed by Prime Velt Inns Inc, owner of about 84 pct of Univox Inc's stock.", "Univox Inc",
     "Prime Velt Inns Inc", "parent_owner_of"),
    ("Velder Boerse AG, which also owns the ferry operator Ostrex Ltd, hired a new chairman.",
     "Ostrex Ltd", "Velder Boerse AG", "relcl_owns"),
])
def test_structural_unit_rules(rules_of, text, child, parent, rule):
    got = rules_of(text)
    assert rule in got.get((child, parent), set()), got
    assert rule not in got.get((parent, child), set()), "the rule must not read the pair backwards"


@pytest.mark.parametrize(("text", "child", "parent", "rule"), [
    # a minority holding is not ownership
    ("The plan was backed by Prime Velt Inns Inc, owner of about 14 pct of Univox Inc's stock.", "Univox Inc",
     "Prime Velt Inns Inc", "parent_owner_of"),
    ("Velder Boerse AG, which owns a stake in Ostrex Ltd, hired a new chairman.", "Ostrex Ltd", "Velder Boerse AG",
     "relcl_owns"),
    ("Velder Boerse AG, which no longer owns Ostrex Ltd, hired a new chairman.", "Ostrex Ltd", "Velder Boerse AG",
     "relcl_owns"),
])
def test_structural_unit_rules_stay_quiet(rules_of, text, child, parent, rule):
    assert rule not in rules_of(text).get((child, parent), set())
