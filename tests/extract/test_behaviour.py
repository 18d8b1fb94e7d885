"""Behaviour of the trained extractor on invented sentences: what it must find, and what it must leave alone.

These are tests of decisions, not of weights: every sentence is written for this file (no name or sentence of any
corpus or gold text), one per error class of real text (wire copy, acquisitions read backwards, denials, markdown
traps, method words, market moves, mixture-of-experts counts). Quality on real text is measured by ``kg eval``,
not here. Marked slow: they need the trained pipeline and the shipped weights.
"""

from __future__ import annotations

import pytest

pytestmark = pytest.mark.slow


def _orgs(facts):
    return {f for o in facts.organizations for f in o.forms}


def _edges(facts):
    return {(s.child, s.parent) for s in facts.subsidiaries}


def _check_offsets(text, facts):
    for kind in ("organizations", "subsidiaries", "models", "investments", "programs"):
        for rec in getattr(facts, kind):
            for ev in rec.evidence:
                assert 0 <= ev.start <= ev.end <= len(text)
                assert text[ev.start:ev.end] == ev.text
                assert ev.sentence_start <= ev.start
                assert 0.0 <= ev.confidence <= 1.0


WIRE = """VANTOR INDUSTRIES <VTR> BUYS KELDAN

    CHICAGO, March 4 - Vantor Industries Inc <VTR> said it
completed the acquisition of Keldan Corp, a maker of pumps,
for 45 mln dlrs in cash.
    Vantor said Keldan will operate as a wholly owned subsidiary.
"""


def test_wire_purchase_gives_an_investment_and_an_edge(run):
    facts = run(WIRE)
    _check_offsets(WIRE, facts)
    assert any("Vantor Industries" in f for f in _orgs(facts))
    inv = [(i.investor, round(i.amount), i.currency) for i in facts.investments]
    assert any(a == 45_000_000 and c == "USD" and "Vantor" in who for who, a, c in inv), inv
    assert any("Keldan" in c and "Vantor" in p for c, p in _edges(facts)), _edges(facts)
    assert not any("VTR" in f for f in _orgs(facts))  # ticker codes are not names


def test_unit_apposition_is_an_edge(run):
    text = "Brennock Systems, a unit of Halvard Group Plc, said on Tuesday it had opened a new plant in Leeds."
    facts = run(text)
    assert any("Brennock" in c and "Halvard" in p for c, p in _edges(facts)), _edges(facts)


def test_a_denial_is_never_an_edge(run):
    text = ("Marrow Capital denied that Tessaly Foods is a subsidiary of the group. "
            "Marrow Capital said it holds a 9 pct stake in Tessaly Foods.")
    facts = run(text)
    assert not any("Tessaly" in c for c, _ in _edges(facts)), _edges(facts)


def test_market_moves_are_not_investments(run):
    text = ("Shares of Orrin Mining Corp rose 1.20 dlrs to 14.50 dlrs on the news. "
            "Orrin Mining reported net profit of 12.4 mln dlrs, up from 9.1 mln dlrs a year earlier.")
    facts = run(text)
    assert facts.investments == (), facts.investments


MARKDOWN = """# Releasing Quillon-2

[Veritan Labs](https://veritan.example/about) is releasing **Quillon-2**, an open-weights
mixture-of-experts model with 47 billion parameters, of which 13 billion are active per token.

## Evaluation

We evaluate on MMLU and HumanEval with LoRA adapters, under the Apache 2.0 license.

```bash
pip install quillon  # Not A Company Inc
```
"""


def test_markdown_model_card(run):
    facts = run(MARKDOWN)
    _check_offsets(MARKDOWN, facts)
    models = {m.name: m for m in facts.models}
    q = next((m for n, m in models.items() if "Quillon" in n), None)
    assert q is not None, models
    assert q.parameters == 47_000_000_000 and q.active_parameters == 13_000_000_000, q
    orgs = _orgs(facts)
    assert not ({"MMLU", "HumanEval", "LoRA", "Apache", "Evaluation", "Not A Company Inc"} & orgs), orgs
    assert not any(m.name in ("Evaluation", "Releasing Quillon-2") for m in facts.models)
    assert not any("http" in f or "veritan.example" in f for f in orgs | set(models))


def test_every_offset_points_into_the_original_markup(run):
    text = "<p>Orvell Partners said it <b>invested</b> &euro;20 million in Tamsin Robotics.</p>\r\n<p>More.</p>"
    facts = run(text)
    _check_offsets(text, facts)
