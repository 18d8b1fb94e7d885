"""Patterns added after scoring blind held-out articles: each with our own invented sentences."""

from __future__ import annotations

import pytest

pytestmark = pytest.mark.slow


def _orgs(facts):
    return {o.name for o in facts.organizations}


def _edges(facts):
    return {(s.child, s.parent) for s in facts.subsidiaries}


def test_dateline_place_and_agency_are_not_investors(run):
    facts = run("Brisko plans a fund\n\nOSLO, May 2 (Newswire) - Shipping group Brisko Holdings will invest "
                "€400 million (about $430 million) in port robots over the next four years, the company said.\n")
    assert [(i.investor, i.amount, i.currency, i.period_years) for i in facts.investments] == [
        ("Brisko Holdings", 400_000_000, "EUR", 4)]
    assert "OSLO" not in _orgs(facts) and "Newswire" not in _orgs(facts)


def test_fund_holdings_are_not_investments(run):
    facts = run("Tarnvik Pension Fund, which manages about $300 billion in assets, will invest $90 million in "
                "Lumeno Robotics, the start-up said on Friday.")
    assert [(i.investor, i.amount) for i in facts.investments] == [("Tarnvik Pension Fund", 90_000_000)]


def test_a_one_word_short_name_folds_into_the_longer_name(run):
    facts = run("Quorra Capital agreed to invest £50 million in Pellway Foods.\n\n"
                "Quorra, the London investment firm, said it would not seek a board seat.")
    assert "Quorra" not in _orgs(facts)
    assert any("Quorra" in o.aliases for o in facts.organizations if o.name == "Quorra Capital")


def test_relative_clause_and_appositive_developers(run):
    facts = run("Delmar Group said its research division Delmar Robotics, which unveiled the Tessa-2 family, will "
                "lead the work. Tessa-2 was fine-tuned from Orlo-5, an open model developed by Brightfield Labs.")
    dev = {m.name: m.developer for m in facts.models}
    assert dev["Tessa-2"] == "Delmar Robotics"
    assert dev["Orlo-5"] == "Brightfield Labs"
    assert {m.name: m.based_on for m in facts.models}["Tessa-2"] == "Orlo-5"


def test_plural_unit_noun_carries_over_a_list(run):
    facts = run("Marlow Industries said its units Marlow Paper and Marlow Freight would adopt the system.")
    assert ("Marlow Paper", "Marlow Industries") in _edges(facts)
    assert ("Marlow Freight", "Marlow Industries") in _edges(facts)


def test_appositive_unit_followed_by_a_location(run):
    facts = run("Most of the money will go to Pendle AI Lab, the group's research unit in Leeds. "
                "Pendle Holdings reported higher sales.")
    assert ("Pendle AI Lab", "Pendle Holdings") in _edges(facts)


def test_co_organizers_from_conjoined_subjects_and_with(run):
    facts = run("Ostrel Digital and the Northfield Institute of Technology will run the Ostrel Founders Programme.")
    assert {p.name: set(p.organizers) for p in facts.programs}["Ostrel Founders Programme"] == {
        "Ostrel Digital", "Northfield Institute of Technology"}
    facts = run("The firm named the first fellows of the Cobalt AI Fellowship, a talent programme run by Cobalt Lab "
                "together with the Eastbay University of Arts and Design.")
    assert {p.name: set(p.organizers) for p in facts.programs}["Cobalt AI Fellowship"] == {
        "Cobalt Lab", "Eastbay University of Arts and Design"}


def test_a_sentence_adverb_is_not_a_programme(run):
    facts = run("Separately, the Velto Robotics Challenge, a contest organised by Velto Robotics, opens in May.")
    assert {p.name for p in facts.programs} == {"Velto Robotics Challenge"}


def test_reported_it_is_the_reporting_subject(run):
    facts = run("Pavo, a ticketing app controlled by the retailer Lindqvist Group, said it would put 300 billion won "
                "into a joint studio.")
    assert [(i.investor, i.amount, i.currency) for i in facts.investments] == [("Pavo", 300_000_000_000, "KRW")]


def test_size_shorthands_are_not_organizations(run):
    facts = run("Rennet Labs released Arvo-2 in 2B, 9B and 40B sizes; the Arvo-2 models are open-weight.")
    assert not {"9B", "40B", "2B"} & _orgs(facts)


def test_hyphenated_descriptor_and_model_from_a_developer(run):
    facts = run("Halden Mobile built Tarn-2 on Oska-4 from the Lagos start-up Kumbi AI, the company said.")
    assert "Kumbi AI" in _orgs(facts)
    assert {m.name: m.developer for m in facts.models}["Oska-4"] == "Kumbi AI"


def test_another_owner_unit_apposition(run):
    facts = run("Harrow Group said hiring covers its cloud arm, Harrow Cloud. The payments service Kestrel, a unit "
                "of Harrow Group, and the travel app Pindle, another Harrow unit, are hiring too.")
    edges = _edges(facts)
    assert ("Pindle", "Harrow Group") in edges and ("Kestrel", "Harrow Group") in edges
