"""One test per pattern family, with sentences written for these tests (trained pipeline: marked slow)."""

from __future__ import annotations

import pytest

from kg.errors import ModelNotFoundError

pytestmark = pytest.mark.slow


def names(records):
    return {r.name for r in records}


def edges(facts):
    return {(s.child, s.parent) for s in facts.subsidiaries}


def org_of(facts, form):
    for o in facts.organizations:
        if form in o.forms:
            return o.name
    return None


def check_evidence(text, facts):
    for kind in ("organizations", "subsidiaries", "models", "investments", "programs"):
        for rec in getattr(facts, kind):
            assert rec.evidence, rec
            for ev in rec.evidence:
                assert text[ev.start:ev.end] == ev.text
                assert text[ev.sentence_start:ev.sentence_start + len(ev.sentence)] == ev.sentence
                assert 0.0 <= ev.confidence <= 1.0
                assert ev.rule


# ---- organizations and aliases -------------------------------------------------------------------------------------
def test_aliases_fold_legal_suffixes(run):
    text = ("Brightwater Holdings Ltd said on Monday that profits rose. Brightwater also hired 200 engineers, "
            "and Brightwater Holdings plans more hiring.")
    f = run(text)
    [org] = [o for o in f.organizations if "Brightwater" in o.forms]
    assert {"Brightwater", "Brightwater Holdings"} <= set(org.forms)
    check_evidence(text, f)


def test_descriptor_makes_an_organization(run):
    text = "Customers moved to payments start-up Quillpay and to grocery delivery service Basketo last year."
    f = run(text)
    assert {"Quillpay", "Basketo"} <= {n for o in f.organizations for n in o.forms}


def test_head_words_make_organizations(run):
    f = run("Researchers at Corvid Lab and engineers from Marlin Cloud presented the results together.")
    assert {"Corvid Lab", "Marlin Cloud"} <= names(f.organizations)


def test_acronym_in_brackets_is_an_alias(run):
    f = run("Eastern Grid Corporation (EGC) said on Friday it will build three plants. EGC shares rose.")
    [org] = [o for o in f.organizations if "EGC" in o.forms]
    assert "Eastern Grid Corporation" in org.forms


def test_products_are_not_organizations(run):
    f = run("Pellucid Software merged three of its product lines - the Nimbo assistant, Scribbly and the Tasko app.")
    forms = {n for o in f.organizations for n in o.forms}
    assert "Nimbo" not in forms and "Tasko" not in forms


# ---- subsidiaries --------------------------------------------------------------------------------------------------
def test_its_unit(run):
    f = run("Halvard Group reported strong sales. Its payments unit Halvard Pay will expand to Brazil.")
    assert (org_of(f, "Halvard Pay"), org_of(f, "Halvard Group")) in edges(f)


def test_x_a_subsidiary_of_y(run):
    f = run("The deal was signed by Tern Logistics, a wholly owned subsidiary of Osprey Freight Inc, on Tuesday.")
    assert ("Tern Logistics", org_of(f, "Osprey Freight Inc")) in edges(f)


def test_possessive_organization(run):
    f = run("Contracts went to Marrow Industries' Pinecrest Bank, which lends to farmers.")
    assert ("Pinecrest Bank", org_of(f, "Marrow Industries")) in edges(f)


def test_y_owned_x(run):
    f = run("Quayside-owned Harbor Games released a new title, Quayside said.")
    assert (org_of(f, "Harbor Games"), org_of(f, "Quayside")) in edges(f)


def test_owner_of(run):
    f = run("Veltra Group, which owns chipmaker Nanoforge, opened a plant in Texas.")
    assert ("Nanoforge", org_of(f, "Veltra Group")) in edges(f)


def test_negation_denial_and_stakes_are_not_edges(run):
    text = ("Orbis Media said Lumen Studios is not a subsidiary of Orbis Media. Orbis Media denied that it owns "
            "Clearview Labs. Garnet Capital owns a 12% stake in Fenwick Robotics.")
    f = run(text)
    assert not edges(f)


def test_departments_after_a_reorganisation(run):
    text = ("Pallas Corp is reorganising its research arm. Two departments are new: a Speech Systems Department and "
            "a Vision Systems Department.")
    f = run(text)
    parent = org_of(f, "Pallas Corp")
    assert {("Speech Systems Department", parent), ("Vision Systems Department", parent)} <= edges(f)


# ---- models --------------------------------------------------------------------------------------------------------
def test_model_sizes_and_developer(run):
    f = run("Corvid Lab released Heron-2 in 3B, 11B and 90B sizes on Monday.")
    [m] = [m for m in f.models if m.name == "Heron-2"]
    assert m.sizes == (3_000_000_000, 11_000_000_000, 90_000_000_000)
    assert m.developer == "Corvid Lab"


def test_model_range(run):
    f = run("Marlin Cloud introduced the Sparrow 3 series, open-source models ranging from 1.5 billion to 72 billion "
            "parameters.")
    [m] = [m for m in f.models if m.name == "Sparrow 3"]
    assert (m.parameters_min, m.parameters_max) == (1_500_000_000, 72_000_000_000)
    assert m.open_source is True


def test_total_and_active_parameters_and_tokens(run):
    text = ("Pallas Corp launched Kestrel-Max, a mixture-of-experts model with 236 billion total parameters, of "
            "which 21 billion are activated per token. It handles a context of 128,000 tokens.")
    f = run(text)
    [m] = [m for m in f.models if m.name == "Kestrel-Max"]
    assert m.parameters == 236_000_000_000
    assert m.active_parameters == 21_000_000_000


def test_base_model(run):
    f = run("Tessel AI unveiled Quill-7, a reasoning model distilled from the larger Quill-6 Pro.")
    [m] = [m for m in f.models if m.name == "Quill-7"]
    assert m.based_on == "Quill-6 Pro"
    assert m.developer == "Tessel AI"


def test_possessive_developer(run):
    f = run("Benchmarks put Dorado 4 ahead of Vantor's Sable Pro and Quokka's Wren 2 on maths tests.")
    devs = {m.name: m.developer for m in f.models}
    assert devs.get("Sable Pro") == org_of(f, "Vantor")
    assert devs.get("Wren 2") == org_of(f, "Quokka")


def test_model_in_training(run):
    f = run("Corvid Lab says its Heron-3 model, with 400 billion parameters, is still being trained.")
    [m] = [m for m in f.models if m.name == "Heron-3"]
    assert m.status == "in_training"
    assert m.parameters == 400_000_000_000


# ---- investments ---------------------------------------------------------------------------------------------------
def test_investment_with_usd_period_and_qualifier(run):
    text = ("Halvard Group said it will invest at least 120 billion yuan (US$16.5 billion) in data centres over the "
            "next four years.")
    f = run(text)
    [i] = f.investments
    assert (i.investor, i.amount, i.currency, i.amount_usd) == (org_of(f, "Halvard Group"), 120e9, "CNY", 16.5e9)
    assert i.period_years == 4
    assert i.qualifier == "at least"
    check_evidence(text, f)


def test_indian_numbering(run):
    f = run("Saffron Retail will invest Rs 1,800 crore in new warehouses, the company said.")
    [i] = f.investments
    assert (i.amount, i.currency) == (18_000_000_000, "INR")


def test_valuations_revenue_and_profit_are_not_investments(run):
    text = ("Pallas Corp, valued at $30 billion, reported revenue of $4 billion and a profit of $900 million. "
            "Its net debt stood at $2 billion.")
    assert run(text).investments == ()


def test_won_trillion(run):
    f = run("Daeyang Group plans to invest 12 trillion won ($8.7 billion) in batteries by 2030.")
    [i] = f.investments
    assert (i.amount, i.currency, i.amount_usd) == (12e12, "KRW", 8.7e9)
    assert i.status == "planned"


# ---- programmes ----------------------------------------------------------------------------------------------------
def test_program_co_organised(run):
    f = run("The Nova Founders Programme, co-organised by Marlin Cloud and Corvid Lab, will fund 50 start-ups.")
    [p] = f.programs
    assert p.name == "Nova Founders Programme"
    assert set(p.organizers) == {"Marlin Cloud", "Corvid Lab"}


def test_program_possessive(run):
    f = run("Applications for Halvard Group's Bright Minds Fellowship open in May.")
    [p] = f.programs
    assert p.organizers == (org_of(f, "Halvard Group"),)


# ---- hygiene -------------------------------------------------------------------------------------------------------
def test_boilerplate_gives_no_facts(run):
    text = ("Photo: Getty Images alt=Staff at Norrland Bank work in Umea. Photo: Getty Images\n"
            "This article originally appeared in the Weekly Ledger. Copyright © 2024 Weekly Ledger Ltd.\n"
            "免責聲明:本文僅供參考,不構成投資建議。\n")
    f = run(text)
    assert len(f) == 0


# ---- API -----------------------------------------------------------------------------------------------------------
def test_load_pipeline_is_cached(nlp):
    from kg.extract import load_pipeline

    assert load_pipeline() is nlp
    assert {"kg_paragraphs", "kg_hygiene", "ner"} <= set(nlp.pipe_names)


def test_missing_model_is_a_clear_error():
    from kg.extract import load_pipeline

    with pytest.raises(ModelNotFoundError, match="pip install"):
        load_pipeline("en_core_web_nonexistent_zz")


def test_extract_many_keeps_order(nlp):
    from kg.extract import extract, extract_many, extractor_version

    texts = ["Quokka Labs hired 20 people.", "Vantor Group opened an office.", "Nothing to see here."]
    many = list(extract_many(texts, nlp=nlp, batch_size=2))
    assert [f.to_dict() for f in many] == [extract(t, nlp=nlp).to_dict() for t in texts]
    assert many[0].extractor == extractor_version(nlp)
    assert extractor_version(nlp).startswith("kg ")


def test_people_hardware_and_reporting_commas_are_not_facts(run):
    text = ("Chief executive Dana Whitlock and Corvane Systems chief Ilya Brandt met in Oslo. The pandemic hit sales "
            "of the Lumo 12 tablet and Vexa 7 laptops, Corvane Systems said. Corvane Systems showed its Arkon 820B AI "
            "chip.")
    f = run(text)
    forms = {n for o in f.organizations for n in o.forms}
    assert "Corvane Systems" in forms
    assert not forms & {"Dana Whitlock", "Ilya Brandt", "Vexa 7 laptops", "Lumo 12"}
    assert not f.models
