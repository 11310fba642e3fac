"""Forms of asking that the services lexicon alone does not see (pure; used by
``inscope.rules.services`` and ``inscope.rules.signals``).

Each is a structure of how clients ask, not a list of their phrases:

- **the client's own people** — a role named with «наш» / "our" («наш программист», "our
  developer") is someone the client has, not a service asked of the agency: «передам
  нашему программисту» asks nothing of web development;
  so is one given a task («поставить программисту задачу»);
- **a proposal asked for** — «подготовьте КП», "send us a proposal": the document is about
  the work, so a verb of writing that reaches a text *across* the proposal («подготовьте
  коммерческое предложение — сколько постов …») does not order copywriting;
- **a feasibility question** — «такое прикрутить реально?», "is that doable?": asks whether
  the agency can do the job the sentence names, wherever it stands;
- **a reference back** — «сможете взять это на себя?», "could you set that up too?",
  «Логотип у нас устарел. Займётесь?»: a request with a pronoun for its object (or none, in
  a request of a few words) and a verb of taking a job on asks for the service the
  sentence before named — unless that sentence tells a result in search or sales
  («сменили дизайн, заявок стало меньше. Поможете?» asks for SEO help);
- **a count for its object** — «у конкурентов 200 отзывов, у нас 14. Можно, чтобы штук 30
  появилось?», "could we get a dozen more?": a request whose object is only a number of
  things asks for what the sentence before counted;
- **who does it** — «тексты вы пишете или мы?», "is that the host's job or yours?": a
  question that ends on the agency as one of two who might do a job asks about the division
  of work, not for the work;
- **by what means** — «это руками надо или есть какой-то плагин?»: whether a tool for a
  job exists is asked about, not ordered;
- **a need told after its object** — «баннеры для акции нужны к пятнице»;
- **a "we" proposal** — «Может, запустим рекламу в Директе?»: a question with a verb of
  making in "we will" / "let's" proposes the work (not «обсудим?», nor one they would do
  themselves);
- **a broken layout told as a complaint** — "the date picker sits on top of the price and
  you can't tap Continue" in a message that asks nothing else: the client reports it to
  have it fixed (web development), as «меню съезжает — поправьте» asks outright.
"""

from __future__ import annotations

import re
from collections.abc import Sequence

from inscope.rules.lemmas import NEG, PAST, WE
from inscope.rules.lexicon import PhraseSet, Word

OWNERS: frozenset[str] = frozenset(
    ["наш", "мой", "свой", "штатный", "our", "my", "own", "in-house", "inhouse"])
"""Words that make the role after them the client's own («наш программист», "our designer")."""
ROLES: frozenset[str] = frozenset(
    ["программист", "разработчик", "верстальщик", "дизайнер", "копирайтер", "фотограф",
     "видеограф", "таргетолог", "контекстолог", "маркетолог", "smm-щик", "сммщик", "айтишник",
     "developer", "developers", "dev", "devs", "designer", "designers", "copywriter",
     "copywriters", "photographer", "videographer", "marketer", "programmer", "webmaster",
     "вебмастер", "it"])
"""People who do a service: named with an owner they are the client's, not the agency's."""


TASKING: frozenset[str] = frozenset(
    ["поставить", "ставить", "дать", "давать", "выдать", "передать", "отдать", "объяснить",
     "assign", "brief", "hand", "tell"])
"""Verbs of giving someone a task: the role told them is the client's own («поставить
программисту задачу», "brief the developer") — one gives tasks to one's own people."""
TASK: frozenset[str] = frozenset(["задача", "задание", "тз", "task", "ticket"])


def own_staff(words: Sequence[Word], start: int) -> bool:
    """Whether the word at ``start`` is a role the client has («нашему программисту», "our
    in-house developer"): an owner word up to two words before it, or a task given to it
    («поставить программисту задачу»)."""
    w = words[start]
    if w.lemma not in ROLES and w.raw not in ROLES:
        return False
    near = [*words[max(0, start - 2):start], *words[start + 1:start + 3]]
    tasked = any(x.lemma in TASKING for x in words[max(0, start - 2):start]) and any(
        x.lemma in TASK or x.raw in TASK for x in near)
    return tasked or any(x.lemma in OWNERS or x.raw in OWNERS for x in words[max(0, start - 2):start])


PROPOSAL: frozenset[str] = frozenset(
    ["предложение", "кп", "смета", "расчет", "proposal", "quote", "estimate", "offer"])
"""A document about the work: a text asked for across it is the proposal's subject."""


def spans_proposal(words: Sequence[Word], start: int, end: int) -> bool:
    """Whether a proposal word stands inside the span (not at its ends)."""
    return any(w.lemma in PROPOSAL or w.raw in PROPOSAL for w in words[start + 1:end - 1])


FEASIBLE: frozenset[str] = frozenset(["реально", "осуществимо", "doable", "feasible"])
"""«…реально?», "is that doable?": in a question, whether the agency can do the job."""


def feasibility(words: Sequence[Word], question: bool) -> bool:
    """A question whether a job can be done («нам такое прикрутить реально?») — not one
    negated («нереально», «не реально»)."""
    if not question:
        return False
    return any(w.raw in FEASIBLE and not (i and words[i - 1].flags & NEG)
               for i, w in enumerate(words))


BACK_REFS: frozenset[str] = frozenset(
    ["это", "этим", "этого", "этому", "такое", "такую", "такой", "такого", "себя", "тоже",
     "that", "it", "this", "those", "them", "these", "too", "also"])
"""A pronoun object, «тоже» / "too": the request is for what was named before."""
_DOING_BACK: frozenset[str] = frozenset(
    ["сделать", "делать", "взять", "брать", "взяться", "браться", "заняться", "заниматься",
     "настроить", "настраивать", "запустить", "запускать", "вести", "организовать", "подключить",
     "прикрутить", "реализовать", "переделать", "помочь", "set", "do", "take", "handle", "run",
     "manage", "make", "build", "launch", "cover", "redo", "help",
     # writing what was named before: "would your team write those?", «напишете их?»
     "написать", "писать", "write", "draft"])
"""Verbs of taking a job on (not of looking, counting or waiting: «проверьте это»)."""
ELLIPTIC_WORDS = 4
"""A request this short with no object of its own («Займётесь?», "Can you redo it?") is
about what the sentence before named."""


def elliptic(words: Sequence[Word]) -> bool:
    """«Займётесь?», «Поможете?», "Can you take it on?": a short request whose only verb is
    one of taking a job on (no object named)."""
    return len(words) <= ELLIPTIC_WORDS and any(
        (w.lemma in _DOING_BACK or w.raw in _DOING_BACK) and not w.flags & PAST for w in words)


NEEDS: frozenset[str] = frozenset(
    ["нужен", "нужна", "нужны", "нужно", "надо", "требуется", "needed", "required"])
"""Need words that may follow what is needed («баннеры для акции нужны к пятнице»)."""


def refers_back(words: Sequence[Word]) -> bool:
    """«Сможете взять это на себя?», "could you set that up too?": a request for the job
    the sentence before named — a verb of doing with a pronoun or «тоже» for its object,
    within two words of it (a pronoun elsewhere in the sentence is about something else)."""
    for i, w in enumerate(words):
        if (w.lemma in _DOING_BACK or w.raw in _DOING_BACK) and not w.flags & PAST and any(
                x.raw in BACK_REFS for x in words[max(0, i - 2):i + 3] if x is not w):
            return True
    return False


REFER_BACK_SENTENCES = 3
"""How many sentences back a request that refers back looks for the job it means (the
nearest one that names a service: «…на Авито. У нас аккаунт есть. Возьмёте это на себя?»)."""

_COUNT_NOUNS: frozenset[str] = frozenset(
    ["штука", "штук", "штуки", "шт", "more", "dozen", "dozens", "десяток", "пара"])
_NUMBER_RE = re.compile(r"^\d+$")


def counted_back(words: Sequence[Word]) -> bool:
    """«чтоб у нас штук 30-40 появилось», "could we get a dozen more?": a number of things
    with no thing named — a count word next to a number («штук 30», «20 штук», "50 more"),
    or a count word alone that counts nothing named ("a dozen more")."""
    for i, w in enumerate(words):
        if w.raw not in _COUNT_NOUNS and w.lemma not in _COUNT_NOUNS:
            continue
        near = words[max(0, i - 1):i + 2]
        if any(_NUMBER_RE.match(x.raw) for x in near if x is not w) or (
                w.raw == "more" and i > 0 and words[i - 1].raw in ("dozen", "few", "couple")):
            return True
    return False


_WHO: frozenset[str] = frozenset(["вы", "мы", "вас", "нас", "сами", "you", "we", "us", "yours", "ours"])
_OR: frozenset[str] = frozenset(["или", "либо", "or"])


_THERE_IS: frozenset[tuple[str, str]] = frozenset(
    [("или", "есть"), ("или", "существует"), ("либо", "есть"), ("or", "is"), ("or", "are")])
_YOU_WORDS: frozenset[str] = frozenset(["вы", "вам", "вас", "ваш", "ты", "тебе", "you", "your"])


def by_what_means(words: Sequence[Word]) -> bool:
    """«это руками надо или есть какой-то плагин?», "is this done by hand or is there a
    tool?": a question of how a job is done — whether a tool for it exists — asks about the
    means, not for the means to be made (not when it asks the agency: «вы сделаете руками
    или есть плагин?»)."""
    if any(w.raw in _YOU_WORDS for w in words):
        return False
    raws = [w.raw for w in words]
    return any(pair in _THERE_IS for pair in zip(raws, raws[1:], strict=False))


def who_does_it(words: Sequence[Word]) -> bool:
    """«тексты вы пишете или мы?», «кто этим занимается — хостинг или вы?», "do you write
    them or do we?": the sentence ends on «или» / "or" and at most two words, one of them
    the agency or the client themselves — a question of who does the job, not an order of
    it ("can you make a logo, or we find someone else?" still asks)."""
    for i in range(max(0, len(words) - 3), len(words)):
        if words[i].raw in _OR:
            # «… вы или мы?», «… хостинг или вы?», «кто будет писать — вы или копирайтер?»
            return any(w.raw in _WHO for w in (*words[max(0, i - 1):i], *words[i + 1:]))
    return False


COMPLAINTS: tuple[str, ...] = (
    "съезжать|съехать|уехать|разъехаться|разъезжаться|наезжать|налезать|перекрывать|обрезаться|"
    "вылезать|прыгать|дергаться", "кривой верстка", "криво … отображаться|показываться",
    "не нажиматься|кликаться", "нельзя нажать|кликнуть", "не получаться нажать|кликнуть",
    "=misaligned", "=overlaps|=overlapping", "layout … broken|=off|=messed", "=cut off on",
    "=sits|=sitting|=sit … =on =top", "=sits|=sitting =over", "=can't|=cannot tap|click|press",
    "=unable to tap|click|press",
)
"""A part of the site shown broken, by its symptom (what a fix of the layout repairs)."""
_COMPLAINT_SET = PhraseSet(("layout", p) for p in COMPLAINTS)


def layout_complaint(words: Sequence[Word]) -> str:
    """The symptom of a broken layout one sentence reports («меню съезжает на мобильном»,
    "the picker sits on top of the price"), or ``""`` (negated: «ничего не съезжает»)."""
    for h in _COMPLAINT_SET.find(words):
        if not any(w.flags & NEG for w in words[max(0, h.start - 2):h.start]):
            return h.label
    return ""


_BY_OTHERS: frozenset[str] = frozenset(
    ["сам", "сами", "самостоятельно", "фрилансер", "фриланс", "подрядчик", "штатный"])
"""Who else would do the work a "we" proposal names: then it asks nothing of the agency."""


def proposal(words: Sequence[Word], making: frozenset[str]) -> list[tuple[int, int]]:
    """«Может, запустим рекламу в Директе?», «Сделаем лендинг под акцию?»: a client's
    question with a verb of ``making`` in "we will" / "let's" proposes the work to the
    agency (it still needs the service it names): the (start, end) of that verb, or none.
    Not «обсудим?», «посмотрим?» (no work made), not negated («не будем делать рекламу?»),
    not "did we" (past), not a plan to have it done by themselves or someone else
    («может, сами запустим?», «закажем у фрилансера?»)."""
    if any(w.lemma in _BY_OTHERS or w.raw in _BY_OTHERS for w in words):
        return []
    for i, w in enumerate(words):
        if (w.flags & WE and not w.flags & PAST and w.lemma in making
                and not (i and words[i - 1].flags & NEG)):
            return [(i, i + 1)]
    return []
