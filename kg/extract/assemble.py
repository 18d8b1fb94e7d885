"""Assembly: decided names and pairs become :class:`kg.facts.Facts`, with evidence in the original text.

Stage five of extraction (normalise -> recognise -> candidates -> decide -> **assemble**). This module owns:

- **entities**: which names are kept (the decided class above its threshold, overlapping mentions resolved in
  favour of the more probable and longer), and which names are one entity (legal suffixes and case folded, a
  bracketed acronym, initials, a one-word short form of exactly one longer name, a model name with its
  developer's name in front);
- **facts**: subsidiary edges (one parent per child, the best), investments (an amount decided to be an
  investment and the party decided to pay it), developers, base models, organizers; parameter counts read by the
  number grammar next to a model's name; open-source flags and statuses from cue words; periods and days from the
  date grammar. Denials, rumours and former owners stay enforced as rules on top of the models;
- **evidence**: every record points into the *original* text through the normaliser's offset map, with the
  sentence, the decision that made it, and its calibrated probability as confidence.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, replace
from typing import Any

from kg.extract.candidates import Entity, Name, Pair, Reading, name_key
from kg.extract.dates import DateLike, article_date, find_day, locate_period
from kg.extract.decide import Decisions
from kg.extract.lexicon import lexicon, org_key
from kg.extract.numbers import find_money, find_parameters, parse_period
from kg.facts import Evidence, Facts, Investment, Model, Organization, Program, Subsidiary

ENTITY_CLASSES = ("ORG", "MODEL", "PROGRAM")
#: A pattern (``rule=`` feature of a pair) decides on its own when its smoothed precision on the train split,
#: measured by ``make train`` and kept in the manifest, is at least this; the fact's confidence is that precision.
RULE_MIN_PRECISION = 0.75


def rule_boost(dec: Decisions, kind: str, p: Pair) -> tuple[float, str | None]:
    """The best precision of the precise patterns that fire on pair ``p`` (and which), or (0, None)."""
    table = dec.manifest.get("rules", {}).get(kind, {})
    best, which = 0.0, None
    for feat in p.features:
        if feat.startswith("rule="):
            prec = float(table.get(feat[5:], (0.0, 0))[0])
            if prec >= RULE_MIN_PRECISION and prec > best:
                best, which = prec, feat[5:]
    return best, which
_DENIAL = re.compile(r"\b(?:denied|denies|deny|denying|dismissed|refuted|rejected)\b", re.I)
_NEGATED_BETWEEN = re.compile(r"\b(?:not|n't|never|no longer|neither|nor)\b", re.I)
_FORMER = re.compile(r"\b(?:former|formerly|ex-|once)\s*$", re.I)
_RUMOUR = re.compile(r"\b(?:reportedly|rumou?red|rumou?rs?|speculation|sources said|people familiar)\b", re.I)
_UNIT_WORD = re.compile(r"\b(wholly[- ]owned subsidiary|majority[- ]owned|subsidiary|subsidiaries|unit|units|division|"
                        r"divisions|arm|department|business group|offshoot|holding company|parent|owned|controlled)\b",
                        re.I)


def _threshold(dec: Decisions, label: str) -> float:
    return float(dec.manifest.get("entity_thresholds", {}).get(label, 0.5))


def entities(r: Reading, dec: Decisions) -> list[Entity]:
    """The names kept as organizations, models and programmes, grouped into entities."""
    model = dec.get("entity")
    for n in r.names.values():
        n.probs = model.probs(n.features)
    kept: dict[str, tuple[str, float]] = {}
    for key, n in r.names.items():
        label = n.label()
        if label in ENTITY_CLASSES and n.probs[label] >= _threshold(dec, label):
            kept[key] = (label, n.probs[label])
    taken: dict[int, str] = {}
    accepted: dict[str, list[tuple[int, int, int]]] = {}
    # the longer of two accepted names keeps the tokens ('NVIDIA Nemotron 3' over 'Nemotron 3'), then the more
    # probable one
    # the longer of two accepted names keeps the tokens ('NVIDIA Nemotron 3' over 'Nemotron 3'), unless it joins
    # two names ('A Corp and B Co'); then the more probable one
    def length(m: Any) -> int:
        return 0 if re.search(r" and |, ", m.text) and not (m.ner and any(s.startswith("ner:") for s in m.sources)) \
            else m.tend - m.tstart

    ranked = sorted(((kept[name_key(m.text)][1], length(m), m) for m in r.mentions
                     if name_key(m.text) in kept), key=lambda x: (-x[1], -x[0], x[2].start))
    for _, _, m in ranked:
        if any(i in taken for i in range(m.tstart, m.tend)):
            continue
        k = name_key(m.text)
        for i in range(m.tstart, m.tend):
            taken[i] = k
        accepted.setdefault(k, []).append((m.tstart, m.tend, m.sent))
    groups: list[list[Name]] = []
    by_label: dict[str, list[Name]] = {}
    for k in accepted:
        by_label.setdefault(kept[k][0], []).append(r.names[k])
    for label, names in by_label.items():
        groups.extend(_cluster_orgs(r, names) if label == "ORG" else
                       _cluster_models(names, by_label.get("ORG", [])) if label == "MODEL" else [[n] for n in names])
    out = []
    for gi, group in enumerate(groups):
        label = kept[group[0].key][0]
        spans = sorted(s for n in group for s in accepted[n.key])
        out.append(Entity(gi, label, group, max(kept[n.key][1] for n in group), spans))
    return out


def _initials(name: str) -> str:
    lex = lexicon()
    words = [w for w in re.findall(r"[A-Za-z][\w'&.-]*", name)
             if w.lower() not in ("of", "and", "the", "for", "&", "de")]
    while words and words[-1].lower().strip(".") in lex.legal_suffixes:
        words.pop()
    return "".join(w[0].upper() for w in words)


class _Partition:
    """Union-find over ``n`` items: which are one entity."""

    def __init__(self, n: int) -> None:
        self.parent = list(range(n))

    def find(self, i: int) -> int:
        while self.parent[i] != i:
            self.parent[i] = self.parent[self.parent[i]]
            i = self.parent[i]
        return i

    def union(self, a: int, b: int) -> None:
        ra, rb = self.find(a), self.find(b)
        if ra != rb:
            self.parent[rb] = ra


def _org_partition(forms: list[list[str]], links: Iterable[tuple[int, int]] = ()) -> list[int]:
    """Which organizations are one: the group of each, given each one's written forms (its name first).

    One when they share a form up to case, punctuation and legal suffixes (:func:`org_key`), when ``links`` says so
    (a bracketed acronym after a name), when a one-word name in capitals (2-6 letters) is the initials of exactly
    one longer name, or when a one-word name is the first word of exactly one longer name (of several: of the one
    whose other words are all legal suffixes). The same rules join the names of one text and the organizations of
    the pieces of a long one (:func:`merge_pieces`). Names are counted, not groups: 'Capital' stays apart from
    'Capital Homes Inc' and 'Capital Homes', as it always has.
    """
    lex = lexicon()
    part = _Partition(len(forms))
    by_key: dict[str, int] = {}
    for i, fs in enumerate(forms):
        for f in fs:
            k = org_key(f)
            if k in by_key:
                part.union(by_key[k], i)
            else:
                by_key[k] = i
    for a, b in links:
        part.union(a, b)
    multi = [i for i, fs in enumerate(forms) if len(fs[0].split()) > 1]
    for i, fs in enumerate(forms):
        words = fs[0].split()
        if len(words) != 1:
            continue
        w = words[0]
        if w.isupper() and 2 <= len(w) <= 6:
            hits = [j for j in multi if _initials(forms[j][0]) == w.replace(".", "")]
            if len(hits) == 1:
                part.union(hits[0], i)
                continue
        longer = [j for j in multi if forms[j][0].split()[0].lower() == w.lower()]
        if len(longer) > 1:
            longer = [j for j in longer
                      if all(t.lower().strip(".,") in lex.legal_suffixes for t in forms[j][0].split()[1:])]
        if len(longer) == 1:
            part.union(longer[0], i)
    return [part.find(i) for i in range(len(forms))]


def _cluster_orgs(r: Reading, names: list[Name]) -> list[list[Name]]:
    doc = r.doc
    index = {n.key: i for i, n in enumerate(names)}
    links: list[tuple[int, int]] = []
    # a bracketed acronym right after a name: "General Motors Corp (GM)"
    for i, n in enumerate(names):
        for m in n.mentions:
            if m.tend + 2 < len(doc) and doc[m.tend].text == "(" and doc[m.tend + 2].text == ")":
                ak = name_key(doc[m.tend + 1].text)
                if ak in index and ak != n.key:
                    links.append((i, index[ak]))
    groups: dict[int, list[Name]] = {}
    for n, root in zip(names, _org_partition([[n.text] for n in names], links), strict=True):
        groups.setdefault(root, []).append(n)
    return list(groups.values())


def model_key(name: str) -> str:
    return re.sub(r"[\s\-_]+", "", name.lower())


def _cluster_models(names: list[Name], orgs: list[Name]) -> list[list[Name]]:
    """Models by their folded name; a name that is another model's name with one or two capitalised words in
    front ('NVIDIA Nemotron 3' and 'Nemotron 3', 'Acme-Coder' and 'Coder' when 'Acme' is an organization) is the
    same model."""
    org_forms = {o.text.lower() for o in orgs} | {org_key(o.text) for o in orgs}
    keys: dict[str, str] = {}
    ordered = sorted(names, key=lambda x: len(x.text))
    for n in ordered:
        keys[n.key] = model_key(n.text)
    for n in ordered:
        text = n.text
        for short in ordered:
            if short is n or len(short.text) >= len(text):
                continue
            if _prefixed(text, short.text, org_forms):
                keys[n.key] = keys[short.key]
    groups: dict[str, list[Name]] = {}
    for n in names:
        groups.setdefault(keys[n.key], []).append(n)
    return list(groups.values())


def _prefixed(text: str, short: str, org_forms: set[str]) -> bool:
    """Is model name ``text`` the name ``short`` with an organization's name, or one or two capitalised words, in
    front (' ' or '-' between)? 'NVIDIA Nemotron 3' of 'Nemotron 3', 'Acme-Coder' of 'Coder'."""
    for sep in (" ", "-"):
        if not text.lower().endswith(sep + short.lower()):
            continue
        prefix = text[: -len(short) - 1]
        words = prefix.split()
        if prefix.lower() in org_forms or (sep == " " and 1 <= len(words) <= 2 and all(w[:1].isupper() for w in words)):
            return True
    return False


# ---- facts --------------------------------------------------------------------------------------------------------


@dataclass
class _Ctx:
    r: Reading
    dec: Decisions
    ents: dict[int, Entity]
    date: Any

    def evidence(self, ts: int, te: int, si: int, rule: str, conf: float) -> Evidence:
        doc, norm = self.r.doc, self.r.norm
        span = doc[ts:te]
        a, z = norm.span(span.start_char, span.end_char)
        sent = self.r.sents[si]
        sa, sz = norm.span(sent.start_char, sent.end_char)
        original = norm.original
        return Evidence(start=a, end=z, text=original[a:z], sentence=original[sa:sz], sentence_start=sa,
                        rule=rule, confidence=round(conf, 4))


def display_name(r: Reading, e: Entity) -> str:
    """The fullest form the text uses (most words, then most frequent), body forms before headline forms."""
    counts: dict[str, int] = {}
    body: set[str] = set()
    for n in e.names:
        for m in n.mentions:
            counts[m.text] = counts.get(m.text, 0) + 1
            if "headline" not in r.token_regions[m.tstart]:
                body.add(m.text)
    pool = [f for f in counts if f in body] or list(counts)
    if e.label == "ORG":
        return max(pool, key=lambda f: (len(f.split()), counts[f], len(f)))
    return max(pool, key=lambda f: (counts[f], len(f)))


def facts_from(r: Reading, ents: list[Entity], pairs: dict[str, list[Pair]], dec: Decisions, *,
               date: DateLike | None = None) -> Facts:
    """Facts of the document from its entities and the scored pairs."""
    ctx = _Ctx(r, dec, {e.id: e for e in ents}, article_date(date))
    names = {e.id: display_name(r, e) for e in ents}
    orgs = [Organization(name=names[e.id], aliases=tuple(f for f in _org_forms(r, e) if f != names[e.id]),
                         evidence=(ctx.evidence(*e.spans[0], "entity:ORG", e.prob),))
            for e in ents if e.label == "ORG"]
    subs = _subsidiaries(ctx, names, pairs.get("subsidiary", []))
    models = _models(ctx, names, [e for e in ents if e.label == "MODEL"], pairs)
    investments = _investments(ctx, names, pairs.get("money", []), pairs.get("investor", []))
    programs = _programs(ctx, names, [e for e in ents if e.label == "PROGRAM"], pairs.get("organizer", []))
    return Facts(organizations=tuple(orgs), subsidiaries=tuple(subs), models=tuple(models),
                 investments=tuple(investments), programs=tuple(programs))


def _org_forms(r: Reading, e: Entity) -> list[str]:
    """The entity's written forms, plus 'X's' where the text writes the possessive: a name may end in it
    ("Moody's", "Sainsbury's"), and the mention was cut before it."""
    doc = r.doc
    out = list(e.forms)
    for ts, te, _ in e.spans:
        if te < len(doc) and doc[te].tag_ == "POS" and not doc[te - 1].whitespace_:
            out.append(doc[ts:te + 1].text)
    return list(dict.fromkeys(out))


def _sentence_text(r: Reading, si: int) -> str:
    return r.sents[si].text


def _between_text(r: Reading, p: Pair) -> str:
    a, b = sorted([p.a_span, p.b_span])
    return r.doc[a[1]:b[0]].text if a[1] <= b[0] else ""


def _subsidiaries(ctx: _Ctx, names: dict[int, str], pairs: list[Pair]) -> list[Subsidiary]:
    model = ctx.dec.get("subsidiary")
    r = ctx.r
    best: dict[tuple[int, int], Pair] = {}
    for p in pairs:
        p.prob = model.prob(p.features)
        boost, rule = rule_boost(ctx.dec, "subsidiary", p)
        if rule:
            p.prob, p.via = max(p.prob, boost), "rule:subsidiary." + rule
        stext = _sentence_text(r, p.sent)
        if _DENIAL.search(stext) or _NEGATED_BETWEEN.search(_between_text(r, p)) or _RUMOUR.search(stext):
            continue  # denials, negations between the two names and rumours are never edges
        child_start = r.doc[p.a_span[0]].idx
        if _FORMER.search(r.text[max(0, child_start - 12):child_start]):
            continue
        key = (p.a, p.b)
        if key not in best or p.prob > best[key].prob:
            best[key] = p
    chosen: dict[int, Pair] = {}
    for (child, _parent), p in sorted(best.items(), key=lambda kv: -kv[1].prob):
        if (p.prob < model.threshold and not p.via.startswith("rule:")) or child in chosen:
            continue
        if (p.b, p.a) in best and p.b in chosen and chosen[p.b].b == p.a:
            continue  # no two-way edges
        chosen[child] = p
    out = []
    for child, p in chosen.items():
        if org_key(names[child]) == org_key(names[p.b]):
            continue  # two entities the text names alike are never parent and child
        m = _UNIT_WORD.search(_sentence_text(r, p.sent))
        relation = m.group(1).lower().replace("-", " ") if m else "owned"
        ev = (ctx.evidence(min(p.a_span[0], p.b_span[0]), max(p.a_span[1], p.b_span[1]), p.sent,
                           p.via if p.via.startswith("rule:") else "model:subsidiary", p.prob),)
        out.append(Subsidiary(child=names[child], parent=names[p.b], relation=relation, evidence=ev))
    return out


def _models(ctx: _Ctx, names: dict[int, str], models: list[Entity], pairs: dict[str, list[Pair]]) -> list[Model]:
    r = ctx.r
    lex = lexicon()
    dev_model = ctx.dec.get("developer")
    base_model = ctx.dec.get("based_on")
    developer: dict[int, Pair] = {}
    for p in pairs.get("developer", []):
        p.prob = dev_model.prob(p.features)
        boost, rule = rule_boost(ctx.dec, "developer", p)
        if rule:  # a precise pattern decides on its own (kg.extract.candidates.developer_rules)
            p.prob, p.via = max(p.prob, boost), "rule:developer." + rule
        if (rule or p.prob >= dev_model.threshold) and (p.b not in developer or p.prob > developer[p.b].prob):
            developer[p.b] = p
    based: dict[int, Pair] = {}
    for p in pairs.get("based_on", []):
        p.prob = base_model.prob(p.features)
        boost, rule = rule_boost(ctx.dec, "based_on", p)
        if rule:
            p.prob, p.via = max(p.prob, boost), "rule:based_on." + rule
        if _NEGATED_BETWEEN.search(_between_text(r, p)):
            continue
        if (rule or p.prob >= base_model.threshold) and (p.a not in based or p.prob > based[p.a].prob):
            based[p.a] = p
    sizes = _parameters(r, models)
    out = []
    for e in models:
        name = names[e.id]
        ev = [ctx.evidence(*e.spans[0], "entity:MODEL", e.prob)]
        dev = developer.get(e.id)
        if dev is not None:
            ev.append(ctx.evidence(*dev.a_span, dev.sent, dev.via or "model:developer", dev.prob))
        base = based.get(e.id)
        if base is not None:
            ev.append(ctx.evidence(*base.b_span, base.sent, base.via or "model:based_on", base.prob))
        info = sizes.get(e.id, {})
        if info.get("evidence"):
            ev.append(ctx.evidence(*info["evidence"], "grammar:parameters", 0.8))
        stexts = " ".join(_sentence_text(r, si) for si in sorted({s for _, _, s in e.spans}))
        open_source = True if lex.open_source_re.search(stexts) else False if lex.closed_source_re.search(stexts) \
            else None
        status = "in_training" if lex.status_res["in_training"].search(stexts) else \
            "planned" if lex.status_res.get("planned") is not None and lex.status_res["planned"].search(stexts) \
            else "released"
        out.append(Model(
            name=name, aliases=tuple(f for f in e.forms if f != name),
            developer=names.get(dev.a) if dev is not None else None,
            parameters=info.get("parameters"), parameters_min=info.get("min"), parameters_max=info.get("max"),
            sizes=info.get("sizes"), active_parameters=info.get("active"), open_source=open_source,
            based_on=names.get(base.b) if base is not None else None, status=status, evidence=tuple(ev)))
    return out


_SIZE_IN_NAME = re.compile(r"(?:^|[\s-])(\d+(?:\.\d+)?)([BM])(?=$|[\s-])")
_ACTIVE_IN_NAME = re.compile(r"(?:^|[\s-])A(\d+(?:\.\d+)?)([BM])(?=$|[\s-])")


def _name_size(forms: list[str]) -> int | None:
    for f in forms:
        m = _SIZE_IN_NAME.search(f)
        if m and not f[: m.start(1)].lower().endswith("x"):
            return round(float(m.group(1)) * (1e9 if m.group(2) == "B" else 1e6))
    return None


_UP_TO = re.compile(r"\b(?:up to|as (?:large|big) as|at most)\s+$", re.I)


def _family_member(family: str, member: str) -> bool:
    """'gpt-oss-20b' is a sized member of 'gpt-oss'; 'Llama 3 8B' of 'Llama 3'."""
    f, m = family.lower(), member.lower()
    return m.startswith(f) and bool(re.fullmatch(r"[\s-]\d+(?:\.\d+)?[bm](?:[\s-].*)?", m[len(f):]))


def _parameters(r: Reading, models: list[Entity]) -> dict[int, dict[str, Any]]:
    """Parameter counts per model, read by the number grammar: a group in a sentence that names models goes to
    the model named closest before it (a model whose name states another size is passed over); a group stated
    with the word 'parameters' in a sentence that names none goes to the model named last in the four sentences
    before (a spec line under a heading); a size only in the name is used when there is no other evidence."""
    doc = r.doc
    mentions: list[tuple[int, int, int, int]] = sorted((ts, te, si, e.id) for e in models for ts, te, si in e.spans)
    if not mentions:
        return {}
    sized = {e.id: _name_size(e.forms) for e in models}
    by_sent: dict[int, list[tuple[int, int, int, int]]] = {}
    for m in mentions:
        by_sent.setdefault(m[2], []).append(m)
    first_si = mentions[0][2]
    found: dict[int, dict[str, Any]] = {}
    for si in range(first_si, len(r.sents)):
        sent = r.sents[si]
        base = sent.start_char
        spans = by_sent.get(si, [])
        for g in find_parameters(sent.text):
            if g.excluded or not (g.explicit or g.shorthand):
                continue
            a, z = base + g.start, base + g.end
            if any(doc[s[0]].idx <= a and z <= doc[s[1] - 1].idx + len(doc[s[1] - 1]) for s in spans):
                continue  # a size inside a model's name is read from the name below
            if spans:
                before = sorted((s for s in spans if doc[s[1] - 1].idx < a), key=lambda s: a - doc[s[0]].idx)
                after = sorted((s for s in spans if doc[s[1] - 1].idx >= a), key=lambda s: doc[s[0]].idx - a)
                cands = before + after
            elif g.explicit:
                cands = [m for m in reversed(mentions) if si - 4 <= m[2] < si][:1]
            else:
                cands = []
            cands = [c for c in cands if sized[c[3]] is None or sized[c[3]] in g.values]
            if not cands:
                continue
            eid = cands[0][3]
            info = found.setdefault(eid, {})
            up_to = bool(_UP_TO.search(sent.text[max(0, g.start - 16):g.start]))
            if g.role == "active":
                info.setdefault("active", g.values[0])
            elif up_to and g.kind == "one":
                info.setdefault("max", g.values[0])  # 'up to 405B': the largest of several sizes
            elif g.kind == "range":
                info.setdefault("min", g.values[0])
                info.setdefault("max", g.values[-1])
            elif g.kind == "sizes":
                info.setdefault("sizes", tuple(sorted(set(g.values))))
            else:
                info.setdefault("parameters", g.values[0])
            span = doc.char_span(a, z, alignment_mode="expand")
            if span is not None:
                info.setdefault("evidence", (span.start, span.end, si))
    # a family named with its sized members ('gpt-oss', 'gpt-oss-20b', 'gpt-oss-120b'): the members' sizes
    for e in models:
        if any(k in found.get(e.id, {}) for k in ("parameters", "sizes", "min", "max")) or sized[e.id] is not None:
            continue
        members = {sized[o.id] for o in models if o.id != e.id and sized[o.id] is not None
                   and any(_family_member(f, g) for f in e.forms for g in o.forms)}
        if len(members) >= 2:
            found.setdefault(e.id, {})["sizes"] = tuple(sorted(members))
    for e in models:
        info = found.setdefault(e.id, {})
        for f in e.forms:
            am = _ACTIVE_IN_NAME.search(f)
            if am and "active" not in info:
                info["active"] = round(float(am.group(1)) * (1e9 if am.group(2) == "B" else 1e6))
        if sized[e.id] is not None and not any(k in info for k in ("parameters", "sizes", "min", "max")):
            info["parameters"] = sized[e.id]
        if {"min", "max"} & info.keys() and ("parameters" in info or "sizes" in info):
            info.pop("parameters", None)
            info.pop("sizes", None)
        if "sizes" in info and "parameters" in info:
            info.pop("parameters")
        if info.get("sizes") and len(info["sizes"]) == 1:
            info["parameters"] = info.pop("sizes")[0]
    return found


def _investments(ctx: _Ctx, names: dict[int, str], moneys: list[Pair], investors: list[Pair]) -> list[Investment]:
    r = ctx.r
    lex = lexicon()
    money_model = ctx.dec.get("money")
    inv_model = ctx.dec.get("investor")
    by_money: dict[int, list[Pair]] = {}
    for p in investors:
        p.prob = inv_model.prob(p.features)
        by_money.setdefault(id(p.b), []).append(p)
    found: dict[tuple[float, str], Investment] = {}
    conf: dict[tuple[float, str], float] = {}
    for mp in moneys:
        mp.prob = money_model.prob(mp.features)
        if mp.prob < money_model.threshold:
            continue
        stext = _sentence_text(r, mp.sent)
        if _DENIAL.search(stext):
            continue
        cands = [p for p in by_money.get(id(mp.a), []) if p.prob >= inv_model.threshold]
        if not cands:
            continue
        best = max(cands, key=lambda p: p.prob)
        money = mp.a
        p = mp.prob * best.prob
        key = (round(money.amount), money.currency)
        if key in found and conf[key] >= p:
            continue
        sent = r.sents[mp.sent]
        rel_end = r.doc[mp.a_span[1] - 1].idx + len(r.doc[mp.a_span[1] - 1]) - sent.start_char
        usd = money.amount if money.currency == "USD" else None
        if usd is None:
            follow = [m for m in find_money(stext[rel_end:rel_end + 40]) if m.currency == "USD" and m.start < 6]
            usd = follow[0].amount if follow else None
        tail = stext[rel_end:]
        period_years = parse_period(tail)
        span = locate_period(tail, on=ctx.date)
        day = find_day(stext, on=ctx.date)
        status = ("rumoured" if lex.rumour_re.search(stext) else "completed" if lex.completed_re.search(stext)
                  else "planned" if lex.planned_re.search(stext) else "announced")
        ev = (ctx.evidence(*mp.a_span, mp.sent, "model:money", mp.prob),
              ctx.evidence(*best.a_span, r.sent_of(best.a_span[0]), "model:investor", best.prob))
        found[key] = Investment(
            investor=names[best.a], amount=money.amount, currency=money.currency, amount_usd=usd,
            target=_target(r, mp), period_years=period_years, qualifier=money.qualifier, status=status,
            evidence=ev, period_start=span.start_iso if span and (span.start or span.end) else None,
            period_end=span.end_iso if span and (span.start or span.end) else None,
            announced_on=day.isoformat() if day else None)
        conf[key] = p
    return list(found.values())


def _target(r: Reading, mp: Pair) -> str | None:
    """What the money goes to: the object of the verb the amount hangs on ('acquire X for N'), else the phrase
    after 'for'/'in'/'into' next to the amount. Not scored; a readable pointer for people."""
    doc = r.doc
    root = doc[mp.a_span[0]:mp.a_span[1]].root
    v = root.head
    for _ in range(4):
        if v.pos_ in ("VERB", "AUX"):
            break
        if v.head.i == v.i:
            break
        v = v.head
    for c in v.children:
        if c.dep_ in ("dobj", "attr") and not (c.left_edge.i <= root.i <= c.right_edge.i):
            text = doc[c.left_edge.i:c.right_edge.i + 1].text
            return text[:160] if text else None
    after = doc[mp.a_span[1]:min(len(doc), mp.a_span[1] + 12)]
    for t in after:
        if t.lower_ in ("for", "in", "into", "on") and t.dep_ == "prep":
            obj = next((c for c in t.children if c.dep_ == "pobj"), None)
            if obj is not None:
                return doc[obj.left_edge.i:obj.right_edge.i + 1].text[:160]
    return None


def _programs(ctx: _Ctx, names: dict[int, str], progs: list[Entity], pairs: list[Pair]) -> list[Program]:
    model = ctx.dec.get("organizer")
    chosen: dict[int, dict[int, Pair]] = {}
    for p in pairs:
        p.prob = model.prob(p.features)
        if p.prob >= model.threshold:
            cur = chosen.setdefault(p.b, {})
            if p.a not in cur or p.prob > cur[p.a].prob:
                cur[p.a] = p
    out = []
    for e in progs:
        name = names[e.id]
        ev = [ctx.evidence(*e.spans[0], "entity:PROGRAM", e.prob)]
        orgs = chosen.get(e.id, {})
        for p in orgs.values():
            ev.append(ctx.evidence(*p.a_span, p.sent, "model:organizer", p.prob))
        out.append(Program(name=name, aliases=tuple(f for f in e.forms if f != name),
                           organizers=tuple(names[o] for o in orgs), evidence=tuple(ev)))
    return out


# ---- the pieces of a long text ------------------------------------------------------------------------------------


def _evidence_of(evidence: tuple[Evidence, ...], *kinds: str) -> Evidence | None:
    """The first evidence made by a rule of one of ``kinds`` ('model:developer' also matches 'rule:developer.*')."""
    for ev in evidence:
        for kind in kinds:
            if ev.rule == kind or ev.rule.startswith("rule:" + kind.split(":", 1)[-1] + "."):
                return ev
    return None


def _aliases(name: str, forms: Iterable[str]) -> tuple[str, ...]:
    return tuple(f for f in dict.fromkeys(forms) if f != name)


def _most_used(names: list[str]) -> str:
    """The name most pieces use (ties: the longer, then the first)."""
    counts: dict[str, int] = {}
    for n in names:
        counts[n] = counts.get(n, 0) + 1
    return max(counts, key=lambda n: (counts[n], len(n)))


def merge_pieces(parts: Sequence[Facts]) -> Facts:
    """One document's facts from the facts of its pieces, in text order (:func:`kg.extract.extract` reads a text
    longer than its piece size piece by piece), assembled as for one text:

    - organizations are one by the rules that join the names of one text (:func:`_org_partition`: shared forms up
      to legal suffixes, initials, a one-word short form of exactly one longer name); the name is the fullest one
      a piece uses, the evidence the first piece's;
    - models are one by their folded name or a name with its developer's (or one or two capitalised words) in
      front; the developer and base model are those of the most confident piece, the parameter counts those the
      first piece to state them gives, open source and status as any piece says (in training > planned >
      released);
    - programmes are one by their folded name, with the organizers of every piece;
    - relations name the merged entities; one parent per child (the most confident edge, never two-way), one
      investment per amount and currency (the most confident), as within one text.

    Evidence offsets are kept: they already point into the original text. What one piece says about a name only
    another piece names (a pronoun at a piece's start, a developer stated pieces away) is lost; pieces end at
    paragraph breaks, where little of that crosses.
    """
    # organizations: the rules run over the distinct names the pieces give (each with every form pieces use for it)
    orgs = [(pi, o) for pi, f in enumerate(parts) for o in f.organizations]
    named: dict[str, list[str]] = {}
    for _, o in orgs:
        named.setdefault(o.name, []).extend(o.forms)
    roots = dict(zip(named, _org_partition([list(dict.fromkeys(fs)) for fs in named.values()]), strict=True))
    org_members: dict[int, list[Organization]] = {}
    org_at: dict[tuple[int, str], int] = {}
    for pi, o in orgs:
        org_members.setdefault(roots[o.name], []).append(o)
        for f in o.forms:
            org_at.setdefault((pi, f), roots[o.name])
    org_name: dict[int, str] = {}
    for root, members in org_members.items():
        used = [o.name for o in members]
        org_name[root] = max(dict.fromkeys(used), key=lambda n: (len(n.split()), used.count(n), len(n)))
    merged_orgs = tuple(
        Organization(name=org_name[root],
                     aliases=_aliases(org_name[root], (f for o in members for f in o.forms)),
                     kind=next((o.kind for o in members if o.kind), None), evidence=members[0].evidence)
        for root, members in org_members.items())

    def org(pi: int, name: str | None) -> str | None:
        root = org_at.get((pi, name)) if name is not None else None
        return org_name[root] if root is not None else name

    # models
    models = [(pi, m) for pi, f in enumerate(parts) for m in f.models]
    org_forms = {f.lower() for o in merged_orgs for f in o.forms} | {org_key(f) for o in merged_orgs for f in o.forms}
    part = _Partition(len(models))
    first_with: dict[str, int] = {}
    for i, (_, m) in enumerate(models):
        for f in m.forms:
            k = model_key(f)
            part.union(first_with.setdefault(k, i), i)
    by_name: dict[str, int] = {}
    for i, (_, m) in enumerate(models):
        by_name.setdefault(m.name, i)
    for long, i in by_name.items():
        for short, j in by_name.items():
            if len(short) < len(long) and _prefixed(long, short, org_forms):
                part.union(j, i)
    model_members: dict[int, list[tuple[int, Model]]] = {}
    model_at: dict[tuple[int, str], int] = {}
    for i, (pi, m) in enumerate(models):
        model_members.setdefault(part.find(i), []).append((pi, m))
        for f in m.forms:
            model_at.setdefault((pi, f), part.find(i))
    model_name = {root: _most_used([m.name for _, m in members]) for root, members in model_members.items()}

    def model(pi: int, name: str | None) -> str | None:
        root = model_at.get((pi, name)) if name is not None else None
        return model_name[root] if root is not None else name

    merged_models = tuple(_merge_models(model_name[root], members, org, model)
                          for root, members in model_members.items())

    # subsidiaries: one parent per child, the most confident edge, never two-way
    best: dict[tuple[str, str], tuple[float, Subsidiary]] = {}
    for pi, f in enumerate(parts):
        for s in f.subsidiaries:
            child, parent = org(pi, s.child) or s.child, org(pi, s.parent) or s.parent
            if child == parent:
                continue
            conf = max((e.confidence for e in s.evidence), default=0.0)
            if (child, parent) not in best or conf > best[(child, parent)][0]:
                best[(child, parent)] = (conf, Subsidiary(child=child, parent=parent, relation=s.relation,
                                                          evidence=s.evidence))
    chosen: dict[str, Subsidiary] = {}
    for (child, parent), (_, s) in sorted(best.items(), key=lambda kv: -kv[1][0]):
        if child in chosen or (parent in chosen and chosen[parent].parent == child):
            continue
        chosen[child] = s

    # investments: one per amount and currency, the most confident
    found: dict[tuple[int, str], Investment] = {}
    conf_of: dict[tuple[int, str], float] = {}
    for pi, f in enumerate(parts):
        for inv in f.investments:
            conf = 1.0
            for e in inv.evidence:
                conf *= e.confidence
            key = (round(inv.amount), inv.currency)
            if key in found and conf_of[key] >= conf:
                continue
            found[key] = replace(inv, investor=org(pi, inv.investor) or inv.investor)
            conf_of[key] = conf

    # programmes
    progs = [(pi, p) for pi, f in enumerate(parts) for p in f.programs]
    ppart = _Partition(len(progs))
    first_prog: dict[str, int] = {}
    for i, (_, p) in enumerate(progs):
        for f in p.forms:
            ppart.union(first_prog.setdefault(name_key(f), i), i)
    prog_members: dict[int, list[tuple[int, Program]]] = {}
    for i, item in enumerate(progs):
        prog_members.setdefault(ppart.find(i), []).append(item)
    merged_progs = []
    for members in prog_members.values():
        name = _most_used([p.name for _, p in members])
        organizers: dict[str, Evidence | None] = {}
        for pi, p in members:
            evs = p.evidence[1:]  # one per organizer, in order
            for k, who in enumerate(p.organizers):
                organizers.setdefault(org(pi, who) or who, evs[k] if k < len(evs) else None)
        evidence = (*members[0][1].evidence[:1], *(ev for ev in organizers.values() if ev is not None))
        merged_progs.append(Program(
            name=name, organizers=tuple(organizers),
            aliases=_aliases(name, (f for _, p in members for f in p.forms)),
            evidence=evidence))
    return Facts(organizations=merged_orgs, subsidiaries=tuple(chosen.values()), models=merged_models,
                 investments=tuple(found.values()), programs=tuple(merged_progs),
                 extractor=parts[0].extractor if parts else "")


def _merge_models(name: str, members: list[tuple[int, Model]], org: Any, model: Any) -> Model:
    """One model from its records in several pieces (see :func:`merge_pieces`)."""

    def most_confident(kind: str) -> tuple[int, Model, Evidence] | None:
        hits = [(pi, m, ev) for pi, m in members if (ev := _evidence_of(m.evidence, kind)) is not None]
        return max(hits, key=lambda h: h[2].confidence) if hits else None  # max keeps the first of equals

    dev = most_confident("model:developer")
    base = most_confident("model:based_on")
    stated = [m for _, m in members if _evidence_of(m.evidence, "grammar:parameters") is not None]
    sized = stated or [m for _, m in members if any(v is not None for v in (
        m.parameters, m.parameters_min, m.parameters_max, m.sizes, m.active_parameters))]
    size = sized[0] if sized else None
    evidence = [ev for ev in (_evidence_of(members[0][1].evidence, "entity:MODEL"),
                              dev[2] if dev else None, base[2] if base else None,
                              _evidence_of(size.evidence, "grammar:parameters") if size else None) if ev is not None]
    flags = [m.open_source for _, m in members if m.open_source is not None]
    statuses = {m.status for _, m in members}
    return Model(
        name=name,
        aliases=_aliases(name, (f for _, m in members for f in m.forms)),
        developer=org(dev[0], dev[1].developer) if dev else None,
        parameters=size.parameters if size else None,
        parameters_min=size.parameters_min if size else None,
        parameters_max=size.parameters_max if size else None,
        sizes=size.sizes if size else None,
        active_parameters=size.active_parameters if size else None,
        open_source=True if True in flags else False if flags else None,
        based_on=model(base[0], base[1].based_on) if base else None,
        status=next((s for s in ("in_training", "planned", "released") if s in statuses), None),
        evidence=tuple(evidence))
