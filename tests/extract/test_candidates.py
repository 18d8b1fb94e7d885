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


@pytest.mark.parametrize(("text", "child", "parent", "rule"), [
    ("Brandt Tire Co was acquired by Kelvex Corp in March.", "Brandt Tire Co", "Kelvex Corp", "acquired"),
    ("Brandt Tire Co was bought last year by Kelvex Corp for 40 mln dlrs.", "Brandt Tire Co", "Kelvex Corp",
     "acquired"),
    ("Kelvex Corp sold Brandt Tire Co to Quantal Group Inc last year.", "Brandt Tire Co", "Quantal Group Inc",
     "sold_to"),
])
def test_purchases_read_from_the_other_side(rules_of, text, child, parent, rule):
    """A completed purchase told in the passive or from the seller's side still makes the bought firm the buyer's."""
    got = rules_of(text)
    assert rule in got.get((child, parent), set()), got
    assert rule not in got.get((parent, child), set()), "the rule must not read the pair backwards"


@pytest.mark.parametrize(("text", "child", "parent", "rule"), [
    ("Brandt Tire Co agreed to be acquired by Kelvex Corp.", "Brandt Tire Co", "Kelvex Corp", "acquired"),
    ("Kelvex Corp agreed to sell Brandt Tire Co to Quantal Group Inc.", "Brandt Tire Co", "Quantal Group Inc",
     "sold_to"),
    ("Kelvex Corp sold a 20 pct stake in Brandt Tire Co to Quantal Group Inc.", "Brandt Tire Co",
     "Quantal Group Inc", "sold_to"),
])
def test_pending_or_partial_purchases_stay_quiet(rules_of, text, child, parent, rule):
    assert rule not in rules_of(text).get((child, parent), set())


def investor_features_of(nlp, text: str) -> dict[str, set[str]]:
    """The syntactic money features of every (organization mention, amount) candidate of ``text``."""
    from kg.extract import _normalise, assemble, candidates
    from kg.extract.decide import load_decisions
    from kg.extract.normalise import Markup

    norm = _normalise(text, Markup.text, nlp)
    r = candidates.read(nlp(norm.text), norm)
    ents = assemble.entities(r, load_decisions())
    candidates.resolve_references(r, ents)
    _, investors = candidates.investment_pairs(r, ents)
    out: dict[str, set[str]] = {}
    for p in investors:
        out.setdefault(r.doc[p.a_span[0]:p.a_span[1]].text, set()).update(
            k for k in p.features if k.startswith(("org_", "subject_")))
    return out


def test_investor_features_tell_the_buyer_from_its_relatives(nlp):
    """In 'X, an affiliate of Y, will buy ... for N' X is the subject's head and Y only nested in it; in 'X agreed to be
    acquired for N' X is the subject of a passive; in 'receive N from Y' Y follows 'from'."""
    got = investor_features_of(nlp, "Brandt Tire Co, an affiliate of Kelvex Corp, will buy a plant in Ohio for 20 "
                                     "mln dlrs.")
    assert "org_subject_l0" in got["Brandt Tire Co"] and "subject_nearest" in got["Brandt Tire Co"], got
    assert "org_subject_nested_l0" in got["Kelvex Corp"] and "org_subject_l0" not in got["Kelvex Corp"], got
    got = investor_features_of(nlp, "Brandt Tire Co said it agreed to be acquired for 90 mln dlrs by Kelvex Corp.")
    assert any(k.startswith("org_subject_pass") for k in got["it"]), got
    assert not any(k.startswith("org_subject_l") for k in got["it"]), got
    got = investor_features_of(nlp, "Brandt Tire Co will receive 25 mln dlrs from Kelvex Corp under the accord.")
    assert "org_prep=from|receive" in got["Kelvex Corp"], got


def test_stock_labels_reach_the_name_features(nlp):
    """The stock NER runs before ours and its labels are kept (``doc.spans["stock"]``): a person's name carries
    ``stock=PERSON`` whatever our fine-tuned NER called it, and the stock NER's names are candidates too."""
    from kg.extract import _normalise, candidates
    from kg.extract.normalise import Markup

    assert nlp.pipe_names.index("stock_ner") < nlp.pipe_names.index("kg_stock_ents") < nlp.pipe_names.index("ner")
    norm = _normalise('"We will not bid," said Anna Kowalski, the chief executive of the chain.', Markup.text, nlp)
    doc = nlp(norm.text)
    assert any(e.label_ == "PERSON" for e in doc.spans["stock"]), list(doc.spans["stock"])
    r = candidates.read(doc, norm)
    person = next(n for n in r.names.values() if n.text == "Anna Kowalski")
    assert person.mentions[0].stock == "PERSON"
    assert candidates.name_features(r, person).get("stock=PERSON", 0) > 0
    from_stock = {m.text for n in r.names.values() for m in n.mentions if any(
        s.startswith("stock:") for s in m.sources)}
    assert "Anna Kowalski" in from_stock
