"""Long texts in pieces (issue 12, item 2), without spaCy: where a text is cut, that a piece's offset map still
points into the whole original, and how the facts of several pieces become one document's.

Every name and sentence here is invented for this file.
"""

from __future__ import annotations

import pytest

from kg.extract.assemble import merge_pieces
from kg.extract.normalise import Markup, normalise, split_points
from kg.facts import Evidence, Facts, Investment, Model, Organization, Program, Subsidiary


def _covers(text: str, pieces: list[tuple[int, int]], limit: int) -> None:
    assert pieces[0][0] == 0 and pieces[-1][1] == len(text)
    assert all(a < b and b - a <= limit for a, b in pieces)
    assert all(pieces[i][1] == pieces[i + 1][0] for i in range(len(pieces) - 1))


def test_a_short_text_is_one_piece():
    assert split_points("Short text.", 100) == [(0, 11)]
    assert split_points("", 100) == [(0, 0)]


def test_pieces_end_at_paragraphs_then_lines_then_sentences_then_spaces_then_anywhere():
    para = "Orvane Labs hired staff. " * 4 + "\n\n"
    text = para * 10
    pieces = split_points(text, 250)
    _covers(text, pieces, 250)
    assert all(text[b - 2:b] == "\n\n" for _, b in pieces[:-1])  # after a blank line

    lines = ("Orvane Labs hired staff. " * 3 + "\n") * 10
    pieces = split_points(lines, 200)
    _covers(lines, pieces, 200)
    assert all(lines[b - 1] == "\n" for _, b in pieces[:-1])

    sentences = "Orvane Labs hired twelve engineers. " * 40
    pieces = split_points(sentences, 300)
    _covers(sentences, pieces, 300)
    assert all(sentences[b - 2:b] == ". " for _, b in pieces[:-1])

    words = "orvane " * 200
    pieces = split_points(words, 100)
    _covers(words, pieces, 100)
    assert all(words[b - 1] == " " for _, b in pieces[:-1])

    blob = "x" * 1050
    assert split_points(blob, 100) == [(i, min(i + 100, 1050)) for i in range(0, 1050, 100)]


def test_a_piece_is_never_shorter_than_half_unless_it_is_the_last():
    text = "A.\n\n" + "word " * 300  # a paragraph break only near the start
    pieces = split_points(text, 200)
    _covers(text, pieces, 200)
    assert all(b - a >= 100 for a, b in pieces[:-1])


MARKUP = {
    Markup.markdown: "# Orvane &amp; Tull\n\nRead [Orvane Labs](https://x.example/a) **now**.\r\n\n"
                     "| a | b |\n|---|---|\n| Tull Ltd | 4 |\n\n" + "Plain words follow here. " * 30
                     + "\n\nThe end of Tull Ltd.\n",
    Markup.html: "<p>Orvane &amp; Tull</p><div>Orvane Labs said <b>so</b>.</div>\r\n" + "<p>More words.</p>" * 30,
    Markup.wire: "ORVANE LABS BUYS TULL\n\n    Orvane Labs <ORV> said it\nbought Tull Ltd.\n" + "Words here. " * 40,
    Markup.text: "Orvane\u00a0Labs\u200b said\r\nit bought Tull Ltd.\n\n" + "Words here. " * 40,
}


@pytest.mark.parametrize("kind", list(MARKUP))
def test_a_piece_maps_into_the_whole_original(kind):
    norm = normalise(MARKUP[kind], kind)
    for limit in (40, 97, 300):
        for a, b in split_points(norm.text, limit):
            piece = norm.piece(a, b)
            assert piece.text == norm.text[a:b] and piece.original is norm.original
            for i in range(len(piece.text)):
                assert piece.to_original(i) == norm.to_original(a + i)
                assert piece.to_original_end(i + 1) == norm.to_original_end(a + i + 1)
            assert {(s + a, e + a, k) for s, e, k in piece.regions} == {
                (max(s, a), min(e, b), k) for s, e, k in norm.regions if s < b and e > a}


# ---- merging the facts of pieces -----------------------------------------------------------------------------------

TEXT = "x" * 400


def ev(start: int, rule: str = "entity:ORG", conf: float = 0.9) -> Evidence:
    return Evidence(start=start, end=start + 5, text=TEXT[start:start + 5], sentence=TEXT[start:start + 9],
                    sentence_start=start, rule=rule, confidence=conf)


def org(name: str, *aliases: str, at: int = 0) -> Organization:
    return Organization(name=name, aliases=aliases, evidence=(ev(at),))


def test_organizations_of_several_pieces_are_one_by_the_rules_of_one_text():
    first = Facts(organizations=(org("Orvane Labs Ltd", at=3), org("Tull Mining", at=10)))
    second = Facts(organizations=(org("Orvane Labs Ltd", at=120), org("Tull", at=130), org("Kessa Foods", at=140)))
    third = Facts(organizations=(org("OL", at=300), org("Kessa Foods Inc", at=310)))
    merged = merge_pieces([first, second, third])
    by_name = {o.name: o for o in merged.organizations}
    assert list(by_name) == ["Orvane Labs Ltd", "Tull Mining", "Kessa Foods Inc"]
    assert by_name["Orvane Labs Ltd"].aliases == ("OL",)  # initials of exactly one longer name
    assert by_name["Tull Mining"].aliases == ("Tull",)  # a one-word short form of exactly one longer name
    assert by_name["Kessa Foods Inc"].aliases == ("Kessa Foods",)  # the same name up to a legal suffix
    assert by_name["Orvane Labs Ltd"].evidence[0].start == 3  # the first piece's evidence
    assert by_name["Kessa Foods Inc"].evidence[0].start == 140


def test_a_one_word_name_stays_apart_when_it_starts_two_longer_names():
    merged = merge_pieces([Facts(organizations=(org("Tull Mining"),)), Facts(organizations=(org("Tull Energy"),)),
                           Facts(organizations=(org("Tull"),))])
    assert sorted(o.name for o in merged.organizations) == ["Tull", "Tull Energy", "Tull Mining"]


def test_relations_name_the_merged_entities_one_parent_per_child_never_two_way():
    a = Facts(organizations=(org("Brisk Cables Ltd"), org("Halden Group")),
              subsidiaries=(Subsidiary("Brisk Cables Ltd", "Halden Group", "unit", (ev(0, "model:subsidiary", 0.8),)),))
    b = Facts(organizations=(org("Brisk Cables"), org("Halden Group Plc"), org("Morrow Holdings")),
              subsidiaries=(Subsidiary("Brisk Cables", "Morrow Holdings", "owned", (ev(200, "model:subsidiary", 0.7),)),
                            Subsidiary("Halden Group Plc", "Brisk Cables", "unit", (ev(210, "model:subsidiary", 0.5),)),
                            Subsidiary("Brisk Cables", "Halden Group Plc", "unit",
                                       (ev(220, "model:subsidiary", 0.65),))))
    merged = merge_pieces([a, b])
    names = {o.name for o in merged.organizations}
    assert names == {"Brisk Cables Ltd", "Halden Group Plc", "Morrow Holdings"}
    edges = {(s.child, s.parent): s for s in merged.subsidiaries}
    assert set(edges) == {("Brisk Cables Ltd", "Halden Group Plc")}  # the most confident parent; no edge back
    assert edges[("Brisk Cables Ltd", "Halden Group Plc")].evidence[0].start == 0


def test_investments_one_per_amount_and_currency_the_most_confident():
    def inv(who: str, conf: float, at: int) -> Investment:
        return Investment(investor=who, amount=5e7, currency="USD", amount_usd=5e7,
                          evidence=(ev(at, "model:money", conf), ev(at, "model:investor", 0.9)))

    a = Facts(organizations=(org("Pell Capital"),), investments=(inv("Pell Capital", 0.6, 10),))
    b = Facts(organizations=(org("Pell Capital Ltd"), org("Oster Bank")),
              investments=(inv("Oster Bank", 0.8, 210), inv("Pell Capital Ltd", 0.7, 220)))
    merged = merge_pieces([a, b])
    assert [(i.investor, i.evidence[0].start) for i in merged.investments] == [("Oster Bank", 210)]


def test_models_and_programmes_of_several_pieces():
    orgs = (org("Veska Labs"),)
    a = Facts(organizations=orgs, models=(
        Model("Quell-3", developer="Veska Labs", parameters=7_000_000_000,
              evidence=(ev(0, "entity:MODEL"), ev(5, "model:developer", 0.55), ev(8, "grammar:parameters", 0.8))),),
        programs=(Program("Veska Fellows", organizers=("Veska Labs",),
                          evidence=(ev(20, "entity:PROGRAM"), ev(25, "model:organizer", 0.7))),))
    b = Facts(organizations=(org("Veska Labs Inc"), org("Norrin AI")), models=(
        Model("Veska Quell-3", developer="Norrin AI", parameters=9_000_000_000, open_source=True, status="planned",
              evidence=(ev(200, "entity:MODEL"), ev(205, "rule:developer.brand", 0.9),
                        ev(210, "grammar:parameters", 0.8))),
        Model("Quell-3 Mini", based_on="Veska Quell-3", evidence=(ev(230, "entity:MODEL"),
                                                                  ev(240, "model:based_on", 0.8)))),
        programs=(Program("Veska fellows", organizers=("Norrin AI", "Veska Labs Inc"),
                          evidence=(ev(250, "entity:PROGRAM"), ev(255, "model:organizer", 0.6),
                                    ev(260, "model:organizer", 0.6))),))
    merged = merge_pieces([a, b])
    models = {m.name: m for m in merged.models}
    # 'Veska Quell-3' is Quell-3 with its developer in front; of two names used alike, the longer is shown
    assert set(models) == {"Veska Quell-3", "Quell-3 Mini"}
    q = models["Veska Quell-3"]
    assert q.aliases == ("Quell-3",)
    assert q.developer == "Norrin AI"  # the most confident piece's developer
    assert q.parameters == 7_000_000_000  # as the first piece to state it says
    assert (q.open_source, q.status) == (True, "planned")
    assert [e.rule for e in q.evidence] == ["entity:MODEL", "rule:developer.brand", "grammar:parameters"]
    assert models["Quell-3 Mini"].based_on == "Veska Quell-3"
    (prog,) = merged.programs
    assert prog.name in ("Veska Fellows", "Veska fellows") and prog.organizers == ("Veska Labs Inc", "Norrin AI")
    assert [e.start for e in prog.evidence] == [20, 25, 255]


def test_one_piece_merges_to_itself():
    facts = Facts(organizations=(org("Orvane Labs", "Orvane"), org("Tull Ltd")),
                  subsidiaries=(Subsidiary("Orvane Labs", "Tull Ltd", "unit", (ev(1, "model:subsidiary"),)),),
                  extractor="x")
    assert merge_pieces([facts]) == facts
