"""Relation rules: read organizations, subsidiary edges, models, investments and programmes off a processed Doc.

Input is a ``Doc`` from :func:`kg.extract.load_pipeline` (entities already corrected by ``kg_entities``, boilerplate
lines marked by ``kg_hygiene``). Output is a :class:`kg.facts.Facts` whose every record carries :class:`Evidence`
with offsets into the original text. Rule ids in the evidence name the rule that fired. Word lists come from
:mod:`kg.extract.lexicon`, numbers and money from :mod:`kg.extract.numbers`. Every loop here is linear in the
number of tokens or entities of a sentence; nothing re-runs the pipeline.
"""

from __future__ import annotations

import itertools
import re
from dataclasses import dataclass, field, replace
from functools import cache

from spacy.tokens import Doc, Span

from kg.extract.components import DATELINE_KEY, boilerplate_ranges, hyphen_word
from kg.extract.dates import DateLike, Period, article_date, find_day, find_period, locate_period
from kg.extract.lexicon import lexicon, org_key
from kg.extract.numbers import Money, find_money, find_parameters, parse_number, parse_period
from kg.facts import Evidence, Facts, Investment, Model, Organization, Program, Subsidiary

_PROGRAM_VERBS = {"launch", "start", "set", "create", "establish", "announce", "unveil", "run", "host", "organise",
                  "organize", "introduce", "open"}
_UNIT_MAKING_VERBS = {"form", "create", "set", "establish", "launch", "open", "start", "found", "build", "add"}
_SITED = {"headquartered", "based", "located", "offices", "office", "plant", "plants", "factory", "factories",
          "centre", "center", "centres", "centers", "campus", "hub", "hubs", "sites", "site"}
_PRONOUNS = {"it", "its", "they", "their", "itself"}
_SIZE_IN_NAME = re.compile(r"(?:^|[\s-])((?:\d+x)?\d+(?:\.\d+)?[BM])$")


@dataclass
class Mention:
    label: str
    start: int  # char offsets into doc.text
    end: int
    text: str
    tstart: int  # token offsets
    tend: int
    sent: Span


@dataclass
class Cluster:
    label: str
    mentions: list[Mention] = field(default_factory=list)
    kind: str | None = None

    @property
    def name(self) -> str:
        forms = self.forms
        if self.label == "ORG":
            return max(forms, key=lambda f: (len(f.split()), len(f)))
        return forms[0]

    @property
    def forms(self) -> list[str]:
        seen: dict[str, None] = {}
        for m in self.mentions:
            seen.setdefault(m.text, None)
        return list(seen)

    @property
    def aliases(self) -> tuple[str, ...]:
        n = self.name
        return tuple(f for f in self.forms if f != n)


def _clean_end(text: str, start: int, end: int) -> int:
    while end > start and text[end - 1] in ".,;:'’\"":
        if text[end - 1] == "." and re.search(r"\b(?:Inc|Ltd|Corp|Co|Bhd|Pte|plc)\.$", text[start:end]):
            break
        end -= 1
    return end


def _in_hyphenation(t) -> bool:
    """'overseas-facing', 'ride-hailing': a verb form that is part of a hyphenated modifier."""
    doc = t.doc
    return (t.i > 0 and doc[t.i - 1].text == "-" and not doc[t.i - 1].whitespace_) or (
        t.i + 1 < len(doc) and doc[t.i + 1].text == "-" and not t.whitespace_)


def model_key(name: str) -> str:
    return re.sub(r"[\s\-_]+", "", name.lower())


@cache
def _holdings_res() -> tuple[re.Pattern[str], re.Pattern[str]]:
    raw = lexicon().raw
    verbs = "|".join(re.escape(w) for w in raw["holdings_verbs"])
    after = "|".join(re.escape(w) for w in raw["holdings_after"])
    return (re.compile(rf"\b(?:{verbs})\s+(?:[\w-]+\s+){{0,2}}$", re.IGNORECASE),
            re.compile(rf"\s*(?:{after})\b", re.IGNORECASE))


class _Extraction:
    def __init__(self, doc: Doc, *, date: DateLike | None = None) -> None:
        self.doc = doc
        self.date = article_date(date)
        self.text = doc.text
        self.lex = lexicon()
        self.boiler = boilerplate_ranges(doc)
        datelines = doc.user_data.get(DATELINE_KEY, [])
        self.mentions: list[Mention] = []
        acting = {ent.text for ent in doc.ents if ent.label_ == "ORG"
                  and (ent.start < 1 or doc[ent.start - 1].lower_ not in ("in", "and"))}
        places: set[int] = set()  # token index of the last word of a name read as a place
        for ent in doc.ents:
            if ent.label_ not in ("ORG", "MODEL", "PROGRAM") or self._boiler(ent.start_char):
                continue
            if any(a <= ent.start_char < b for a, b in datelines):
                continue  # the place and the news agency of a dateline
            if ent.label_ == "ORG" and (self.text[ent.end_char:ent.end_char + 6].lower() == "-based"
                                        or re.fullmatch(r"\d+(?:\.\d+)?[BMKT]|[\d.,]+", ent.text)):
                continue  # "the Oslo-based group": a place; "8B": a size; "2022": a year
            if ent.label_ == "ORG" and re.fullmatch(r"[A-Z]{3}", ent.text) and re.match(r"\s?\d",
                                                                                  self.text[ent.end_char:]):
                continue  # "EUR 200 million": a currency code
            if ent.label_ == "ORG" and len(ent) == 1 and ent.start >= 2 and doc[ent.start - 1].lower_ == "in" \
                    and ent.text not in acting and (
                    doc[ent.start - 2].ent_type_ == "ORG" or doc[ent.start - 2].lower_ in _SITED):
                places.add(ent.end - 1)
                continue  # "X GmbH in Munich", "headquartered in Lyon", "data centres in X": a place
            if ent.label_ == "ORG" and len(ent) == 1 and ent.start >= 2 and doc[ent.start - 1].lower_ == "and" \
                    and ent.start - 2 in places and ent.text not in acting:
                continue  # "... in X and Y": the second place
            end = _clean_end(self.text, ent.start_char, ent.end_char)
            if end <= ent.start_char:
                continue
            self.mentions.append(Mention(ent.label_, ent.start_char, end, self.text[ent.start_char:end],
                                         ent.start, ent.end, ent.sent))
        self.by_token: dict[int, Mention] = {}
        for m in self.mentions:
            for i in range(m.tstart, m.tend):
                self.by_token[i] = m
        self.clusters: dict[int, Cluster] = {}
        self.cluster_of: dict[int, int] = {}  # id(mention) -> cluster id
        self._cluster()
        self._merge_short_names()
        self.main_org = self._main_org()

    # ---- basics ---------------------------------------------------------------------------------------------
    def _boiler(self, c: int) -> bool:
        return any(a <= c < b for a, b in self.boiler)

    def cid(self, m: Mention) -> int:
        return self.cluster_of[id(m)]

    def evidence(self, start: int, end: int, sent: Span, rule: str, conf: float) -> Evidence:
        return Evidence(start=start, end=end, text=self.text[start:end], sentence=sent.text,
                        sentence_start=sent.start_char, rule=rule, confidence=conf)

    def mention_ev(self, m: Mention, rule: str, conf: float) -> Evidence:
        return self.evidence(m.start, m.end, m.sent, rule, conf)

    def _cluster(self) -> None:
        keys: dict[tuple[str, str], int] = {}
        for m in self.mentions:
            key = (m.label, org_key(m.text) if m.label == "ORG" else
                   model_key(m.text) if m.label == "MODEL" else m.text.lower())
            if key not in keys:
                keys[key] = len(self.clusters)
                self.clusters[keys[key]] = Cluster(m.label)
            cid = keys[key]
            self.clusters[cid].mentions.append(m)
            self.cluster_of[id(m)] = cid
        # "K2" and "Zentra-K2": a model name with its developer's name in front is the same model
        org_forms = {m.text.lower() for m in self.mentions if m.label == "ORG"}
        models = {cid: cl for cid, cl in self.clusters.items() if cl.label == "MODEL"}
        for a_id, a in list(models.items()):
            for b_id, b in list(models.items()):
                if a_id == b_id or a_id not in self.clusters or b_id not in self.clusters:
                    continue
                long, short = b.forms[0], a.forms[0]
                for sep in ("-", " "):
                    if long.endswith(sep + short) and long[: -len(short) - 1].lower() in org_forms:
                        self._merge(b_id, a_id)
                        break
        # "Borealis Industries Ltd (BIL)": an acronym in brackets right after a name is the same organization
        orgs = [m for m in self.mentions if m.label == "ORG"]
        for a, b in itertools.pairwise(orgs):
            between = self.text[a.end:b.start]
            if re.fullmatch(r"\s*\(\s*", between) and self.text[b.end:b.end + 1] == ")" and b.text.isupper():
                self._merge(self.cid(a), self.cid(b))

    def _merge_short_names(self) -> None:
        """'Orbis' after 'Orbis Capital': a one-word name that starts exactly one other organization's name
        (not one presented as a unit, never named beside it in one sentence) is a short form of it."""
        orgs = {cid: cl for cid, cl in self.clusters.items() if cl.label == "ORG"}
        by_first: dict[str, set[int]] = {}  # first word of a longer name -> its clusters
        for cid, cl in orgs.items():
            for f in cl.forms:
                if " " in f:
                    by_first.setdefault(f.split(" ", 1)[0].lower(), set()).add(cid)
        for cid, cl in list(orgs.items()):
            if cid not in self.clusters or any(" " in f for f in cl.forms):
                continue
            cands = [o for o in by_first.get(cl.forms[0].lower(), ()) if o != cid and o in self.clusters]
            if len(cands) != 1:
                continue
            long_ms = self.clusters[cands[0]].mentions
            together = {m.sent.start for m in cl.mentions} & {m.sent.start for m in long_ms}
            as_unit = any(self._unit_apposition(m) or (m.tstart > 0 and (
                self.doc[m.tstart - 1].lower_ in ("its", "their", *self.lex.unit_nouns))) for m in long_ms)
            if not together and not as_unit:
                self._merge(cands[0], cid)

    def _merge(self, keep: int, drop: int) -> None:
        if keep == drop:
            return
        for m in self.clusters[drop].mentions:
            self.cluster_of[id(m)] = keep
        self.clusters[keep].mentions.extend(self.clusters[drop].mentions)
        del self.clusters[drop]

    def _unit_like(self, c: int) -> bool:
        """An organization the text presents as a part of another ('X, its/Y's research department'): 'the
        company' does not refer to it. Once the subsidiary edges are read, every child is one."""
        if self.clusters[c].kind:
            return True
        nouns = "|".join(re.escape(n) for n in self.lex.unit_nouns)
        for m in self.clusters[c].mentions:
            if self._possessed(m) and self.doc[m.tstart - 1].is_lower and self.doc[m.tstart - 1].lower_ not in (
                "its", "their"
            ):
                return True
            if self._unit_apposition(m) or re.match(
                rf"(?:,\s*(?:which|that|whose)\s(?:[^,;.()]|(?<=\d)[,.](?=\d)){{0,100}},)?"
                rf"\s+(?:(?:will|would|is to|is set to)\s+)?(?:is|was|becomes|became|remains|remain|become|be)"
                rf"\s+(?:a|an|the|its)\s+(?:[\w-]+\s+){{0,3}}(?:{nouns})\b",
                self.text[m.end:m.end + 190]
            ) or re.search(rf"\b(?:its|their|\w+(?:'s|’s))\s+(?:[\w-]+\s+){{0,3}}(?:{nouns}),?\s*$",
                           self.text[max(0, m.start - 80):m.start]):
                return True  # "X will remain a subsidiary", "its payments business, X"
        return False

    def _reports_to(self, m: Mention, c: int) -> int | None:
        """'X, which reports to the group', 'X will report to Y': the organization a unit reports to."""
        rm = re.match(r",?\s*(?:which|that)?\s*(?:now\s+|will\s+|would\s+|is to\s+)?(?:reports|report)\s+"
                      r"(?:directly\s+)?to\s+", self.text[m.end:m.end + 60])
        if not rm:
            return None
        at = m.end + rm.end()
        nxt = self.doc.char_span(at, at + 1, alignment_mode="expand")
        if nxt is None:
            return None
        i = nxt.start
        if self.doc[i].lower_ == "the" and i + 1 < len(self.doc) and self.doc[i + 1].lower_ in self.lex.coref_nouns:
            return self.resolve_ref(i + 1, exclude=c)
        mm = self.mention_at(i)
        return self.cid(mm) if mm is not None and mm.label == "ORG" and self.cid(mm) != c else None

    def _unit_apposition(self, m: Mention) -> bool:
        """'X, its/the company's/Y's research unit' or 'X, a unit of Y'."""
        nouns = "|".join(re.escape(n) for n in self.lex.unit_nouns)
        return bool(re.match(rf",\s*(?:its|the \w+'s|[A-Z][\w.-]*(?:'s|’s|'|’)|an?)\s+(?:[\w-]+\s+){{0,3}}"
                             rf"(?:{nouns})\b", self.text[m.end:m.end + 80]))

    def _possessed(self, m: Mention) -> bool:
        """'its X', 'its unit X', 'Y's X': X is a part of something else, not what a later 'its' means."""
        if m.tstart == 0:
            return False
        prev = self.doc[m.tstart - 1]
        return (prev.lower_ in ("its", "their") or prev.lower_ in self.lex.unit_nouns or prev.tag_ == "POS"
                or (prev.is_lower and prev.lower_ in self.lex.owned_descriptors))

    def _main_org(self) -> int | None:
        score: dict[int, float] = {}
        first: dict[int, int] = {}
        for m in self.mentions:
            if m.label != "ORG":
                continue
            c = self.cid(m)
            tok = self.doc[m.tstart:m.tend].root
            score[c] = score.get(c, 0) + 1 + (1 if tok.dep_ in ("nsubj", "nsubjpass") else 0)
            if m.tstart == 0:
                score[c] += 1  # the headline's first word
            if self._possessed(m):
                score[c] -= 2
            first.setdefault(c, m.start)
        if not score:
            return None
        # "the group", "the company": credit the organizations whose name ends in that noun
        heads: dict[str, list[int]] = {}
        for c in score:
            for f in self.clusters[c].forms:
                heads.setdefault(f.lower().split()[-1], []).append(c)
        for t in self.doc:
            if t.lower_ in self.lex.coref_nouns and t.i > 0 and self.doc[t.i - 1].lower_ == "the":
                for c in set(heads.get(t.lower_, [])):
                    score[c] += 1
        return max(score, key=lambda c: (score[c], -first[c]))

    def mention_at(self, i: int) -> Mention | None:
        return self.by_token.get(i)

    def orgs_in(self, sent: Span) -> list[Mention]:
        return [m for m in self.mentions if m.label == "ORG" and sent.start <= m.tstart < sent.end]

    def _clause_subject(self, i: int, exclude: int | None) -> int | None:
        """For 'its' inside a clause: the organization that is the subject of the clause (or of the clause that
        reports it: "The company said its arm would ...")."""
        tok = self.doc[i]
        v = tok.head
        while v.pos_ not in ("VERB", "AUX") and v.head != v:
            v = v.head
        for _ in range(2):
            subj = next((c for c in v.children if c.dep_ in ("nsubj", "nsubjpass")), None)
            if subj is not None and not (subj.left_edge.i <= i <= subj.right_edge.i):
                m = self.mention_at(subj.i)
                if m is not None and m.label == "ORG" and self.cid(m) != exclude:
                    return self.cid(m)
                if subj.lower_ in self.lex.coref_nouns or subj.lower_ in ("it", "they"):
                    return self.resolve_ref(subj.i, exclude=exclude)
                return None
            if v.dep_ not in ("ccomp", "xcomp") or v.head == v:
                return None
            v = v.head
            while v.pos_ not in ("VERB", "AUX") and v.head != v:
                v = v.head
        return None

    def resolve_ref(self, i: int, exclude: int | None = None) -> int | None:
        """Organization that a pronoun or 'the company' at token ``i`` refers to (never ``exclude``)."""
        tok = self.doc[i]
        if tok.lower_ in ("its", "their") and self._indefinite_owner(i):
            return None  # "A European consortium wound up its X scheme": an owner the text does not name
        if tok.lower_ in ("its", "their") or (tok.lower_ in ("it", "they") and tok.dep_ in ("nsubj", "nsubjpass")
                                              and tok.head.dep_ == "ccomp"):
            # "X, a platform controlled by Y, said it would ...": the subject of the reporting clause
            c = self._clause_subject(i, exclude)
            if c is not None:
                return c
        if tok.lower_ in ("it", "they") and tok.dep_ == "nsubj" and tok.head.dep_ in ("relcl", "acl"):
            # "the company takes in apprentices for P, which it runs with B": the subject of the main clause
            v = tok.head.head
            while v.pos_ not in ("VERB", "AUX") and v.head != v:
                v = v.head
            c, _ = self.subject_org(v) if v.pos_ in ("VERB", "AUX") else (None, None)
            if c is not None and c != exclude:
                return c
        sent = self.doc[i].sent
        head_noun = self.doc[i].lower_ if self.doc[i].lower_ in self.lex.coref_nouns else None
        if head_noun:
            c = self._sited_before(i, exclude)
            if c is not None:
                return c
        before = [m for m in self.orgs_in(sent) if m.tend <= i and not self._possessed(m)
                  and self.cid(m) != exclude and not (head_noun and self._unit_like(self.cid(m)))]
        if head_noun:  # "the group" prefers an organization whose name ends in "Group"
            named = [m for m in self.mentions if m.label == "ORG" and m.tend <= i
                     and m.text.lower().split()[-1] == head_noun]
            if named:
                return self.cid(named[-1])
        conj = self.doc[i].head
        for _ in range(5):
            if conj.dep_ == "conj" or conj.head == conj:
                break
            conj = conj.head
        if self.doc[i].lower_ in ("its", "their") and conj.dep_ == "conj":
            # "The company's app X and its cloud arm Y": the same owner as the conjoined phrase
            sib = conj.head
            while sib.dep_ in ("appos", "conj") and sib.head != sib and sib.head.i < sib.i:
                sib = sib.head  # "The group's retail arm, X, and its energy division, Y": up to "arm"
            for t in sib.subtree:
                if t.tag_ == "POS" and t.i > 0 and t.i < self.doc[i].i:
                    m = self.mention_at(t.i - 1)
                    if m is not None and m.label == "ORG" and self.cid(m) != exclude:
                        return self.cid(m)
                    if self.doc[t.i - 1].lower_ in self.lex.coref_nouns:
                        return self.resolve_ref(t.i - 1, exclude=exclude)
        if before and self.doc[i].lower_ in ("its", "their"):
            # the subject of the sentence, when it is an organization named before the pronoun
            subj = [m for m in before if self.doc[m.tstart:m.tend].root.dep_ in ("nsubj", "nsubjpass")
                    and self.doc[m.tstart:m.tend].root.head.dep_ == "ROOT"]
            if subj:
                return self.cid(subj[0])
        if before:
            return self.cid(before[-1])
        # the last organization that was a subject in the previous sentences
        sents = list(self.doc.sents)
        idx = next((k for k, s in enumerate(sents) if s.start == sent.start), 0)
        if tok.lower_ in ("its", "their") and idx > 0 and not head_noun:
            # "What keeps X ahead is data. Its flagship model ...": the one organization of the sentence before
            prev = {self.cid(m) for m in self.orgs_in(sents[idx - 1]) if not self._possessed(m)} - {exclude}
            if len(prev) == 1:
                return prev.pop()
        if head_noun and self.main_org is not None and self.main_org != exclude and any(
                self.cid(m) == self.main_org and self.doc[m.tstart:m.tend].root.dep_ in ("nsubj", "nsubjpass")
                for s in sents[max(0, idx - 3):idx] for m in self.orgs_in(s)):
            return self.main_org  # "the company" in a story about one company, with a rival just mentioned
        for s in reversed(sents[max(0, idx - 3):idx]):
            for m in reversed(self.orgs_in(s)):
                if self.cid(m) == exclude or (head_noun and self._unit_like(self.cid(m))):
                    continue
                root = self.doc[m.tstart:m.tend].root
                if root.dep_ in ("nsubj", "nsubjpass") or m.tstart == s.start:
                    return self.cid(m)
        return self.main_org

    def _sited_before(self, i: int, exclude: int | None) -> int | None:
        """'the Oslo-based firm': the organization the text earlier called Oslo-based, if exactly one."""
        doc = self.doc
        k = i - 1
        while k >= 0 and doc[k].pos_ in ("ADJ", "NOUN") and doc[k].lower_ != "based" and i - k <= 3:
            k -= 1  # "the Oslo-based search firm"
        if k < 2 or doc[k].lower_ != "based" or doc[k - 1].text != "-":
            return None
        place = re.escape(doc[k - 2].text)
        found: set[int] = set()
        for hit in re.finditer(place + r"-based\b", self.text[:doc[k - 2].idx]):
            for m in self.mentions:
                if m.label != "ORG" or self.cid(m) == exclude:
                    continue
                after = self.text[hit.end():m.start]
                before = self.text[m.end:hit.start()]
                if (0 <= m.start - hit.end() <= 40 and re.fullmatch(r"[\s\w-]*", after)) or (
                        0 <= hit.start() - m.end <= 20 and re.fullmatch(r",\s+(?:the|a|an)\s+", before)):
                    found.add(self.cid(m))
        return found.pop() if len(found) == 1 else None

    def _indefinite_owner(self, i: int) -> bool:
        """'its' whose clause subject is an unnamed organization noun: 'A consortium wound up its scheme'."""
        v = self.doc[i].head
        while v.pos_ not in ("VERB", "AUX") and v.head != v:
            v = v.head
        subj = next((c for c in v.children if c.dep_ in ("nsubj", "nsubjpass") and c.i < i), None)
        return bool(subj is not None and subj.pos_ == "NOUN" and self.mention_at(subj.i) is None
                    and subj.lower_ in self.lex.org_descriptors
                    and any(c.dep_ == "det" and c.lower_ in ("a", "an") for c in subj.children))

    def _quoted(self, i: int) -> bool:
        """Whether token ``i`` stands inside a quotation of its sentence."""
        sent = self.doc[i].sent
        before = self.text[sent.start_char:self.doc[i].idx]
        return before.count('"') % 2 == 1 or before.count("“") > before.count("”")

    def org_of_token(self, i: int) -> int | None:
        """The organization a token names: an ORG entity, a pronoun, or 'the company'."""
        tok = self.doc[i]
        m = self.mention_at(i)
        if m is not None and m.label == "ORG":
            return self.cid(m)
        if tok.lower_ == "we" and not self._quoted(i):
            return self.main_org  # a blog post or press release speaking as the organization
        if tok.lower_ in _PRONOUNS or (tok.lower_ in ("which", "that") and tok.dep_ in ("nsubj",)):
            if tok.lower_ in ("which", "that"):
                # relative pronoun: the noun it hangs from
                head = tok.head
                while head.dep_ not in ("relcl",) and head.head != head:
                    head = head.head
                if head.dep_ == "relcl":
                    mm = self.mention_at(head.head.i)
                    return self.cid(mm) if mm and mm.label == "ORG" else None
                return None
            return self.resolve_ref(i)
        if tok.lower_ in self.lex.coref_nouns and i > 0 and self.doc[i - 1].lower_ == "the":
            return self.resolve_ref(i)
        if tok.lower_ in ("division", "unit", "arm", "subsidiary", "department") and i > 0 \
                and self.doc[i - 1].lower_ == "the" and tok.dep_ in ("nsubj", "nsubjpass"):
            return self._unit_ref(i)
        if tok.lower_ in self.lex.coref_nouns:
            left = [t.lower_ for t in tok.lefts]
            if "the" in left:
                return self.resolve_ref(i)
        return None

    def _unit_ref(self, i: int) -> int | None:
        """'The division is training ...': the last organization presented as a unit in this or the two
        sentences before."""
        sents = list(self.doc.sents)
        idx = next((k for k, s in enumerate(sents) if s.start <= i < s.end), 0)
        for s in reversed(sents[max(0, idx - 2):idx + 1]):
            for m in reversed(self.orgs_in(s)):
                if m.tend <= i and self._unit_like(self.cid(m)):
                    return self.cid(m)
        return None

    def subject_org(self, verb) -> tuple[int | None, int | None]:
        """(organization, token index) of the subject of ``verb``, climbing xcomp/relcl/conj chains."""
        v = verb
        for _ in range(6):
            subjects = [ch for ch in v.children if ch.dep_ in ("nsubj", "nsubjpass", "csubj")
                        and not (v.dep_ == "relcl" and ch.tag_ in ("WDT", "WP"))]  # "..., which/that ...": go up
            for ch in subjects:
                # the subject phrase may be "Orbis Inc's Helio": take the head token's mention
                c = self.org_of_token(ch.i)
                if c is None:  # "Y's AI lab, X, released ...": the name in apposition to the subject
                    c = next((self.org_of_token(a.i) for a in ch.children if a.dep_ == "appos"
                              and self.org_of_token(a.i) is not None), None)
                if c is None:
                    for t in ch.subtree:
                        mm = self.mention_at(t.i)
                        if mm is not None and mm.label == "ORG" and t.dep_ != "poss" and not any(
                                a.dep_ == "poss" for a in t.ancestors if a.i in range(ch.left_edge.i, ch.i)):
                            c = self.cid(mm)
                            break
                if c is not None:
                    return c, ch.i
            if subjects:
                return None, subjects[0].i
            if v.dep_ == "relcl":
                h = v.head
                if h.dep_ == "pobj" and h.head.lower_ == "of" and h.head.head.dep_ == "appos" \
                        and self.doc[v.left_edge.i - 1].text == ",":
                    h = h.head.head.head  # "X, a subsidiary of Y, which released ...": X
                    mh = self.mention_at(h.i)
                    if mh is not None and mh.label == "ORG":
                        return self.cid(mh), h.i
                m = self.mention_at(v.head.i)
                if m is not None and m.label == "ORG":
                    return self.cid(m), v.head.i
                if v.head.dep_ == "appos":  # "X, a state-backed vehicle that put in ...": the name in apposition
                    ma = self.mention_at(v.head.head.i)
                    if ma is not None and ma.label == "ORG":
                        return self.cid(ma), v.head.head.i
                return self.org_of_token(v.head.i), v.head.i
            if v.head == v:
                break
            v = v.head
        return None, None

    def cname(self, c: int | None) -> str | None:
        return self.clusters[c].name if c is not None and c in self.clusters else None

    def local_negation(self, a: int, b: int) -> bool:
        lo, hi = min(a, b), max(a, b)
        window = self.text[lo:hi]
        return bool(self.lex.negation_re.search(window))

    def _longest_list(self, orgs: list[Mention]) -> list[Mention]:
        """The longest run of organizations written as a list: only commas, 'and' and descriptors between."""
        best: list[Mention] = []
        run: list[Mention] = []
        for m in orgs:
            if run:
                gap = self.doc[run[-1].tend:m.tstart]
                ok = (len(gap) <= 12 and any(t.text in (",", "and", "or") for t in gap)
                      and not any((t.pos_ in ("VERB", "AUX") and not _in_hyphenation(t))
                                  or t.text in ("(", ")", ";", ":") or t.tag_ == "POS" or t.lower_ == "of"
                                  for t in gap))
                if not ok:
                    run = []
            run.append(m)
            if len(run) > len(best):
                best = list(run)
        return best

    # ---- subsidiaries ---------------------------------------------------------------------------------------
    def subsidiaries(self) -> list[Subsidiary]:
        doc, lex = self.doc, self.lex
        edges: dict[tuple[int, int], tuple[str | None, list[Evidence]]] = {}
        explicit_child: set[int] = set()

        def add(child: int | None, parent: int | None, rel: str | None, ev: Evidence) -> None:
            if child is None or parent is None or child == parent:
                return
            if (parent, child) in edges:
                return  # never both directions
            cur = edges.get((child, parent))
            if cur is None:
                edges[(child, parent)] = (rel, [ev])
            else:
                cur[1].append(ev)

        for m in self.mentions:
            if m.label != "ORG":
                continue
            c = self.cid(m)
            # R1: "<owner> <modifiers> unit|arm|subsidiary X" and "its X Department"
            j = m.tstart - 1
            if j >= 1 and doc[j].text == "," and doc[j - 1].lower_ in lex.unit_nouns:
                j -= 1  # "The conglomerate's banking arm, X"
            rel = None
            reports_to = self._reports_to(m, c)
            if reports_to is not None:  # "a separate unit, X, which reports to the group rather than ..."
                add(c, reports_to, "unit", self.mention_ev(m, "subsidiary.reports-to", 0.75))
                explicit_child.add(id(m))
            k = j
            while k >= 0 and m.tstart - k <= 7:
                t = doc[k]
                if t.lower_ in lex.unit_nouns and rel is None and k == j:
                    rel = lex.unit_nouns[t.lower_]
                    k -= 1
                    continue
                if rel is not None and (t.pos_ in ("ADJ", "NOUN", "PROPN", "VERB", "NUM") or t.text in ("-",)
                                        or (t.pos_ == "ADV" and t.text.endswith("ly"))) \
                        and t.lower_ not in _PRONOUNS and t.tag_ != "POS" and self.mention_at(k) is None:
                    k -= 1
                    continue
                break
            if rel is None and j >= 1 and hyphen_word(doc, j) in lex.owned_descriptors:
                # "its food delivery service X", "Y's chip designer X": owned, when an owner is named
                k = j - 1
                while k >= 0 and m.tstart - k <= 7 and (doc[k].pos_ in ("ADJ", "NOUN", "PROPN", "VERB", "NUM")
                                                         or doc[k].text == "-") and doc[k].tag_ != "POS" \
                        and doc[k].lower_ not in _PRONOUNS and self.mention_at(k) is None:
                    k -= 1
                if k >= 0 and (doc[k].lower_ in ("its", "their") or doc[k].tag_ == "POS"):
                    rel = "owned"
            owner_tok = k
            last_word = doc[m.tend - 1].lower_
            if rel is None and last_word in lex.unit_heads and m.tstart > 0:
                owner_tok = m.tstart - 1
                rel = {"lab": "lab", "labs": "lab"}.get(last_word, last_word)
                if doc[owner_tok].lower_ not in ("its", "their") and doc[owner_tok].tag_ != "POS":
                    rel = None
            if rel is not None and owner_tok >= 0:
                ot = doc[owner_tok]
                parent = None
                rule = "subsidiary.descriptor"
                if ot.lower_ in ("its", "their"):
                    parent = self.resolve_ref(owner_tok, exclude=c)
                    rule = "subsidiary.its-descriptor"
                elif ot.tag_ == "POS" and owner_tok > 0:
                    pm = self.mention_at(owner_tok - 1)
                    parent = self.cid(pm) if pm is not None and pm.label == "ORG" else None
                    if pm is None and doc[owner_tok - 1].lower_ in lex.coref_nouns:
                        parent = self.resolve_ref(owner_tok - 1)
                    rule = "subsidiary.possessive-descriptor"
                elif ot.text == "-" and owner_tok > 0 and doc[owner_tok - 1].lower_ in ("owned",):
                    parent = None
                elif rel in ("unit", "arm", "subsidiary", "division", "department", "business group") \
                        and reports_to is None:
                    parent = self.main_org
                    rule = "subsidiary.descriptor-main"
                    noun = doc[j] if j >= 0 and doc[j].lower_ in lex.unit_nouns else None
                    verb = None
                    if noun is not None and noun.dep_ == "dobj" and noun.head.pos_ in ("VERB", "AUX"):
                        verb = noun.head  # "Y has formed a dedicated AI unit, X", "Y will fold two units, A and B"
                    elif noun is not None and noun.dep_ == "pobj" and noun.head.dep_ in ("prep", "dative") \
                            and noun.head.head.pos_ == "VERB":
                        verb = noun.head.head  # "Y will move its robot line to a new subsidiary, X"
                    if verb is not None:
                        owner, _ = self.subject_org(verb)
                        if owner is not None and owner != c:
                            parent, rule = owner, "subsidiary.formed-unit"
                if parent is not None and not self.local_negation(doc[max(owner_tok - 3, 0)].idx, m.start):
                    add(c, parent, rel, self.mention_ev(m, rule, 0.85 if "main" not in rule else 0.6))
                    explicit_child.add(id(m))
                    if j >= 0 and doc[j].lower_ in lex.unit_nouns and doc[j].tag_ in ("NNS", "NNPS"):
                        # "its units X, Y and Z": every name of the list that follows the plural noun
                        prev = m
                        for x in self.orgs_in(m.sent):
                            if x.start <= prev.start:
                                continue
                            if not re.fullmatch(r"\s*(?:,\s*(?:and\s+)?|and\s+)", self.text[prev.end:x.start]):
                                break
                            add(self.cid(x), parent, rel, self.mention_ev(x, rule + "-list", 0.75))
                            explicit_child.add(id(x))
                            prev = x
            # R1b: "its A and B units", "Y's A, B and C divisions": the unit noun after a list of names
            if m.tend < len(doc) and doc[m.tend].lower_ in lex.unit_nouns and doc[m.tend].tag_ in ("NNS", "NNPS"):
                names = [m]
                for x in reversed([x for x in self.orgs_in(m.sent) if x.end <= m.start]):
                    if not re.fullmatch(r"\s*(?:,\s*(?:and\s+)?|and\s+)", self.text[x.end:names[0].start]):
                        break
                    names.insert(0, x)
                first = names[0].tstart
                parent = None
                if len(names) > 1 and first >= 1 and doc[first - 1].lower_ in ("its", "their"):
                    parent = self.resolve_ref(first - 1, exclude=c)
                elif len(names) > 1 and first >= 2 and doc[first - 1].tag_ == "POS":
                    pm = self.mention_at(first - 2)
                    parent = self.cid(pm) if pm is not None and pm.label == "ORG" else None
                if parent is not None and not self.local_negation(doc[max(first - 3, 0)].idx, m.end):
                    for x in names:
                        add(self.cid(x), parent, lex.unit_nouns[doc[m.tend].lower_],
                            self.mention_ev(x, "subsidiary.list-then-unit-noun", 0.8))
                        explicit_child.add(id(x))
            # R2: "X, a (wholly owned) subsidiary of Y" / "X is a unit of Y"
            after = self.text[m.end:m.end + 190]
            nouns = "|".join(re.escape(n) for n in sorted(lex.unit_nouns, key=len, reverse=True))
            # "X, which manages ..., is a wholly owned subsidiary of Y": a relative clause before the copula
            r2 = re.match(rf"^\s*(?:,\s*(?:which is\s+|now\s+)?|\s+(?:is|was|became|becomes|remains)\s+"
                          rf"|,\s*(?:which|that|whose)\s(?:[^,;.()]|(?<=\d)[,.](?=\d)){{0,100}},\s*(?:is|was|became|becomes|remains)\s+)"
                          rf"(?:a|an|the)\s+(?:[\w-]+\s+){{0,4}}?({nouns})\s+of\s+", after)
            if r2:
                pt = doc.char_span(m.end + r2.end(), m.end + r2.end() + 1, alignment_mode="expand")
                if pt is not None:
                    pm = self.mention_at(pt.start)
                    if pm is None and doc[pt.start].lower_ in _PRONOUNS:
                        parent = self.resolve_ref(pt.start)
                    elif pm is None and doc[pt.start].lower_ == "the" and pt.start + 1 < len(doc) \
                            and doc[pt.start + 1].lower_ in lex.coref_nouns:
                        parent = self.resolve_ref(pt.start + 1, exclude=c)  # "X, a unit of the group"
                    elif pm is None:
                        parent = self._org_after(pt.start)  # "X, the research division of payments firm Y"
                        pm = next((x for x in self.mentions if x.label == "ORG" and parent is not None
                                   and self.cid(x) == parent and x.start >= m.end), None)
                    else:
                        parent = self.cid(pm) if pm is not None and pm.label == "ORG" else None
                    if parent is not None and not self.local_negation(m.start, m.end + r2.end()):
                        add(c, parent, lex.unit_nouns[r2.group(1).lower()],
                            self.evidence(m.start, m.end + r2.end() + len(pm.text if pm else ""), m.sent,
                                          "subsidiary.apposition-of", 0.9))
                        explicit_child.add(id(m))
            # R2b: "X, the company's cloud subsidiary," / "X, a listed unit," (appositive without 'of')
            if id(m) not in explicit_child and m.tend + 2 < len(doc) and doc[m.tend].text == ",":
                k = m.tend + 1
                owner = None
                if doc[k].lower_ in ("its", "their"):
                    owner = self.resolve_ref(k, exclude=c)
                    k += 1
                elif doc[k].lower_ in ("a", "an", "the", "another"):
                    k += 1
                    pos = next((q for q in range(k + 1, min(k + 6, len(doc))) if doc[q].tag_ == "POS"
                                or (doc[q].is_punct and doc[q].text != "-")), None)
                    if pos is not None and doc[pos].tag_ == "POS":
                        pm = self.mention_at(pos - 1)
                        owner = self.cid(pm) if pm is not None and pm.label == "ORG" else (
                            self.resolve_ref(pos - 1, exclude=c) if doc[pos - 1].lower_ in lex.coref_nouns else None)
                        k = pos + 1
                    else:
                        # "X, another Y unit": an organization named right after the determiner owns X
                        om = self.mention_at(k)
                        owner = (self.cid(om) if om is not None and om.label == "ORG" and om.start == doc[k].idx
                                 and self.cid(om) != c else self.main_org)
                elif k + 1 < len(doc) and doc[k + 1].tag_ == "POS":
                    pm = self.mention_at(k)
                    owner = self.cid(pm) if pm is not None and pm.label == "ORG" else None
                    k += 2
                else:
                    k = -1
                if k > 0 and owner is not None:
                    for q in range(k, min(k + 6, len(doc))):
                        t = doc[q]
                        word = t.lower_
                        if word in lex.unit_nouns and (q + 1 >= len(doc) or doc[q + 1].text in (",", ".", ";", ")")
                                                       or doc[q + 1].pos_ in ("VERB", "AUX")
                                                       or doc[q + 1].lower_ in ("in", "at", "based")):
                            rest = self.text[t.idx:m.sent.end_char][:60]
                            if (not self.local_negation(m.start, t.idx) and self.doc[q - 1].lower_ != "former"
                                    and not re.search(r"\b(?:spun off|sold|divested|no longer|former|not)\b", rest)):
                                add(c, owner, lex.unit_nouns[word],
                                    self.evidence(m.start, t.idx + len(t.text), m.sent, "subsidiary.appositive", 0.8))
                                explicit_child.add(id(m))
                            break
                        if (t.is_punct and t.text != "-") or word in ("of", "to", "for", "in", "with"):
                            break

            # R4b: "X, majority-owned by Y" / "X, a unit owned by Y"
            r4b = re.match(r"^\s*,\s*(?:(?:a|an)\s+[\w\s-]{0,30}?)?(?:wholly|majority|fully|100%)?[\s-]?owned\s+by\s+",
                           self.text[m.end:m.end + 70])
            if r4b:
                at = m.end + r4b.end()
                pm = next((x for x in self.mentions if x.label == "ORG" and x.start == at), None)
                if pm is not None and not self.local_negation(m.start, pm.start):
                    add(c, self.cid(pm), "owned", self.evidence(m.start, pm.end, m.sent, "subsidiary.owned-by", 0.85))
                    explicit_child.add(id(m))

            # R3: "Y's X" (both organizations) and "Y-owned X"
            if m.tstart >= 2 and doc[m.tstart - 1].tag_ == "POS":
                pm = self.mention_at(m.tstart - 2)
                if pm is not None and pm.label == "ORG" and not self.local_negation(pm.start, m.end):
                    doc[m.tend].lower_ if m.tend < len(doc) else ""
                    if True:
                        add(c, self.cid(pm), None, self.evidence(pm.start, m.end, m.sent, "subsidiary.possessive",
                                                                 0.75))
                        explicit_child.add(id(m))
            # R4: "Y-owned X"
            pre = self.text[max(0, m.start - 60):m.start]
            r4 = re.search(r"(?:wholly|majority|fully)?[\s-]?owned\s+(?:[\w-]+\s+){0,3}$", pre)
            if (r4 and "-owned" in pre[r4.start() - 1:]) or re.search(r"-owned\s+(?:[\w-]+\s+){0,3}$", pre):
                k = doc.char_span(m.start - len(pre), m.start, alignment_mode="expand")
                if k is not None:
                    owners = [x for x in self.mentions if x.label == "ORG" and k.start <= x.tstart and x.tend
                              <= m.tstart and self.text[x.end:x.end + 6] == "-owned"]
                    if owners and not re.search(r"\b(?:state|government|partly|minority)-owned", pre):
                        add(c, self.cid(owners[-1]), "owned",
                            self.evidence(owners[-1].start, m.end, m.sent, "subsidiary.y-owned", 0.8))
                        explicit_child.add(id(m))

        # R5: "Y, owner of X", "Y, which owns X", "Y owns X", "Y houses X", "Y, the parent of X"
        for sent in doc.sents:
            if self._boiler(sent.start_char):
                continue
            for tm in re.finditer(r"\b(?:owner of|parent (?:company )?of|owns|houses|controls|acquired|bought)\s+",
                                  sent.text):
                at = sent.start_char + tm.start()
                after_c = sent.start_char + tm.end()
                orgs = self.orgs_in(sent)
                before = [x for x in orgs if x.end <= at]
                after = [x for x in orgs if x.start >= after_c and x.start - after_c <= 60]
                if not before or not after:
                    continue
                child = after[0]
                seg = self.text[after_c:child.end + 25]
                if re.search(r"\bstake\b|%|per ?cent|\bshares?\b", seg):
                    continue
                # the owner: the closest organization before the trigger in the same clause
                owner = before[-1]
                if self.local_negation(owner.end, at) or re.search(r"\b(?:not|never|no longer)\b",
                                                                    self.text[owner.end:child.start]):
                    continue
                add(self.cid(child), self.cid(owner), "owned",
                    self.evidence(owner.start, child.end, sent, "subsidiary.owns", 0.8))
                explicit_child.add(id(child))

        # R6: a list of units: "X, its unit Y, service Z and other divisions" -> all children of the main org
        for sent in doc.sents:
            if self._boiler(sent.start_char) or self.main_org is None:
                continue
            orgs = self._longest_list(self.orgs_in(sent))
            has_desc = any(id(x) in explicit_child for x in orgs)
            other = re.search(r"\b(?:and|or) other (?:divisions|units|subsidiaries|businesses|business units|arms)\b",
                              sent.text)
            if len(orgs) < 3 or not (has_desc or other):
                continue
            if re.search(r"\b(?:rivals?|competitors?|peers?|partners?|investors?|including)\b", sent.text, re.I) \
                    and not other:
                continue
            if lex.rumour_re.search(sent.text) or lex.denial_re.search(sent.text):
                continue
            for x in orgs:
                cx = self.cid(x)
                if cx == self.main_org or id(x) in explicit_child:
                    continue
                if any(k[0] == cx for k in edges):
                    continue
                add(cx, self.main_org, "unit", self.mention_ev(x, "subsidiary.unit-list", 0.6))

        # R9: "Y's subsidiaries include A in Munich and B", "its units include A, B and C"
        for sent in doc.sents:
            if self._boiler(sent.start_char):
                continue
            for im in re.finditer(r"\b(its|their|whose|\w[\w.&-]*(?:'s|’s|'|’))\s+(?:[\w-]+\s+)?(subsidiaries|units"
                                  r"|divisions|arms|affiliates|businesses|holdings)\s+(?:now\s+)?"
                                  r"(?:include|includes|included|are)\s+", sent.text):
                at = sent.start_char + im.start()
                tok = doc.char_span(at, at + 1, alignment_mode="expand")
                if tok is None:
                    continue
                if im.group(1).lower() == "whose":  # "Y, whose other holdings include the logistics firm A"
                    om = next((x for x in self.orgs_in(sent) if re.fullmatch(r"\s*,\s*", self.text[x.end:at])), None)
                    owner = self.cid(om) if om is not None else None
                elif im.group(1).lower() in ("its", "their"):
                    owner = self.resolve_ref(tok.start)
                else:
                    om = self.mention_at(tok.start)
                    owner = self.cid(om) if om is not None and om.label == "ORG" else (
                        self.resolve_ref(tok.start) if doc[tok.start].lower_ in lex.coref_nouns else None)
                if owner is None or self.local_negation(at, sent.start_char + im.end()):
                    continue
                rel = lex.unit_nouns.get(im.group(2).lower(), "subsidiary")
                start = sent.start_char + im.end()
                stop = re.search(r",\s*(?:which|who|while|but|whose)\b|;|\b(?:rivals?|competitors?|partners?|stakes?"
                                 r"|shares?|interests?)\b",
                                 self.text[start:sent.end_char])
                end = start + stop.start() if stop else sent.end_char
                for x in self.orgs_in(sent):
                    if start <= x.start < end and self.cid(x) != owner:
                        add(self.cid(x), owner, rel, self.mention_ev(x, "subsidiary.include-list", 0.75))
                        explicit_child.add(id(x))

        # R10: "its parent, the Dutch conglomerate Y", "X's parent company Y": the owner of "its" is the child
        for sent in doc.sents:
            if self._boiler(sent.start_char):
                continue
            for pm_ in re.finditer(r"\b(its|their|\w[\w.&-]*(?:'s|’s))\s+parent\b", sent.text):
                at = sent.start_char + pm_.start()
                tok = doc.char_span(at, at + 1, alignment_mode="expand")
                nxt = next((x for x in self.orgs_in(sent) if x.start >= sent.start_char + pm_.end() and re.fullmatch(
                    r"(?:\s+company|\s+group)?\s*,?\s*(?:(?:the|a)\s+)?(?:[\w-]+\s+){0,3}",
                    self.text[sent.start_char + pm_.end():x.start])), None)
                if tok is None or nxt is None or self.local_negation(at, nxt.end):
                    continue
                if pm_.group(1).lower() in ("its", "their"):
                    child = self.resolve_ref(tok.start, exclude=self.cid(nxt))
                else:
                    om = self.mention_at(tok.start)
                    child = self.cid(om) if om is not None and om.label == "ORG" else None
                if child is not None:
                    add(child, self.cid(nxt), "owned", self.evidence(at, nxt.end, sent, "subsidiary.its-parent", 0.8))

        # R8: "... into a new X Group", "set up a new X Department ... under the new group"
        for m in self.mentions:
            if m.label != "ORG" or id(m) in explicit_child:
                continue
            c = self.cid(m)
            last = doc[m.tend - 1].lower_
            if last not in lex.unit_heads and last not in ("group", "unit", "business"):
                continue
            tail = self.text[m.end:m.sent.end_char]
            um = re.search(r"^(?:[^.;]{0,80}?)\bunder (?:the )?(?:new )?", tail)
            parent = None
            if um:
                at = m.end + um.end()
                tok = doc.char_span(at, at + 1, alignment_mode="expand")
                if tok is not None:
                    pm = self.mention_at(tok.start)
                    if pm is not None and pm.label == "ORG":
                        parent = self.cid(pm)
                    elif doc[tok.start].lower_ in lex.coref_nouns or doc[tok.start].lower_ in lex.unit_nouns:
                        parent = self.resolve_ref(tok.start, exclude=c)
            new = re.search(r"\b(?:a|the) new\s+$", self.text[max(0, m.start - 12):m.start])
            if parent is None and new and last in ("group", "unit", "division", "department", "business", "lab"):
                v = doc[m.tstart:m.tend].root.head
                while v.pos_ not in ("VERB", "AUX") and v.head != v:
                    v = v.head
                parent, _ = self.subject_org(v)
            if parent is not None and parent != c and not any(k[0] == c for k in edges):
                add(c, parent, "unit", self.mention_ev(m, "subsidiary.new-unit", 0.65))
                explicit_child.add(id(m))

        # R9: "X will become part of Y", "X ... now runs as part of Y": the sentence's first organization is a unit
        # of the last organization of the noun phrase after "part of" ("part of A's portfolio company B" -> B)
        for sent in doc.sents:
            pm_ = re.search(r"\b(?:become|becomes|became|becoming|is|are|was|were|be|been|runs?|run|operates?|"
                            r"operated)\s+(?:as\s+)?(?:a\s+)?part\s+of\s+", sent.text)
            if not pm_:
                continue
            at = sent.start_char + pm_.end()
            orgs = self.orgs_in(sent)
            first = next((x for x in orgs if x.end <= sent.start_char + pm_.start()), None)
            after = [x for x in orgs if x.start >= at and x.start - at <= 60]
            target = None
            for x in after:  # "A's portfolio company B": past the possessor to the name it owns
                target = x
                if not re.match(r"['’]s?\s", self.text[x.end:x.end + 3]):
                    break
            if first is None or target is None or self.local_negation(first.end, at):
                continue
            child, parent = self.cid(first), self.cid(target)
            if child != parent and not any(k[0] == child for k in edges):
                add(child, parent, "unit", self.mention_ev(first, "subsidiary.part-of", 0.6))
                explicit_child.add(id(first))

        # R7: "Two departments are new: a X Department and a Y Department" -> departments of the main org
        for m in self.mentions:
            if m.label != "ORG" or self.main_org is None or id(m) in explicit_child:
                continue
            c = self.cid(m)
            last = self.doc[m.tend - 1].lower_
            if (last in lex.implicit_unit_heads and m.tend - m.tstart >= 2 and not any(k[0] == c for k in edges)
                    and re.search(r"\b(?:departments?|divisions?|reorgani[sz]|restructur)", m.sent.text.lower())):
                    add(c, self.main_org, last, self.mention_ev(m, "subsidiary.department", 0.6))

        out = []
        for (child, parent), (rel, evs) in edges.items():
            out.append(Subsidiary(child=self.cname(child), parent=self.cname(parent), relation=rel,
                                  evidence=tuple(evs)))
            self.clusters[child].kind = self.clusters[child].kind or rel
        return out

    # ---- models ---------------------------------------------------------------------------------------------
    def models(self) -> list[Model]:
        doc, lex, text = self.doc, self.lex, self.text
        out = []
        model_ms = [m for m in self.mentions if m.label == "MODEL"]
        for cid, cl in self.clusters.items():
            if cl.label != "MODEL":
                continue
            ms = cl.mentions
            developer = None
            dev_rule = None
            params: dict = {}
            based_on = None
            open_source = None
            status = None
            evs = [self.mention_ev(ms[0], "model.name", 0.8)]
            size = _SIZE_IN_NAME.search(cl.name)
            if size and "x" not in size.group(1):  # "8x7B" names experts, not the total
                v = parse_number(size.group(1))
                if v:
                    params = {"parameters": int(v)}
            dev_headline = False
            params_headline = False
            for m in ms:
                sent = m.sent
                # developer (one read off the headline gives way to one the body states)
                if developer is not None and dev_headline and sent.start > 0:
                    c = self._body_developer(m)
                    if c is not None:
                        developer, dev_rule, dev_headline = c, "model.developer-subject", False
                if developer is None:
                    if m.tstart >= 2 and doc[m.tstart - 1].tag_ == "POS":
                        pm = self.mention_at(m.tstart - 2)
                        if pm is not None and pm.label == "ORG":
                            developer, dev_rule = self.cid(pm), "model.developer-possessive"
                    elif m.tstart >= 1 and doc[m.tstart - 1].lower_ in ("its", "their"):
                        developer, dev_rule = self.resolve_ref(m.tstart - 1), "model.developer-its"
                    elif m.tstart >= 2 and doc[m.tstart - 1].text == "," \
                            and doc[m.tstart - 2].lower_ in ("model", "models", "llm", "family"):
                        # "X's first model, M, ..." / "its own model, M, ...": the owner of the apposed noun
                        poss = next((c for c in doc[m.tstart - 2].children if c.dep_ == "poss"), None)
                        if poss is not None and poss.lower_ in ("its", "their"):
                            developer, dev_rule = self.resolve_ref(poss.i), "model.developer-its"
                        elif poss is not None:
                            pm = self.mention_at(poss.i)
                            if pm is not None and pm.label == "ORG":
                                developer, dev_rule = self.cid(pm), "model.developer-possessive"
                    if developer is None:
                        c = self._body_developer(m)
                        if c is not None:
                            developer, dev_rule = c, "model.developer-subject"
                            dev_headline = sent.start == 0
                # parameters
                base = self._is_base_mention(m)
                # sizes read off the headline give way to the ones the body states ("models from 1.5B to 141B"
                # in a title, "three sizes, 2B, 9B and 40B" in the text)
                headline_params = params if params_headline and sent.start > 0 else None
                if headline_params:
                    params = {}
                had_params = bool(params)
                evs_before = len(evs)
                if not params:
                    nxt = [x for x in model_ms if x.sent.start == sent.start and x.start > m.start
                           and not self._is_base_mention(x)]
                    prv = [x for x in model_ms if x.sent.start == sent.start and x.end < m.start]
                    hi = nxt[0].start if nxt else sent.end_char
                    lo = prv[-1].end if prv else sent.start_char
                    groups = [g for g in find_parameters(text[lo:hi])
                              if not g.excluded and (g.explicit or g.shorthand or g.role == "active")]
                    bases = [x for x in model_ms if x.sent.start == sent.start and x.start > m.end
                             and self._is_base_mention(x)]
                    after = [g for g in groups if lo + g.start >= m.end and not any(
                        x.end <= lo + g.start and re.fullmatch(r",?\s*(?:a|an|the|its)\s+(?:[\w-]+\s+){0,2}",
                                                               text[x.end:lo + g.start]) for x in bases)]
                    before = [g for g in groups if lo + g.end <= m.start]
                    chosen = after or (before[-1:] if not prv else [])
                    if base:  # a base model keeps only what its own apposition says: "built on X, a 70B model"
                        chosen = [g for g in after if re.fullmatch(r",?\s*(?:a|an|the|its)\s+(?:[\w-]+\s+){0,2}",
                                                                   text[m.end:lo + g.start])][:1]
                    for g in chosen:
                        if g.role == "active" and "active_parameters" not in params and params:
                            params["active_parameters"] = g.values[0]
                            continue
                        if params:
                            continue
                        if g.kind == "range":
                            params = {"parameters_min": g.values[0], "parameters_max": g.values[1]}
                        elif g.kind == "sizes":
                            params = {"sizes": tuple(sorted(set(g.values)))}
                        elif g.role == "active":
                            params = {"active_parameters": g.values[0]}
                        else:
                            params = {"parameters": g.values[0]}
                        evs.append(self.evidence(lo + g.start, lo + g.end, sent, f"model.parameters-{g.kind}", 0.8))
                if headline_params is not None:
                    # ... unless the body names one of the headline's sizes ("in 4B and 30B sizes" in the title,
                    # "at 30 billion parameters, M ..." in the text): one member of the family, not a new figure
                    sizes = headline_params.get("sizes", ())
                    one_of = params.keys() == {"parameters"} and params["parameters"] in sizes
                    if params and not one_of:
                        params_headline = False
                    else:
                        params, params_headline = headline_params, True
                        del evs[evs_before:]
                elif params and not had_params and sent.start == 0:
                    params_headline = True
                # base model
                if based_on is None:
                    tail = text[m.end:sent.end_char]
                    bm = lex.based_on_re.search(tail)
                    # near the name, or further on in its own apposition/relative clause when no other model
                    # is named in between: "M, a 20B model that was fine-tuned from B"
                    if bm and (bm.start() <= 60 or (bm.start() <= 130 and not any(
                            m.end < x.start < m.end + bm.start() for x in model_ms)
                            and not re.search(r"[;.]\s", tail[:bm.start()]))):
                        target_at = m.end + bm.end()
                        for x in model_ms:
                            if x.start >= target_at and x.start - target_at <= 30 and self.cid(x) != cid:
                                based_on = self.clusters[self.cid(x)].name
                                evs.append(self.evidence(m.start, x.end, sent, "model.based-on", 0.85))
                                break
                if based_on is None:
                    based_on = self._clause_base(m, cid, model_ms, evs)
                # open source
                lo, hi = max(sent.start_char, m.start - 90), min(sent.end_char, m.end + 60)
                window = text[lo:hi]
                if open_source is None:
                    if lex.closed_source_re.search(window):
                        open_source = False
                    elif lex.open_source_re.search(window):
                        open_source = True
                # status
                if status is None:  # the status cue closest to this mention, within its stretch of the sentence
                    lo_s, hi_s = max(sent.start_char, m.start - 80), min(sent.end_char, m.end + 80)
                    best = None
                    for st in ("in_training", "planned", "released"):
                        for cue in lex.status_res[st].finditer(text, lo_s, hi_s):
                            dist = cue.start() - m.end if cue.start() >= m.end else m.start - cue.end()
                            if best is None or dist < best[0]:
                                best = (dist, st)
                    status = best[1] if best else None
            if developer is None:
                dev_rule = None
            rec = Model(name=cl.name, aliases=cl.aliases, developer=self.cname(developer),
                        parameters=params.get("parameters"), parameters_min=params.get("parameters_min"),
                        parameters_max=params.get("parameters_max"), sizes=params.get("sizes"),
                        active_parameters=params.get("active_parameters"), open_source=open_source,
                        based_on=based_on, status=status, evidence=tuple(evs))
            if dev_rule and developer is not None:
                evs.append(self.mention_ev(ms[0], dev_rule, 0.7))
                rec = Model(**{**rec.__dict__, "evidence": tuple(evs)})
            out.append(rec)
        return self._inherit_developers(self._model_coreference(out))

    def _clause_base(self, m: Mention, cid: int, model_ms: list[Mention], evs: list[Evidence]) -> str | None:
        """'M, which ... (a long relative clause) ..., has 2B parameters and is built on B': the base named by a
        verb whose subject is M, however far from the name."""
        root = self.doc[m.tstart:m.tend].root
        if root.dep_ == "appos":  # "Its flagship model, M, ..."
            root = root.head
        if root.dep_ not in ("nsubj", "nsubjpass"):
            return None
        head = root.head
        for v in (head, *head.conjuncts):
            at = v.idx
            aux = [a for a in v.children if a.dep_ in ("aux", "auxpass") and a.i < v.i]
            if aux:
                at = aux[0].idx
            trig = self.lex.based_on_re.pattern
            bm = re.match(rf"(?:(?:is|was|has been|are|were)\s+)?(?:{trig})\s+(?:the\s+)?", self.text[at:at + 60],
                          re.IGNORECASE)
            if not bm:
                continue
            tgt = next((x for x in model_ms if x.start == at + bm.end() and self.cid(x) != cid), None)
            if tgt is not None:
                evs.append(self.evidence(m.start, tgt.end, m.sent, "model.based-on-clause", 0.75))
                return self.clusters[self.cid(tgt)].name
        return None

    def _body_developer(self, m: Mention) -> int | None:
        """The organization a sentence credits with model ``m``: 'X released M', 'X, which unveiled the M family',
        'M, which X launched last year', 'M, an open model developed by X', 'X said M would ...'."""
        doc = self.doc
        root = doc[m.tstart:m.tend].root
        while root.dep_ == "compound" and root.head != root and root.head.pos_ in ("NOUN", "PROPN"):
            root = root.head  # "the M family", "M models"
        # "M, which X launched": a relative clause on the model (or on its apposition: "M, the 7B model that X
        # released in June") with an organization as its subject
        for rc in [x for ap in (root, *[a for a in root.children if a.dep_ == "appos"]) for x in ap.children]:
            if rc.dep_ == "relcl" or (rc.dep_ == "acl" and rc.head is not root):
                subj = next((x for x in rc.children if x.dep_ in ("nsubj",) and x.lower_ not in ("which", "that")),
                            None)
                if subj is not None:
                    c = self.org_of_token(subj.i)
                    if c is not None:
                        return c
        # "built on M from the Jakarta start-up X", "M by X"
        if m.tend < len(doc) and doc[m.tend].lower_ in ("from", "by"):
            c = self._org_after(m.tend + 1)
            if c is not None:
                return c
        # "M, an open model developed by X", "M, a model released last year by the Oslo start-up X",
        # "M, an open-weight model from the research lab X"
        gap = re.match(r",\s*(?:a|an|the)\s+(?:(?:[\w-]+\s+){0,4}?(?:developed|built|made|created|trained|released"
                       r"|published|launched|unveiled|open-sourced)(?:\s+[\w-]+){0,3}?\s+by"
                       r"|(?:[\w-]+\s+){0,3}?(?:model|models|LLM|system|family|version)\s+from)\s+",
                       self.text[m.end:m.end + 100])
        if gap:
            nxt = self.doc.char_span(m.end + gap.end(), m.end + gap.end() + 1, alignment_mode="expand")
            c = self._org_after(nxt.start) if nxt is not None else None
            if c is not None:
                return c
        # "M, the 70-billion-parameter model that X released in the spring" (read off the text: the parse of such
        # appositions is often wrong)
        rel = re.match(r",\s*(?:a|an|the|its)\s+(?:[\w-]+\s+){0,4}?(?:model|models|LLM|family|version|system)\s+"
                       r"(?:that|which)\s+", self.text[m.end:m.end + 120])
        if rel:
            at = m.end + rel.end()
            mm = next((x for x in self.mentions if x.label == "ORG" and x.start == at), None)
            if mm is not None and re.match(r"\s+(?:has\s+|had\s+)?(?:released|launched|developed|built|trained|"
                                           r"unveiled|published|open-sourced|introduced|created)\b",
                                           self.text[mm.end:mm.end + 30]):
                return self.cid(mm)
        verb = root.head
        while verb.pos_ not in ("VERB", "AUX") and verb.head != verb:
            verb = verb.head
        if root.dep_ in ("dobj", "dative", "attr", "appos", "conj", "pobj") and verb.pos_ in ("VERB", "AUX"):
            c, _ = self.subject_org(verb)
            return c
        if root.dep_ in ("nsubj", "nsubjpass") and verb.dep_ == "ccomp" \
                and verb.head.lemma_ in ("say", "announce", "confirm", "add", "state", "tell"):
            c, _ = self.subject_org(verb.head)  # "Zentra said M would be free"
            return c
        return None

    def _org_after(self, i: int) -> int | None:
        """The organization named from token ``i`` on, past articles and descriptors ('the Jakarta start-up X',
        'Tokyo-based X'), before any punctuation, verb or number."""
        doc = self.doc
        for k in range(i, min(i + 7, len(doc))):
            mm = self.mention_at(k)
            if mm is not None:
                # "the Sapporo start-up X": a place read as a name before a descriptor is not the organization
                j = mm.tend
                while j < min(mm.tend + 3, len(doc)) and (doc[j].is_lower or doc[j].text == "-") \
                        and self.mention_at(j) is None:
                    j += 1
                nxt = self.mention_at(j) if j < len(doc) and j > mm.tend else None
                if nxt is not None and nxt.label == "ORG" and hyphen_word(doc, j - 1) in self.lex.org_descriptors:
                    return self.cid(nxt)
                return self.cid(mm) if mm.label == "ORG" else None
            if (doc[k].is_punct and doc[k].text != "-") or (
                    doc[k].pos_ in ("VERB", "AUX", "NUM") and not _in_hyphenation(doc[k])):
                return None
        return None

    def _model_coreference(self, models: list[Model]) -> list[Model]:
        """'The model was developed by X' / 'It is based on Y': facts about the model named just before."""
        from dataclasses import replace

        model_ms = [m for m in self.mentions if m.label == "MODEL"]
        by_name = {m.name: m for m in models}
        sents = list(self.doc.sents)
        for k, sent in enumerate(sents):
            st = sent.text
            # "Both models are built on Y": every model named in the sentence before
            both = re.match(r"\s*(?:both|the two|the three|all three|these|all) (?:models|versions)\b[^.;]{0,30}?(?:"
                            + self.lex.based_on_re.pattern + r")\s+(?:the\s+)?", st, re.IGNORECASE)
            if both and k > 0 and not self._boiler(sent.start_char):
                at = sent.start_char + both.end()
                tgt = next((x for x in model_ms if 0 <= x.start - at <= 3), None)
                prev_names = {self.clusters[self.cid(x)].name for x in model_ms
                              if sents[k - 1].start_char <= x.start < sents[k - 1].end_char}
                if tgt is not None:
                    base = self.clusters[self.cid(tgt)].name
                    for name in prev_names - {base}:
                        rec = by_name.get(name)
                        if rec is not None and rec.based_on is None:
                            by_name[name] = replace(rec, based_on=base, evidence=(*rec.evidence, self.evidence(
                                sent.start_char, tgt.end, sent, "model.coref-both-based-on", 0.7)))
                continue
            if self._boiler(sent.start_char) or not re.match(r"\s*(?:the|this|that|it|the new) ?(?:model)?\b", st,
                                                             re.I):
                continue
            prior = [x for x in model_ms if x.end <= sent.start_char]
            if not prior or any(sent.start_char <= x.start < sent.end_char for x in model_ms[:0]):
                continue
            name = self.clusters[self.cid(prior[-1])].name
            rec = by_name.get(name)
            if rec is None:
                continue
            dm = re.match(r"\s*(?:the|this|that|the new) model (?:was|is|has been) "
                          r"(?:developed|built|created|made|trained) by\s+", st, re.I)
            if dm:
                at = sent.start_char + dm.end()
                org = next((x for x in self.orgs_in(sent) if x.start == at), None)
                if org is not None:
                    rec = replace(rec, developer=self.cname(self.cid(org)),
                                  evidence=(*rec.evidence, self.evidence(sent.start_char, org.end, sent,
                                                                         "model.coref-developed-by", 0.7)))
            rec = self._coref_parameters(rec, sent, model_ms)
            bm = lex_based = self.lex.based_on_re.search(st)
            if bm and rec.based_on is None:
                at = sent.start_char + lex_based.end()
                tgt = next((x for x in model_ms if sent.start_char <= x.start and 0 <= x.start - at <= 12
                            and self.clusters[self.cid(x)].name != name), None)
                if tgt is not None and not any(x.start < at and sent.start_char <= x.start for x in model_ms):
                    rec = replace(rec, based_on=self.clusters[self.cid(tgt)].name)
            by_name[name] = rec
        return [by_name.get(m.name, m) for m in models]

    def _coref_parameters(self, rec: Model, sent: Span, model_ms: list[Mention]) -> Model:
        """'The family comes in three sizes, 2B, 9B and 40B' / 'It has 12 billion parameters': the sizes of the
        model named just before, when it has none yet or only the headline's."""

        if not re.match(r"\s*(?:the|this|that|the new|it)\b(?:\s+(?:model|models|family|series|line-up|lineup)\b)?"
                        r"(?:\s+(?:comes|come|has|have|is|are|spans|span|ranges|range|includes|include)\b)",
                        sent.text, re.I):
            return rec
        if any(sent.start_char <= x.start < sent.end_char for x in model_ms):
            return rec
        param_evs = [e for e in rec.evidence if e.rule.startswith("model.parameters")]
        has = rec.parameters is not None or rec.sizes is not None or rec.parameters_min is not None
        if has and (not param_evs or any(e.sentence_start > 0 for e in param_evs)):
            return rec
        groups = [g for g in find_parameters(sent.text) if not g.excluded and (g.explicit or g.shorthand)]
        if not groups:
            return rec
        g = groups[0]
        vals = {"parameters": None, "sizes": None, "parameters_min": None, "parameters_max": None}
        if g.kind == "range":
            vals.update(parameters_min=g.values[0], parameters_max=g.values[1])
        elif g.kind == "sizes":
            vals.update(sizes=tuple(sorted(set(g.values))))
        else:
            vals.update(parameters=g.values[0])
        ev = self.evidence(sent.start_char + g.start, sent.start_char + g.end, sent, f"model.parameters-{g.kind}", 0.7)
        return replace(rec, **vals, evidence=(*[e for e in rec.evidence if e not in param_evs], ev))

    def _is_base_mention(self, m: Mention) -> bool:
        """'based on the older X': X is named as the base of another model in this sentence."""
        before = self.text[max(m.sent.start_char, m.start - 40):m.start]
        return bool(re.search(rf"(?:{self.lex.based_on_re.pattern})\s+(?:the\s+|its\s+)?(?:[\w-]+\s+)?$", before,
                              re.IGNORECASE))

    def _inherit_developers(self, models: list[Model]) -> list[Model]:
        """A model without a stated developer takes it from its family ('Fjord 2' from 'Fjord 3'), from the model
        built on it, or else from the document's main organization."""
        from dataclasses import replace

        def family(name: str) -> str:
            return re.split(r"[\s\d-]", name, maxsplit=1)[0].lower()

        by_family: dict[str, str] = {}
        for m in models:
            if m.developer:
                by_family.setdefault(family(m.name), m.developer)
        derived: dict[str, str] = {}
        for m in models:
            if m.based_on and m.developer:
                derived.setdefault(m.based_on, m.developer)
        main = self.cname(self.main_org)
        out = []
        for m in models:
            if m.developer is None:
                dev = by_family.get(family(m.name)) or derived.get(m.name) or main
                if dev:
                    ev = (*m.evidence, replace(m.evidence[0], rule="model.developer-inherited", confidence=0.5))
                    m = replace(m, developer=dev, evidence=ev)
            out.append(m)
        return out

    # ---- investments ----------------------------------------------------------------------------------------
    def _sole_investor(self, a1: int, sent: Span) -> int | None:
        """'raised $9M from X, its sole investor': money from one named source is that source's investment."""
        tail = self.text[a1:sent.end_char]
        fm = re.search(r"\bfrom\s+(?:the\s+)?(?P<own>(?:its|their)\s+(?:existing\s+|sole\s+|only\s+|longtime\s+)?"
                       r"(?:investor|backer|shareholder)\s+)?", tail[:80])
        if not fm:
            return None
        at = a1 + fm.end()
        mm = next((x for x in self.orgs_in(sent) if x.start == at), None)
        if mm is None:
            return None
        if re.match(r",?\s*(?:its|the|their)\s+(?:sole|only|single)\s+(?:investor|backer|funder)\b",
                    self.text[mm.end:mm.end + 40]):
            return self.cid(mm)
        # "took a $4M bridge round from its existing investor X", "raised $6M in notes from X, which ...":
        # a named lone giver, not one of a list
        gap = tail[:fm.start()]
        lone = fm.group("own") or (re.fullmatch(r"(?:\s+[a-z][a-z-]*){0,4}\s+", gap)
                                   and not self.lex.non_investment_re.search(gap))
        if lone and not re.match(r"\s*(?:,\s*[A-Z]|and\b|&|,?\s*(?:among|alongside|with)\b)",
                                             self.text[mm.end:mm.end + 20]):
            return self.cid(mm)
        return None

    def _holdings(self, a0: int, a1: int) -> bool:
        """'which manages about $900 billion in assets': money a fund holds, not money it puts in."""
        verbs, after = _holdings_res()
        return bool(verbs.search(self.text[max(0, a0 - 45):a0]) or after.match(self.text[a1:a1 + 40]))

    def investments(self) -> list[Investment]:
        doc, lex, text = self.doc, self.lex, self.text
        found: dict[tuple, Investment] = {}
        for sent in doc.sents:
            if self._boiler(sent.start_char):
                continue
            stext = sent.text
            monies = find_money(stext, context=text)
            if not monies:
                continue
            usd_for: dict[int, Money] = {}
            secondary: set[int] = set()
            for a, b in itertools.pairwise(monies):
                if b.currency != a.currency and re.fullmatch(
                    r"\s*[(\[]\s*(?:about|roughly|around|approximately|some|nearly|almost|or|over|~|US)?\s*",
                    stext[a.end:b.start],
                ):
                    if b.currency == "USD":
                        usd_for[a.start] = b
                    secondary.add(b.start)  # "Rp 3.1 trillion (about ₹1,600 crore)": the same money again
            for mo in monies:
                if mo.start in secondary:
                    continue
                a0, a1 = sent.start_char + mo.start, sent.start_char + mo.end
                after = text[a1:min(sent.end_char, a1 + 45)]
                # "for ₹640 crore, valuing the firm at ...": a cue after a comma is about the next amount
                vm = re.match(r"[^,;]*?(?=[,;]\s*(?:valuing|which values|giving it a valuation|at a valuation))", after)
                near = text[max(sent.start_char, a0 - 60):a1] + (vm.group(0) if vm else after)
                sole = self._sole_investor(a1, sent)
                if (lex.non_investment_re.search(near) and sole is None) or self._holdings(a0, a1):
                    continue
                if re.search(r"\b(?:up|down|rising|falling|compared)\s+(?:from|with)\s+(?:about\s+|around\s+|roughly\s+"
                             r"|some\s+|nearly\s+|almost\s+)?$", text[max(sent.start_char, a0 - 40):a0]):
                    continue  # "..., up from about $1 billion this year": the figure compared with
                if not lex.investment_re.search(stext) and sole is None:
                    continue
                clause = text[max(sent.start_char, a0 - 140):a0]
                cut = max(clause.rfind(", but "), clause.rfind("; "), clause.rfind(", while "), clause.rfind(" but "))
                clause = clause[cut + 1:] if cut >= 0 else clause
                if lex.denial_re.search(clause):
                    continue
                # investor: the subject of the closest investment verb, else the closest organization before
                investor, inv_rule = None, ""
                triggers = [t for t in sent if lex.investment_re.fullmatch(t.text) and t.pos_ in ("VERB", "NOUN")]
                triggers.sort(key=lambda t: abs(t.idx - a0))
                other_subject = False
                # "backed by a $300 million commitment from the infrastructure investor X": the giver after "from"
                fm = re.match(r"\s*(?:\([^()]{0,40}\)\s*)?(?:(?:investment|commitment|injection|infusion|cheque|check"
                              r"|funding|capital|contribution|pledge)\s+)?from\s+", text[a1:sent.end_char])
                if fm:
                    nxt = doc.char_span(a1 + fm.end(), a1 + fm.end() + 1, alignment_mode="expand")
                    c = self._org_after(nxt.start) if nxt is not None else None
                    if c is not None:
                        investor, inv_rule = c, "investment.from"
                if sole is not None:  # "raised £9.5M in seed funding from X, its sole investor"
                    investor, inv_rule = sole, "investment.sole-investor"
                for t in ([] if investor is not None else triggers[:2]):
                    verb = t if t.pos_ == "VERB" else t.head
                    while verb.pos_ not in ("VERB", "AUX") and verb.head != verb:
                        verb = verb.head
                    c, subj_i = self.subject_org(verb)
                    if c is not None:
                        investor, inv_rule = c, "investment.subject"
                        break
                    if subj_i is not None and t.pos_ == "VERB" and abs(t.idx - a0) < 40:
                        other_subject = True  # "a state fund invested ...": someone who is not an organization
                        break
                if investor is None and not other_subject:
                    before = [x for x in self.orgs_in(sent) if x.end <= a0
                              and not re.search(r"\b(?:in|into|to|for|from|of)\s*$", self.text[x.start - 8:x.start])]
                    if before:
                        investor, inv_rule = self.cid(before[-1]), "investment.nearest-org"
                if investor is None:
                    continue
                usd = usd_for.get(mo.start)
                amount_usd = usd.amount if usd else (mo.amount if mo.currency == "USD" else None)
                tail = stext[mo.end:]
                if usd:
                    tail = stext[usd.end:]
                tail = re.sub(r"^\s*\)", "", tail)
                target = None
                tm = re.search(r"\b(?:into|in|on|for investment in|for|to)\s+(?:the\s+)?(.+?)"
                               r"(?=,|;| over | by \d| in \d| as well| with | through |\.$|\.\s|$)", tail)
                if tm:
                    target = tm.group(1).strip() or None
                end_ev = sent.start_char + (usd.end + 1 if usd and stext[usd.end:usd.end + 1] == ")" else
                                            (usd.end if usd else mo.end))
                status = None
                if lex.rumour_re.search(clause):
                    status = "rumoured"
                elif lex.completed_re.search(stext):
                    status = "completed"
                elif lex.planned_re.search(stext):
                    status = "planned"
                elif lex.announced_re.search(stext):
                    status = "announced"
                ev = self.evidence(a0, end_ev, sent, inv_rule, 0.75 if inv_rule == "investment.subject" else 0.55)
                key = (investor, round(mo.amount), mo.currency)
                for other in list(found):  # "Kestrel" in the headline, "Kestrel Electronics Co." in the body
                    if other[1:] == key[1:] and other[0] != investor:
                        a, b = self.cname(other[0]) or "", self.cname(investor) or ""
                        if a.lower().startswith(b.lower() + " ") or b.lower().startswith(a.lower() + " "):
                            key = other
                            investor = other[0] if len(a) >= len(b) else investor
                period = parse_period(tail)
                span, target = self._period(stext, monies, mo, usd, target)
                day = find_day(stext, on=self.date)
                if key in found:  # the same investment again (headline and body): fill in what was missing
                    old = found[key]
                    if old.period_start is None and old.period_end is None and span is not None:
                        old = replace(old, period_start=span.start_iso, period_end=span.end_iso)
                    found[key] = Investment(**{
                        **old.__dict__, "evidence": (*old.evidence, ev),
                        "amount_usd": old.amount_usd or amount_usd,
                        "period_years": old.period_years or period,
                        "announced_on": old.announced_on or (day.isoformat() if day else None),
                        "qualifier": old.qualifier or mo.qualifier,
                        "target": target if old.evidence[0].sentence_start == 0 and target else old.target,
                    })
                    continue
                found[key] = Investment(
                    investor=self.cname(investor), amount=mo.amount, currency=mo.currency, amount_usd=amount_usd,
                    target=target, period_years=period, qualifier=mo.qualifier, status=status,
                    evidence=(ev,), period_start=span.start_iso if span else None,
                    period_end=span.end_iso if span else None, announced_on=day.isoformat() if day else None,
                )
        return list(found.values())

    def _period(self, stext: str, monies: list[Money], mo: Money, usd: Money | None,
                target: str | None) -> tuple[Period | None, str | None]:
        """The period of the investment of ``mo`` in sentence ``stext`` and its target without the period words.

        Looked for after the amount (up to the next amount, relative clause or semicolon), else at the very start
        of the sentence ("Next year, X will invest ..."): a date elsewhere before the amount usually belongs to
        something else.
        """
        after = usd.end if usd else mo.end
        nxt = min((o.start for o in monies if o.start >= after), default=len(stext))
        tail = re.split(r",\s+(?:which|who|whose|where)\s|;\s", stext[after:nxt], maxsplit=1)[0]
        span = locate_period(tail, on=self.date)
        if span is not None:
            if target and (cut := target.find(tail[span.offset:span.end_offset])) > 0:
                target = target[:cut].rstrip(" ,;") or target  # "AI by the end of 2027" -> "AI"
            return (span if span.start or span.end else None), target
        span = find_period(stext[:mo.start], on=self.date)
        if span is not None and not stext[:span.offset].strip(" \t\n\"'“‘(-—"):
            return span, target
        return None, target

    # ---- programmes -----------------------------------------------------------------------------------------
    def _co_organizers(self, verb, subj_i: int | None) -> list[int]:
        """Organizations conjoined with the subject ('A and B will run ...') or joined by 'with' to the verb
        ('... it runs with B')."""
        out = []
        heads = list(self.doc[subj_i].conjuncts) if subj_i is not None else []
        preps = [x for x in verb.children if x.dep_ == "prep"]
        for x in verb.children:
            if x.dep_ == "advmod" and x.lower_ in ("together", "jointly", "along", "alongside"):
                preps.extend(y for y in x.children if y.dep_ == "prep")  # "launched X jointly with B"
            if x.dep_ == "prep" and x.lower_ == "in":  # "in partnership with B"
                for n in x.children:
                    if n.dep_ == "pobj" and n.lower_ in ("partnership", "collaboration", "conjunction", "cooperation"):
                        preps.extend(y for y in n.children if y.dep_ == "prep")
        for prep in preps:
            if prep.lower_ == "with":
                for x in prep.children:
                    if x.dep_ == "pobj":
                        heads.extend([x, *x.conjuncts])
        for h in heads:
            c = self.org_of_token(h.i)
            if c is None:  # "with the charity B": the name in apposition to the descriptor
                c = next((self.org_of_token(a.i) for a in h.children if a.dep_ == "appos"
                          and self.org_of_token(a.i) is not None), None)
            if c is not None:
                out.append(c)
        return out

    def programs(self) -> list[Program]:
        doc, lex, text = self.doc, self.lex, self.text
        out = []
        # "The programme is run by X": organizers of the last programme named before
        later: dict[int, tuple[list[int], Evidence]] = {}
        progs = [m for m in self.mentions if m.label == "PROGRAM"]
        for sent in doc.sents:
            pm = re.match(r"\s*the (?:programme|program|initiative|scheme|fellowship|accelerator|fund)\b[^.;]{0,30}?"
                          rf"(?:{lex.organizer_re.pattern})", sent.text, re.IGNORECASE)
            prior = [m for m in progs if m.end <= sent.start_char]
            if not pm or not prior or self._boiler(sent.start_char):
                continue
            at = sent.start_char + pm.end()
            orgs = []
            for x in self.orgs_in(sent):
                if x.start >= at:
                    if re.search(r"[;.]|\b(?:to|which|that|aims?)\b|(?<!together )(?<!along )(?<!jointly )"
                                 r"(?<!partnership )(?<!collaboration )\bwith\b", text[at:x.start]) or (
                        orgs and re.match(r"['’]s?\b", text[x.end:x.end + 2])
                    ):
                        break
                    orgs.append(self.cid(x))
                    at = x.end
            if orgs:
                later.setdefault(self.cid(prior[-1]), (orgs, self.evidence(sent.start_char + pm.start(),
                                                                          sent.start_char + pm.end(), sent,
                                                                          "program.coref-organised-by", 0.75)))
        for _cid, cl in self.clusters.items():
            if cl.label != "PROGRAM":
                continue
            organizers: list[int] = []
            evs = [self.mention_ev(cl.mentions[0], "program.name", 0.8)]
            if _cid in later:
                organizers = list(later[_cid][0])
                evs.append(later[_cid][1])
            stated_later = list(organizers)
            organizers = []
            announced_only = False
            for m in cl.mentions:
                sent = m.sent
                tail = text[m.end:sent.end_char]
                om = lex.organizer_re.search(tail)
                # close to the name, or at the end of its apposition: "X, a scheme for founders run by A"
                if om and (om.start() <= 40 or (om.start() <= 100 and re.match(r",\s*(?:a|an|the)\s", tail)
                                                 and not re.search(r"[;.]", tail[:om.start()])
                                                 and not any(m.end < x.start < m.end + om.start()
                                                             for x in self.mentions))):
                    at = m.end + om.end()
                    for x in self.orgs_in(sent):
                        if x.start >= at:
                            between = text[at:x.start]
                            if re.search(r"[;.]|\b(?:to|which|that|aims?)\b|(?<!together )(?<!along )(?<!jointly )"
                                         r"(?<!partnership )(?<!collaboration )\bwith\b", between) or (
                                organizers and re.match(r"['’]s?\b", text[x.end:x.end + 2])
                            ):
                                break
                            organizers.append(self.cid(x))
                            at = x.end
                    if organizers:
                        evs.append(self.evidence(m.start, sent.start_char + len(sent.text.rstrip()) if False else
                                                 m.end + om.end(), sent, "program.organised-by", 0.85))
                if not organizers and m.tstart >= 2 and doc[m.tstart - 1].tag_ == "POS":
                    pm = self.mention_at(m.tstart - 2)
                    if pm is not None and pm.label == "ORG":
                        organizers.append(self.cid(pm))
                        evs.append(self.evidence(pm.start, m.end, sent, "program.possessive", 0.8))
                if not organizers and m.tstart >= 1 and doc[m.tstart - 1].lower_ in ("its", "their"):
                    c = self.resolve_ref(m.tstart - 1)
                    if c is not None:
                        organizers.append(c)
                        evs.append(self.mention_ev(m, "program.its", 0.7))
                if not organizers:
                    root = doc[m.tstart:m.tend].root
                    verb = root.head
                    for _ in range(4):
                        while verb.pos_ not in ("VERB", "AUX") and verb.head != verb:
                            verb = verb.head
                        if verb.lemma_ in _PROGRAM_VERBS or verb.head == verb:
                            break
                        verb = verb.head
                    if verb.pos_ == "VERB" and verb.lemma_ in ("launch", "start", "set", "create", "establish",
                                                                 "announce", "unveil", "run", "host", "organise",
                                                                 "organize", "introduce", "open"):
                        c, subj_i = self.subject_org(verb)
                        if c is not None:
                            organizers.append(c)
                            organizers.extend(self._co_organizers(verb, subj_i))
                            evs.append(self.mention_ev(m, "program.subject", 0.65))
                            # "X announced the P. The P will be run by A": who runs it, not who announced it
                            announced_only = verb.lemma_ in ("announce", "unveil", "introduce")
                if not organizers:
                    # "the X Programme, a training scheme it runs with B": a relative clause on the apposition
                    root = doc[m.tstart:m.tend].root
                    for ap in [root, *root.children]:
                        if ap.dep_ != "appos" and ap is not root:
                            continue
                        for rc in ap.children:
                            if rc.dep_ in ("relcl", "acl") and rc.lemma_ in _PROGRAM_VERBS:
                                c, subj_i = self.subject_org(rc)
                                if c is not None:
                                    organizers.append(c)
                                    organizers.extend(self._co_organizers(rc, subj_i))
                                    evs.append(self.evidence(m.start, self.doc[rc.i].idx + len(rc.text), m.sent,
                                                             "program.appositive-clause", 0.65))
                if not organizers:
                    inner = [x for x in self.mentions if x.label == "ORG"
                             and any(org_key(f) == org_key(m.text.split(" for ")[0].split(" of ")[0])
                                     or m.text.startswith(f + " ") for f in [x.text])]
                    if inner:
                        organizers.append(self.cid(inner[0]))
                        evs.append(self.mention_ev(m, "program.name-prefix", 0.7))
                if organizers:
                    # "X with B", "X, a six-month programme, together with the charity B"
                    tw = re.match(r"\s*(?:,[^;.,]{0,80},\s*)?(?:(?:together|jointly|in partnership|in collaboration) )?"
                                  r"with\s+(?:the\s+)?", text[m.end:m.sent.end_char])
                    if tw and tw.group(0).lstrip().startswith(",") and not re.search(
                            r"(?:together|jointly|partnership|collaboration) with", tw.group(0)):
                        tw = None
                    if tw:
                        at = m.end + tw.end()
                        for x in self.orgs_in(m.sent):
                            if x.start < at:
                                continue
                            stop = r"[;.]|\b(?:to|which|that|said|says)\b|,\s*and\b|\b[a-z]+(?:ed|s)\s+(?:by|to)\b"
                            if re.search(stop, text[at:x.start]) or \
                                    re.match(r"['’]s?\b", text[x.end:x.end + 2]):
                                break
                            organizers.append(self.cid(x))
                            at = x.end
                    break
            uniq = list(dict.fromkeys((organizers if not (announced_only and stated_later) else []) + stated_later))
            out.append(Program(name=cl.name, organizers=tuple(self.cname(c) for c in uniq), aliases=cl.aliases,
                               evidence=tuple(evs)))
        return out

    # ---- organizations --------------------------------------------------------------------------------------
    def organizations(self) -> list[Organization]:
        out = []
        for _cid, cl in self.clusters.items():
            if cl.label != "ORG":
                continue
            evs = tuple(self.mention_ev(m, "org.mention", 0.8) for m in cl.mentions[:20])
            out.append(Organization(name=cl.name, aliases=cl.aliases, kind=cl.kind, evidence=evs))
        return out


def facts_from_doc(doc: Doc, *, date: DateLike | None = None) -> Facts:
    """Everything our rules find in ``doc`` (processed by the kg pipeline); ``date`` (the article date) resolves
    relative periods and days of investments."""
    ex = _Extraction(doc, date=date)
    subs = ex.subsidiaries()
    models = ex.models()
    investments = ex.investments()
    programs = ex.programs()
    orgs = ex.organizations()
    return Facts(organizations=tuple(orgs), subsidiaries=tuple(subs), models=tuple(models),
                 investments=tuple(investments), programs=tuple(programs))
