"""The news identity step (kg.identity): one node per company across documents, on invented names only.

Documents are written straight as facts (no extractor): each names organizations the way a wire story would, and
the step must join acronyms, legal forms, country prefixes and headline capitals across documents, never join
entities whose identifiers or stated parents conflict, and be undone by unlinking without touching anything else.
"""

from __future__ import annotations

import io
from collections import Counter
from pathlib import Path

from kg import vocab
from kg.facts import DocumentInfo, Evidence, Facts, Organization, Subsidiary
from kg.identity import display_name, identity_links, is_acronym, link_news, resolve_news, unlink_news
from kg.merge import merge_files
from kg.queries import get_query, run_query
from kg.rdf import facts_to_nquads
from kg.store import GraphStore, RdfFormatName

P = vocab.ID + "org/"


def _ev(text: str) -> tuple[Evidence, ...]:
    return (Evidence(start=0, end=len(text), text=text, sentence=text, sentence_start=0, rule="test",
                     confidence=0.9),)


def _add(store: GraphStore, n: int, *orgs: Organization, subs: tuple[Subsidiary, ...] = ()) -> None:
    """Document number ``n`` naming ``orgs`` (and stating ``subs``)."""
    sha = vocab.digest("identity-test", n, length=64).ljust(64, "0")
    facts = Facts(organizations=tuple(orgs), subsidiaries=subs, extractor="test")
    doc = facts_to_nquads(facts, DocumentInfo(sha256=sha, title=f"story {n}", date=f"2024-01-{n + 1:02d}"),
                          ingested_at="2024-02-01T00:00:00Z", extractor="test")
    store.add_nquads(doc.body, doc.marker)


def _org(name: str, *aliases: str) -> Organization:
    return Organization(name=name, aliases=aliases, evidence=_ev(name))


def _canonical(store: GraphStore) -> dict[str, str]:
    identity, _ = resolve_news(store)
    return {m.removeprefix(P): c.removeprefix(P) for m, c in identity.canonical().items()}


def _export(store: GraphStore) -> bytes:
    out = io.BytesIO()
    store.export(out, RdfFormatName.nquads)
    return out.getvalue()


def test_acronym_texts_define_joins_the_bare_acronym_elsewhere(store: GraphStore) -> None:
    _add(store, 1, _org("Quorvex Bildan Corp", "QBC"))  # "Quorvex Bildan Corp (QBC) said ..."
    _add(store, 2, _org("QBC"))
    _add(store, 3, _org("QBC"), _org("Zentriva Holdings"))
    assert _canonical(store)["qbc"] != _canonical(store)["quorvex-bildan-corp"]  # one text alone is not enough
    _add(store, 4, _org("Quorvex Bildan Corp", "QBC"))
    can = _canonical(store)
    assert can["qbc"] == can["quorvex-bildan-corp"]
    assert can["zentriva-holdings"] != can["qbc"]
    report = link_news(store)
    assert report.links_by_reason == {"acronym": 1}
    (row,) = identity_links(store)
    assert row["reason"] == "acronym" and row["key"] == "QBC = Quorvex Bildan Corp" and float(row["score"]) < 1


def test_an_alias_that_is_not_the_initials_joins_nothing(store: GraphStore) -> None:
    _add(store, 1, _org("Quorvex Bildan Corp", "XRT"))
    _add(store, 2, _org("XRT"))
    can = _canonical(store)
    assert can["xrt"] != can["quorvex-bildan-corp"]
    assert is_acronym("QBC", "Quorvex Bildan Corp") and is_acronym("QB", "Quorvex Bildan Corp")
    assert is_acronym("TFB", "Trade and Farming Board") and not is_acronym("XRT", "Quorvex Bildan Corp")


def test_an_acronym_another_company_named_as_often_has_the_initials_of_is_not_guessed(store: GraphStore) -> None:
    _add(store, 1, _org("Quorvex Bildan Corp", "QBC"))
    _add(store, 2, _org("Quorvex Bildan Corp", "QBC"))
    for n in range(3, 6):
        _add(store, n, _org("Quinta Bay Council"))  # never defines QBC, yet has its initials, in more texts
    _add(store, 6, _org("QBC"))
    assert _canonical(store)["qbc"] != _canonical(store)["quorvex-bildan-corp"]


def test_a_bare_word_joins_the_longer_name_only_where_texts_use_it_as_its_alias(store: GraphStore) -> None:
    _add(store, 1, _org("Velmora Corp"))
    _add(store, 2, _org("Velmora"))
    assert _canonical(store)["velmora"] != _canonical(store)["velmora-corp"]
    _add(store, 3, _org("Velmora Corp", "Velmora"))  # "Velmora Corp ... Velmora said"
    assert _canonical(store)["velmora"] != _canonical(store)["velmora-corp"]  # one text alone is not enough
    _add(store, 4, _org("Velmora Corp", "Velmora"))
    assert _canonical(store)["velmora"] == _canonical(store)["velmora-corp"]


def test_an_acronym_defined_for_two_companies_is_not_guessed(store: GraphStore) -> None:
    _add(store, 1, _org("Quorvex Bildan Corp", "QBC"))
    _add(store, 2, _org("Quinta Bay Council", "QBC"))
    _add(store, 3, _org("QBC"))
    can = _canonical(store)
    assert len({can["qbc"], can["quorvex-bildan-corp"], can["quinta-bay-council"]}) == 3


def test_legal_suffixes_country_prefix_and_headline_capitals_fold(store: GraphStore) -> None:
    _add(store, 1, _org("Zentriva Holdings Inc"))
    _add(store, 2, _org("Zentriva Holdings"))
    _add(store, 3, _org("ZENTRIVA HOLDINGS CORP <"))  # a headline cut at the ticker's bracket
    _add(store, 4, _org("Zentriva Holdings Co."))
    _add(store, 5, _org("U.S. Orlane Trade Office"))
    _add(store, 6, _org("Orlane Trade Office"))
    _add(store, 7, _org("Zentriva Holdings Inc"))
    can = _canonical(store)
    assert len({can[k] for k in ("zentriva-holdings-inc", "zentriva-holdings", "zentriva-holdings-corp",
                                 "zentriva-holdings-co")}) == 1
    assert can["u.s.-orlane-trade-office"] == can["orlane-trade-office"]
    reasons = Counter(lk.reason for lk in resolve_news(store)[0].links)
    assert reasons == {"legal-form": 3, "country-prefix": 1}
    link_news(store)
    rows = run_query(store, get_query("organizations")).bindings
    names = [str(r[1].value) for r in rows]
    assert names.count("Zentriva Holdings Inc") == 1 and not any("ZENTRIVA" in n for n in names)
    top = next(r for r in rows if r[1].value == "Zentriva Holdings Inc")
    assert int(top[4].value) == 5  # documents naming any member
    assert "Zentriva Holdings" in top[3].value.split(" | ")


def test_case_folding_across_spellings_of_one_name(store: GraphStore) -> None:
    _add(store, 1, _org("St. Orlane Office"))
    _add(store, 2, _org("St Orlane Office"))  # another IRI (the dot), the same name
    _add(store, 3, _org("ST ORLANE OFFICE"))  # headline capitals: the IRI of the line above
    can = _canonical(store)
    assert can["st.-orlane-office"] == can["st-orlane-office"]
    assert {lk.reason for lk in resolve_news(store)[0].links} == {"case"}


def test_two_different_prefixes_never_meet_through_the_bare_name(store: GraphStore) -> None:
    _add(store, 1, _org("U.S. Orlane Trade Office"))
    _add(store, 2, _org("U.K. Orlane Trade Office"))
    _add(store, 3, _org("Orlane Trade Office"))
    can = _canonical(store)
    assert can["u.s.-orlane-trade-office"] != can["u.k.-orlane-trade-office"]


def test_stated_parents_that_conflict_are_never_joined(store: GraphStore) -> None:
    _add(store, 1, _org("Velmora Finance Inc"), _org("Quorvex Bildan Corp"),
         subs=(Subsidiary(child="Velmora Finance Inc", parent="Quorvex Bildan Corp", relation="unit",
                          evidence=_ev("Velmora Finance Inc, a unit of Quorvex Bildan Corp")),))
    _add(store, 2, _org("Velmora Finance"), _org("Zentriva Holdings"),
         subs=(Subsidiary(child="Velmora Finance", parent="Zentriva Holdings", relation="unit",
                          evidence=_ev("Velmora Finance, a unit of Zentriva Holdings")),))
    can = _canonical(store)
    assert can["velmora-finance-inc"] != can["velmora-finance"]


def test_a_child_is_never_joined_with_its_stated_parent(store: GraphStore) -> None:
    _add(store, 1, _org("Velmora Ltd"), _org("Velmora Inc"),
         subs=(Subsidiary(child="Velmora Ltd", parent="Velmora Inc", relation="unit",
                          evidence=_ev("Velmora Ltd, a unit of Velmora Inc")),))
    can = _canonical(store)
    assert can["velmora-ltd"] != can["velmora-inc"]


def test_conflicting_identifiers_are_never_joined(store: GraphStore, tmp_path: Path) -> None:
    _add(store, 1, _org("Velmora Finance Inc"))
    _add(store, 2, _org("Velmora Finance"))
    assert _canonical(store)["velmora-finance-inc"] == _canonical(store)["velmora-finance"]
    ttl = tmp_path / "registry.ttl"
    ttl.write_text(
        "@prefix kg: <https://w3id.org/kgnews/ontology#> .\n@prefix rdfs: <http://www.w3.org/2000/01/rdf-schema#> .\n"
        '<http://example.org/r/1> a kg:Organization ; rdfs:label "Velmora Finance Inc" ;'
        ' kg:lei "LEI00000000000000001" .\n'
        '<http://example.org/r/2> a kg:Organization ; rdfs:label "Velmora Finance" ; kg:lei "LEI00000000000000002" .\n',
        encoding="utf-8")
    merge_files(store, [ttl], name="registry")  # links each registry entry to the news node of its exact name
    can = _canonical(store)
    assert can["velmora-finance-inc"] != can["velmora-finance"]
    # kg merge linked entry 1 to both news nodes (its name folds to both); the identity step does not follow a
    # name link whose name fits entities with different identifiers
    assert len({can["http://example.org/r/1"], can["http://example.org/r/2"], can["velmora-finance"]}) == 3


def test_display_name_is_the_most_frequent_full_form() -> None:
    forms = Counter({"ZENTRIVA HOLDINGS INC <": 9, "Zentriva Holdings Inc": 3, "Zentriva Holdings": 3, "ZHI": 12})
    assert display_name(forms) == "Zentriva Holdings Inc"  # tie: the longer; capitals and acronyms only as aliases
    assert display_name(Counter({"ZENTRIVA HOLDINGS": 2})) == "ZENTRIVA HOLDINGS"
    assert display_name(Counter({"Beta Works": 1, "Alpha Works": 1})) == "Alpha Works"


def test_unlinking_drops_the_links_and_nothing_else(store: GraphStore) -> None:
    _add(store, 1, _org("Quorvex Bildan Corp", "QBC"))
    _add(store, 2, _org("QBC"))
    _add(store, 3, _org("Quorvex Bildan"))
    _add(store, 5, _org("Quorvex Bildan Corp", "QBC"))
    before = _export(store)
    report = link_news(store)
    assert report.links == 2
    assert len(store) > 0 and _export(store) != before
    assert unlink_news(store) == 2
    assert _export(store) == before
    link_news(store)
    again = _export(store)
    link_news(store)
    assert _export(store) == again  # deterministic: the same store gives the same links and table


def test_why_sees_the_whole_company_newest_first_and_pages(store: GraphStore) -> None:
    _add(store, 0, _org("Quorvex Bildan Corp", "QBC"))
    _add(store, 1, _org("Quorvex Bildan Corp", "QBC"))
    _add(store, 2, _org("QBC"))
    _add(store, 3, _org("Quorvex Bildan"))
    _add(store, 4, _org("Zentriva Holdings"))
    link_news(store)
    result = run_query(store, get_query("why"), {"about": "qbc"})
    col = result.variables.index("date")
    dates = [str(r[col].value) for r in result.bindings]
    assert dates == ["2024-01-04", "2024-01-03", "2024-01-02", "2024-01-01"]  # every member, newest first
    subjects = {r[0].value.removeprefix(P) for r in result.bindings}
    assert subjects == {"quorvex-bildan-corp", "qbc", "quorvex-bildan"}
    page = run_query(store, get_query("why"), {"about": "QBC"}, limit=1, offset=1)
    assert [str(r[col].value) for r in page.bindings] == ["2024-01-03"]


def test_the_name_index_finds_models_too(store: GraphStore) -> None:
    from kg.facts import Model

    sha = "f" * 64
    facts = Facts(organizations=(_org("Zentriva Holdings"),),
                  models=(Model(name="Zephyr-9", developer="Zentriva Holdings", evidence=_ev("Zephyr-9")),))
    doc = facts_to_nquads(facts, DocumentInfo(sha256=sha), ingested_at="2024-02-01T00:00:00Z", extractor="test")
    store.add_nquads(doc.body, doc.marker)
    link_news(store)
    found = run_query(store, get_query("why"), {"about": "zephyr-9"}).bindings
    assert found and {r[0].value for r in found} == {vocab.model_iri("Zephyr-9").value}


def test_legal_forms_of_different_countries_are_not_folded_together(store: GraphStore) -> None:
    _add(store, 1, _org("Velmora Widget GmbH"))  # the German subsidiary of the company below
    _add(store, 2, _org("Velmora Widget Inc"))
    _add(store, 3, _org("Velmora Widget Co Inc"))
    can = _canonical(store)
    assert can["velmora-widget-gmbh"] != can["velmora-widget-inc"] == can["velmora-widget-co-inc"]


def test_a_name_two_countries_register_stays_apart_from_both(store: GraphStore) -> None:
    _add(store, 1, _org("Velmora Widget Plc"))  # a British company
    _add(store, 2, _org("Velmora Widget Corp"))  # an unrelated American one of the same name
    _add(store, 3, _org("Velmora Widget Co"))  # either
    can = _canonical(store)
    assert len({can["velmora-widget-plc"], can["velmora-widget-corp"], can["velmora-widget-co"]}) == 3


def test_a_rare_foreign_registration_stays_apart_and_the_rest_joins(store: GraphStore) -> None:
    for n in range(1, 12):
        _add(store, n, _org("Velmora Widget Inc"))
    _add(store, 12, _org("Velmora Widget"))
    _add(store, 13, _org("Velmora Widget Ltd"))  # once: its London arm
    can = _canonical(store)
    assert can["velmora-widget"] == can["velmora-widget-inc"] != can["velmora-widget-ltd"]


def test_views_draw_one_node_per_company(store: GraphStore) -> None:
    from kg.graph import subsidiary_tree

    unit = Subsidiary(child="Velmora Labs", parent="Quorvex Bildan Corp", relation="unit",
                      evidence=_ev("Velmora Labs, a unit of Quorvex Bildan Corp"))
    _add(store, 1, _org("Quorvex Bildan Corp"), _org("Velmora Labs"), subs=(unit,))
    arm = Subsidiary(child="Zentriva Holdings", parent="QUORVEX BILDAN", relation="unit",
                     evidence=_ev("Zentriva Holdings, an arm of QUORVEX BILDAN"))
    _add(store, 2, _org("QUORVEX BILDAN"), _org("Zentriva Holdings"), subs=(arm,))
    assert len([n for n in subsidiary_tree(store) if "quorvex" in n]) == 2  # before the identity step
    link_news(store)
    tree = subsidiary_tree(store, root="Quorvex Bildan")
    (company,) = [n for n in tree if "quorvex" in n]
    assert tree.nodes[company]["label"] == "Quorvex Bildan Corp" and tree.nodes[company]["documents"] == 2
    assert {tree.nodes[n]["label"] for n in tree.successors(company)} == {"Velmora Labs", "Zentriva Holdings"}


def test_subsidiaries_and_parents_start_from_the_whole_company(store: GraphStore) -> None:
    unit = Subsidiary(child="Velmora Labs", parent="Quorvex Bildan Corp", relation="unit",
                      evidence=_ev("Velmora Labs, a unit of Quorvex Bildan Corp"))
    _add(store, 1, _org("Quorvex Bildan Corp"), _org("Velmora Labs"), subs=(unit,))
    arm = Subsidiary(child="Zentriva Holdings", parent="QUORVEX BILDAN", relation="unit",
                     evidence=_ev("Zentriva Holdings, an arm of QUORVEX BILDAN"))
    _add(store, 2, _org("QUORVEX BILDAN"), _org("Zentriva Holdings"), subs=(arm,))
    up = Subsidiary(child="Quorvex Bildan", parent="Orlane Trade Office", relation="unit",
                    evidence=_ev("Quorvex Bildan, a unit of Orlane Trade Office"))
    _add(store, 3, _org("Quorvex Bildan"), _org("Orlane Trade Office"), subs=(up,))

    def children() -> set[str]:
        rows = run_query(store, get_query("subsidiaries"), {"org": "Quorvex Bildan Corp"}).bindings
        return {r[1].value for r in rows}

    assert children() == {"Velmora Labs"}
    link_news(store)
    assert children() == {"Velmora Labs", "Zentriva Holdings"}
    parents = run_query(store, get_query("parents"), {"org": "quorvex bildan corp"}).bindings
    assert [r[1].value for r in parents] == ["Orlane Trade Office"]
