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


# ---- task F: patterns from the i1-i6 held-out batch (each sentence below is new and invented) -------------------


def _models(facts):
    return {m.name: m for m in facts.models}


def test_press_release_dateline_is_not_the_developer(run):
    facts = run("Pollux Unveils Vela-3\n\nGRENOBLE, France--(BUSINESS WIRE)--Pollux SA today released Vela-3, an "
                "open-weight model with 12 billion parameters.\n")
    assert _models(facts)["Vela-3"].developer == "Pollux SA"
    assert not {"GRENOBLE", "France--(BUSINESS", "BUSINESS WIRE"} & _orgs(facts)


@pytest.mark.parametrize("phrase", [
    "an open model released last year by the Nairobi start-up Tambo AI",
    "an open-weight model developed by Chilean start-up Tambo AI",
    "an open-weight model from the nonprofit research lab Tambo AI",
])
def test_base_model_developer_named_after_its_apposition(run, phrase):
    facts = run(f"Corrib Systems said its assistant Kell-2 was fine-tuned from Rua-7, {phrase}.")
    models = _models(facts)
    assert models["Rua-7"].developer == "Tambo AI"
    assert models["Kell-2"].developer == "Corrib Systems" and models["Kell-2"].based_on == "Rua-7"


def test_unit_of_the_group_and_shared_owner_of_conjoined_units(run):
    facts = run("Ostara Holdings will spend $2 billion on chip plants. The work falls to Ostara Fab, a wholly owned "
                "unit of the group. Its payments business, Ostara Pay, will remain a subsidiary, the group said. "
                "The group's shipping arm, Ostara Lines, and its retail division, Ostara Shops, are not affected.")
    assert {("Ostara Fab", "Ostara Holdings"), ("Ostara Pay", "Ostara Holdings"),
            ("Ostara Lines", "Ostara Holdings"), ("Ostara Shops", "Ostara Holdings")} <= _edges(facts)
    assert not {e for e in _edges(facts) if e[1] in ("Ostara Pay", "Ostara Lines")}


def test_subsidiary_owner_is_the_clause_subject_not_the_main_company(run):
    facts = run("Brenna Motors will invest $1 billion in batteries. Brenna is not alone. Tovik Holdings said it "
                "would spend $400 million on robots through its wholly owned subsidiary Tovik Robotics, while "
                "Sarn Heavy Industries has formed a dedicated AI unit, Sarn AI Works.")
    edges = _edges(facts)
    assert ("Tovik Robotics", "Tovik Holdings") in edges and ("Sarn AI Works", "Sarn Heavy Industries") in edges
    assert not {e for e in edges if e[1] == "Brenna Motors"}


def test_division_of_a_described_parent_and_subsidiary_lists(run):
    facts = run("The founders met at Pemba Labs, the research division of payments company Pemba Systems. "
                "Pemba Systems's subsidiaries include Pemba Cards GmbH in Vienna and Pemba Pay Inc. in Austin.")
    edges = _edges(facts)
    assert {("Pemba Labs", "Pemba Systems"), ("Pemba Cards GmbH", "Pemba Systems"),
            ("Pemba Pay Inc.", "Pemba Systems")} <= edges
    assert "Vienna" not in _orgs(facts)


def test_investor_after_from_and_round_valuations(run):
    facts = run("Lorne Data is backed by a £120 million commitment from infrastructure investor Cathal Partners. "
                "The deal values Lorne Data at £900 million.")
    assert [(i.investor, i.amount, i.currency) for i in facts.investments] == [("Cathal Partners", 120_000_000, "GBP")]


@pytest.mark.parametrize("sentence, partner", [
    ("Vesta Bank launched the Coast AI Program jointly with Brindle University.", "Brindle University"),
    ("Vesta Bank said it would run the Coast AI Program in partnership with Brindle University.",
     "Brindle University"),
    ("Vesta Bank runs the Coast AI Program, a six-month course, together with the charity Open Brindle.",
     "Open Brindle"),
    ("Vesta Bank will fund the Coast AI Program, which it runs with the nonprofit Open Brindle.", "Open Brindle"),
])
def test_co_organizers_joined_by_with(run, sentence, partner):
    facts = run(sentence)
    (prog,) = facts.programs
    assert set(prog.organizers) == {"Vesta Bank", partner}


def test_the_division_and_both_models(run):
    facts = run("Kasumi Electric will invest 80 billion yen in AI. The work is led by Kasumi Factory Systems, a "
                "division of Kasumi Electric. The division is training Tomo-2, with 30 billion parameters, and "
                "Tomo-2 Mini, with 3 billion parameters. Both models are built on Hane-30B, an open-weight model "
                "released by Sapporo start-up Hane AI.")
    models = _models(facts)
    for name in ("Tomo-2", "Tomo-2 Mini"):
        assert models[name].developer == "Kasumi Factory Systems"
        assert models[name].based_on == "Hane-30B"
    assert models["Hane-30B"].developer == "Hane AI"


def test_lab_in_apposition_is_the_developer(run):
    facts = run("Doran Cloud's AI lab, Doran Mind, last month released Peli-4, a model with 20 billion parameters.")
    assert _models(facts)["Peli-4"].developer == "Doran Mind"


def test_not_organizations(run):
    facts = run("Pellar raised $50 million in a Series B round in 2021. Its co-founder, Ilaria Conti, joined from "
                "Nuvo Capital, where partner Ravi Menon, who sits on the board, led the deal. Chief executive "
                "Dana Kell said the money would go to chips. Revenue doubled, Kell said. Pellar also earmarked "
                "EUR 20 million for a lab.\n\nThe Canadian pension fund Arbor Pension Plan owns 5%.")
    orgs = _orgs(facts)
    assert not {"Series B", "2021", "Ilaria Conti", "Ravi Menon", "Kell", "EUR"} & orgs
    assert "Arbor Pension Plan" in orgs and not facts.programs


def test_a_place_after_in_unless_the_name_acts_elsewhere(run):
    facts = run("Quenta said it would invest $100 million in robots. The stake held by Sorrel Capital in Quenta is "
                "worth $2 billion. Pemba Cards GmbH in Vienna is hiring.")
    orgs = _orgs(facts)
    assert "Quenta" in orgs and "Vienna" not in orgs


def test_places_after_a_site_noun(run):
    facts = run("Toberly Holdings will spend $500 million on data centres in Tarvos and Lunwick, the company said.")
    assert _orgs(facts) == {"Toberly Holdings"}


# ---- k batch (k1-k6): rules added after its blind first run, each tested on other invented text ----------------


def test_a_licence_is_not_an_organization(run):
    facts = run("Brindle AI released Morrow-2, an open-weight model.\n\nMorrow-2 ships under the Brindle Community "
                "Licence, which bars commercial use.")
    assert "Brindle Community Licence" not in _orgs(facts)
    assert {m.name: m.developer for m in facts.models}["Morrow-2"] == "Brindle AI"


def test_the_subject_of_is_a_research_lab_is_an_organization(run):
    facts = run("Today we release Velk-3, our largest model yet.\n\nFenwick Mind is a research lab based in Porto.")
    assert "Fenwick Mind" in _orgs(facts)
    assert {m.name: m.developer for m in facts.models}["Velk-3"] == "Fenwick Mind"


def test_hyphenated_and_shorthand_parameter_counts_before_model(run):
    facts = run("Ostrava Labs trained Ostra-4, a 22-billion-parameter model, on 2 trillion tokens. "
                "Ostra-Coder is a 3B model fine-tuned from Ostra-4 on 90 billion tokens of code.")
    params = {m.name: m.parameters for m in facts.models}
    assert params["Ostra-4"] == 22_000_000_000
    assert params["Ostra-Coder"] == 3_000_000_000


def test_headline_range_gives_way_to_the_family_sizes_in_the_body(run):
    facts = run("Meet Wren-5: open models from 2B to 90B\n\nToday Caldera AI is releasing Wren-5, its new family of "
                "open models. The family comes in three sizes, 2B, 9B and 30B, all trained on 6 trillion tokens.")
    wren = next(m for m in facts.models if m.name == "Wren-5")
    assert wren.sizes == (2_000_000_000, 9_000_000_000, 30_000_000_000)
    assert wren.parameters_min is None and wren.parameters_max is None


def test_headline_sizes_stay_when_the_body_names_one_of_them(run):
    facts = run("Tarn Robotics ships Heron 2 in 4B and 30B sizes\n\nTarn Robotics on Monday released Heron 2, its "
                "second family of language models. Even at 30 billion parameters, Heron 2 matches far larger rivals "
                "on reasoning tests, the company said.")
    heron = next(m for m in facts.models if m.name == "Heron 2")
    assert heron.sizes == (4_000_000_000, 30_000_000_000) and heron.parameters is None


def test_subsidiary_of_after_a_relative_clause(run):
    facts = run("Pindar Holdings said sales rose. Pindar Leasing, which manages assets of over $4,500 million, is a "
                "wholly owned subsidiary of Pindar Holdings. The group's shipping arm, Pindar Lines, reported a loss.")
    assert ("Pindar Leasing", "Pindar Holdings") in _edges(facts)
    assert ("Pindar Lines", "Pindar Holdings") in _edges(facts)
    assert ("Pindar Lines", "Pindar Leasing") not in _edges(facts)


def test_a_bracketed_equivalent_in_another_currency_is_the_same_investment(run):
    facts = run("Rimbun Energi will invest Rp 900 billion (about ₹480 crore) in a solar plant in Odisha.")
    assert [(i.investor, i.amount, i.currency, i.amount_usd) for i in facts.investments] == [
        ("Rimbun Energi", 900_000_000_000, "IDR", None)]


def test_a_valuation_after_the_comma_belongs_to_the_next_amount(run):
    facts = run("Corrow Capital said it had bought a 5 per cent stake in Tillbury Foods for $40 million, valuing the "
                "grocer at $800 million.")
    assert [(i.investor, i.amount) for i in facts.investments] == [("Corrow Capital", 40_000_000)]


def test_who_runs_a_programme_not_who_announced_it(run):
    facts = run("Halvard Group also announced the Halvard Makers Fellowship on Monday. The fellowship will be run "
                "by Halvard Digital together with the Eastmoor Institute of Design.")
    assert {p.name: set(p.organizers) for p in facts.programs}["Halvard Makers Fellowship"] == {
        "Halvard Digital", "Eastmoor Institute of Design"}


def test_languages_and_countries_are_not_organizations(run):
    facts = run("Sarnath Digital is training Bodhi-2, a model for contracts in Tamil, Telugu and Kannada. "
                "Sarnath Digital also sells to farms in Uganda and Tanzania.")
    assert _orgs(facts) == {"Sarnath Digital"}


def test_model_shaped_unit_names_in_a_plural_unit_list(run):
    facts = run("Brenna Group will fold its Brenna Robotics and Brenna Vision units into a new division.")
    assert "Brenna Vision" in _orgs(facts) and not facts.models
    assert {("Brenna Robotics", "Brenna Group"), ("Brenna Vision", "Brenna Group")} <= _edges(facts)


def test_word_word_size_names_and_the_model_that_x_released(run):
    facts = run("Tollan Freight will take over Harl-Lift 3B, the 3-billion-parameter robotics model that Tollan "
                "Robotics released in May.")
    assert [(m.name, m.developer, m.parameters) for m in facts.models] == [
        ("Harl-Lift 3B", "Tollan Robotics", 3_000_000_000)]


def test_we_in_a_blog_post_is_the_publishing_organization(run):
    facts = run("Introducing Sable-2\n\nToday we are releasing Sable-2. We are also growing the Sable Residency, a "
                "research programme we run with the Norrvik School of Design.\n\nGlimmer AI is a research lab "
                "based in Turku.")
    assert {m.name: m.developer for m in facts.models}["Sable-2"] == "Glimmer AI"
    assert {p.name: set(p.organizers) for p in facts.programs}["Sable Residency"] == {
        "Glimmer AI", "Norrvik School of Design"}


def test_the_company_in_a_story_about_one_company(run):
    facts = run("Harwick Optics sells cameras to factories. Harwick Optics was founded in 2009 and hired 40 "
                "engineers last year. Rival Plover, which raised money in May, says its software is cheaper. "
                "Every spring the company takes in apprentices for the Lens Apprenticeship Programme, which it runs "
                "together with the Dunmere Institute of Technology.")
    assert {p.name: set(p.organizers) for p in facts.programs}["Lens Apprenticeship Programme"] == {
        "Harwick Optics", "Dunmere Institute of Technology"}


def test_an_amount_read_as_a_name_is_not_an_organization(run):
    facts = run("Pellham Pay, which processed SEK 90 billion in transactions last year, will list in Stockholm.")
    assert _orgs(facts) == {"Pellham Pay"}
    assert not facts.investments


def test_a_joint_venture_named_after_a_comma(run):
    facts = run("Ardent Motors and Kuroshio Denki agreed to form a joint venture, Tessel Mobility, to build forklifts.")
    assert "Tessel Mobility" in _orgs(facts)


def test_descriptors_utility_and_foundation(run):
    facts = run("Velmont Group sold a stake in the Danish utility Oresand Kraft. The Pinefield Fellowship, launched "
                "in 2021 by the foundation Stiftung Talgrund, funds doctoral students.")
    assert {"Oresand Kraft", "Stiftung Talgrund"} <= _orgs(facts)
    assert {p.name: set(p.organizers) for p in facts.programs}["Pinefield Fellowship"] == {"Stiftung Talgrund"}


def test_a_fund_that_money_comes_from_is_an_investor(run):
    facts = run("Lormont Bio raised $30M from Castellan Health Fund and Wexbury Partners; Castellan contributed "
                "$20M of the total.")
    assert "Castellan Health Fund" in _orgs(facts) and not facts.programs
    assert [(i.investor, i.amount) for i in facts.investments] == [("Castellan Health Fund", 20_000_000)]


def test_a_series_round_is_not_one_investors_investment(run):
    facts = run("Ondry Health closed a €12M Series A. Saltfleet Growth led the round, alongside Merrow Capital.")
    assert not facts.investments
    assert {"Saltfleet Growth", "Merrow Capital"} <= _orgs(facts)


def test_developer_of_an_apposed_model(run):
    facts = run("Quinto Labs builds agents for insurers. Rival Tessmer, which raised money in March, says its own "
                "model, Harrow-Inspect, was trained on claims. Quinto's first model, Lark-3B, has 3 billion "
                "parameters.")
    dev = {m.name: m.developer for m in facts.models}
    assert dev["Harrow-Inspect"] == "Tessmer" and dev["Lark-3B"] == "Quinto Labs"


def test_its_after_an_unnamed_indefinite_owner(run):
    facts = run("Venn Telecom sold its data arm last year. A European consortium wound up its Beacon Data Scheme "
                "in March.")
    assert {p.name: p.organizers for p in facts.programs}["Beacon Data Scheme"] == ()


def test_its_at_the_start_of_a_sentence_after_one_organization(run):
    facts = run("Ostmark Group, whose holdings include Ostmark Rail, owns Tarsel Vision. What keeps Tarsel Vision "
                "ahead, its managers argue, is data. Its flagship model, Ferro-V3, has 1.2 billion parameters.")
    assert {m.name: m.developer for m in facts.models}["Ferro-V3"] == "Tarsel Vision"


def test_whose_holdings_include_but_not_a_stake(run):
    facts = run("When Harrowgate Group, whose other holdings include the shipping firm Harrowgate Lines and a minority "
                "stake in the Danish utility Norrby Kraft, sold its mills, shares fell.")
    assert ("Harrowgate Lines", "Harrowgate Group") in _edges(facts)
    assert not any(child == "Norrby Kraft" for child, _ in _edges(facts))


def test_its_parent_names_the_parent(run):
    facts = run("Lindqvist Optics makes cameras. The company, which was founded in 2008 and which began to call itself "
                "an AI business only after its parent, the Swedish conglomerate Aldermark Group, pushed it, now sells "
                "software.")
    assert ("Lindqvist Optics", "Aldermark Group") in _edges(facts)


def test_a_unit_that_reports_to_the_group(run):
    facts = run("Tessaly Vision sells software. When Brookmere Group decided to move Tessaly's sensors into a separate "
                "unit, Tessaly Sensing Systems, which reports to the group rather than to the company, engineers left.")
    assert ("Tessaly Sensing Systems", "Brookmere Group") in _edges(facts)
    assert ("Tessaly Sensing Systems", "Tessaly Vision") not in _edges(facts)


def test_money_from_a_sole_investor(run):
    facts = run("Cobble Labs raised £4M in seed funding from Wrenfield Partners, its sole investor. Pike Robotics "
                "raised $9M from Arden Capital and Moss Ventures.")
    assert [(i.investor, i.amount, i.currency) for i in facts.investments] == [("Wrenfield Partners", 4_000_000, "GBP")]


def test_the_base_model_of_a_long_subject_clause(run):
    facts = run("Its flagship model, Corra-V3, which the company says was trained on 20 million scans of welds, "
                "pipes and valves gathered over a decade, has 1.1 billion parameters and is built on Corra-V2.")
    assert {m.name: m.based_on for m in facts.models}["Corra-V3"] == "Corra-V2"


def test_new_subsidiary_named_after_a_preposition_belongs_to_the_subject(run):
    facts = run("Orrin Holdings reported results. Under the plan, Orrin Electronics will move its ferry business to a "
                "newly created wholly owned subsidiary, Orrin Coastal Lines, next year.")
    assert ("Orrin Coastal Lines", "Orrin Electronics") in _edges(facts)
    assert ("Orrin Coastal Lines", "Orrin Holdings") not in _edges(facts)


def test_money_from_a_lone_existing_investor_is_its_investment(run):
    facts = run("Tollgate Farms took a $3 million bridge round from its existing investor Brennick Capital "
                "before a larger raise.")
    assert [(i.investor, i.amount) for i in facts.investments] == [("Brennick Capital", 3_000_000)]


def test_notes_from_one_named_source_count_but_lists_and_grants_do_not(run):
    one = run("Paloma Credito raised $40 million in convertible notes from Arroyo Partners, which will convert "
              "at the next round.")
    assert [(i.investor, i.amount) for i in one.investments] == [("Arroyo Partners", 40_000_000)]
    two = run("Paloma Credito raised $40 million from Arroyo Partners and Quintal Ventures.")
    assert two.investments == ()
    grant = run("Compute was covered by a $5 million research grant from the Ellery Foundation.")
    assert grant.investments == ()


def test_credit_lines_and_fund_closes_are_not_investments(run):
    facts = run("Ostrander Bank also drew $70 million from a credit line arranged by Kell Bank. "
                "Marrow Ventures closed its second fund at $200 million.")
    assert facts.investments == ()


def test_a_titled_persons_surname_is_neither_organization_nor_investor(run):
    facts = run("Speaking to analysts, chief operating officer Renata Vollmer said the company will spend $4 billion "
                "on new plants. Vollmer said Dunmore Industries plans to invest $1.5 billion in Texas.")
    assert "Vollmer" not in _orgs(facts) and "Texas" not in _orgs(facts)
    assert {i.investor for i in facts.investments} <= {"Dunmore Industries"}
    assert ("Dunmore Industries", 1_500_000_000) in {(i.investor, i.amount) for i in facts.investments}


def test_section_headers_and_sector_words_are_not_organizations(run):
    facts = run("MOBILITY\nInsurtech Pelham Assure raised £12 million from Bexley Partners, its sole investor.\n")
    assert "MOBILITY" not in _orgs(facts)
    assert "Pelham Assure" in _orgs(facts) and "Insurtech Pelham Assure" not in _orgs(facts)


def test_hyphenated_name_with_a_spaced_version_is_a_model(run):
    facts = run("Ostwind Labs raised money this year. Alongside the financing, the company released QR-Lumen 2, a "
                "family of open-weight models in 1.5 billion, 9 billion and 72 billion parameter sizes.")
    assert [(m.name, m.developer, m.sizes) for m in facts.models] == [
        ("QR-Lumen 2", "Ostwind Labs", (1_500_000_000, 9_000_000_000, 72_000_000_000))]
    assert "QR-Lumen 2" not in _orgs(facts)


def test_a_currency_code_and_price_is_not_a_model(run):
    facts = run("Pendrix AG reiterated its outlook for revenue of CHF 4.5 billion to CHF 4.8 billion and said it "
                "would propose a dividend of CHF 3.40 per share. The group also plans to invest CHF 90 million in "
                "a robotics plant.")
    assert facts.models == ()
    assert [(i.investor, i.amount, i.currency) for i in facts.investments] == [("Pendrix AG", 90_000_000, "CHF")]


def test_rounds_baselines_and_orders_are_not_investments(run):
    facts = run("Harwick Systems invested $50 million in Nobu Robotics. Nobu Robotics raised the money as part of "
                "Nobu's $400 million funding round. Harwick will spend $2 billion on plants next year, up from about "
                "$1 billion this year. Its unit won a $90 million order from a rail operator.")
    assert {(i.investor, i.amount) for i in facts.investments} == {
        ("Harwick Systems", 50_000_000), ("Harwick Systems", 2_000_000_000)}


def test_the_place_based_company_is_the_one_the_text_called_so(run):
    facts = run("Orwell Capital said on Monday it had bought shares in Velda Robotics, the Lyon-based maker of "
                "warehouse arms. Orwell Capital also backs three other start-ups in France.\n\n"
                "Last week, the Lyon-based company released Arm-Brain 2, an open model.")
    assert [(m.name, m.developer) for m in facts.models] == [("Arm-Brain 2", "Velda Robotics")]


def test_a_name_ending_in_collective_is_an_organization(run):
    facts = run("Further down the table, Brindle Collective's Tern-3B, a 3-billion-parameter model, gained a place.")
    assert "Brindle Collective" in _orgs(facts)
    assert [(m.name, m.developer) for m in facts.models] == [("Tern-3B", "Brindle Collective")]


def test_becoming_part_of_a_company_makes_a_unit(run):
    facts = run("Harlan Capital agreed to buy the Danish pump maker Tovby Pumper. Tovby will become part of "
                "Harlan's portfolio company Essing Flow, which makes valves.")
    assert ("Tovby Pumper", "Essing Flow") in _edges(facts)
    assert ("Tovby Pumper", "Harlan Capital") not in _edges(facts)


def test_a_relative_clause_on_an_apposition_names_its_organization(run):
    facts = run("Pelling Robotics raised 90 million euros in a new round. The round was led by the Rhone Growth "
                "Fund, a state-backed vehicle that contributed 30 million euros, with Kestin Partners also taking "
                "part.")
    assert [(i.investor, i.amount, i.currency) for i in facts.investments] == [
        ("Rhone Growth Fund", 30_000_000, "EUR")]


def test_a_slashed_nordic_legal_suffix_stays_in_the_name(run):
    facts = run("Danish shipping firm Toftlund A/S said it would invest DKK 300 million in new cranes.")
    assert "Toftlund A/S" in _orgs(facts) and "Toftlund A" not in _orgs(facts)
