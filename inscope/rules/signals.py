"""What one message says, as the triage rules read it: pure, cached per text.

``analyse(text)`` splits a message into sentences of lemmatized words and finds, once:

- **addressing** — the names and ``@handles`` it is addressed to (a name at the start of a
  sentence, alone or after a greeting, followed by a comma, «!», a dash or a greeting:
  «Дарья, …», «Hi Daria,», «Dasha hi!», «Даш, а …») versus names merely mentioned
  («Даша в курсе», «Дарья не отвечает»); group addresses («Коллеги, …», "Hi all");
- **questions** — a sentence ending in «?» (not a rhetorical one in a celebration: «мы в
  топ-3, видели? 🎉») or asking without one («подскажите», "let me know");
- **requests** and the **services** they ask for (``inscope.rules.services``);
- **acknowledgements** — nothing but thanks / ok / 👍 («понял, ждём 👍»);
- **emergencies** (``inscope.rules.urgency`` decides what they mean for the thread): the
  site down or answering 5xx, pages falling out of the index, traffic or positions
  collapsing (a drop of ``DROP_PERCENT`` % or more, «рухнули», "off a cliff"), monitoring
  alerts (UptimeRobot DOWN/UP, Яндекс Вебмастер critical problems, Search Console 5xx), a
  same-day blocker — each unless negated («сайт не упал», "isn't down": a negation within
  two words before), in the past («вчера ночью лежал», "was down last night") or joking;
- **resolution** («починили», "fixed", "is back UP") and **continuation** («так и не
  работает», "still nothing loads", "any update?");
- urgency *words* («срочно», "ASAP") and calm words («не срочно», "no rush") — priority
  hints, never an emergency by themselves; **bulk** mail markers (unsubscribe, offers).

Everything is lemma-based (``inscope.rules.lexicon``); only numbers (HTTP codes,
percentages, page counts) use regular expressions.  No I/O.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from inscope.rules.lemmas import IMPR, NAME, NEG, tokens
from inscope.rules.lexicon import Hit, PhraseSet, Word, words_of
from inscope.rules.names import NAMES
from inscope.rules.services import request_of

DROP_PERCENT = 30
"""A fall of traffic, leads or positions by this many percent or more is a collapse."""
PAGES_AT_SCALE = 100
"""This many pages excluded from the index at once is deindexing, not housekeeping."""

# A sentence ends at . ! ? … followed by a space or the end (not inside "example.ru", "2.5").
_SENTENCE_RE = re.compile(r"(?:[^.!?…\n]|[.!?…](?=\S))+[.!?…]*", re.UNICODE)
_TOKEN_SPAN_RE = re.compile(r"(?<![\w@])@\w+|\w+(?:'\w+)?", re.UNICODE)
_HTTP_5XX_RE = re.compile(
    r"(?<![\d.,+/-])(5\d\d|5xx)(?!\d|[.,]\d|\s*(?:₽|руб|eur|usd|%|\$|€|р\b|k\b|тыс))",
    re.IGNORECASE)
_HTTP_CONTEXT_RE = re.compile(
    r"ошибк|error|код|code|http|status|статус|gateway|unavailable|server|сервер|отда|отвеча|"
    r"return|выда|показыва|loads?|грузит|открыва")
_MASS_404_RE = re.compile(r"(?<![\d.,])404(?!\d|[.,]\d)")
_PERCENT_RE = re.compile(r"(\d{1,3})(?:[.,]\d+)?\s*(?:%|процент)")
_MINUS_PERCENT_RE = re.compile(r"(?<![\w.])[−–-]\s?(\d{1,3})(?:[.,]\d+)?\s?%")
_PAGES_RE = re.compile(r"(\d[\d\s\u00a0,]*\d|\d)\s*(?:страниц|pages?\b)", re.IGNORECASE)
_DISALLOW_ALL_RE = re.compile(r"disallow:\s*/(?:\s|$)", re.IGNORECASE | re.MULTILINE)
_DOMAIN_RE = re.compile(r"(?<![\w@.-])((?:[a-z0-9](?:[a-z0-9-]*[a-z0-9])?\.)+[a-z]{2,})(?![\w-])")
_BLOCKER_RE = re.compile(
    r"\bбез\b[^.!?\n]{0,60}\bне\s+(?:буду|будем|могу|можем|сможем|получится|выйдет)\b"
    r"|\b(?:блокер|blocker|blocked|blocking|блокирует|стоим|застряли)\b|\bвс[её] стоит\b"
    r"|\bждем только\b|\bждём только\b|\b(?:can't|cannot) (?:proceed|continue|move on)\b"
    r"|\b(?:we're|we are|i'm|i am) stuck\b|\bwaiting (?:only )?on you\b"
    r"|\b(?:can't|cannot|can not|won't)\s+(?:ship|release|launch|deploy|go live)\b"
    r"|\bне\s+(?:могу|можем|сможем)\s+(?:выкатить|выложить|запустить|продолжить|релизить)\b",
    re.IGNORECASE)
_TODAY_RE = re.compile(
    r"\b(?:сегодня|today|tonight|this (?:morning|afternoon)|by noon|within the hour|"
    r"через\s+(?:час|полчаса|\d+\s*мин)|до\s+\d{1,2}(?::\d\d)?\b|к\s+\d{1,2}:\d\d|"
    r"до конца дня|до обеда|end of (?:the )?day|\beod\b|in an hour)",
    re.IGNORECASE)
_URL_RE = re.compile(r"https?://|www\.", re.IGNORECASE)
_JOKE_RE = re.compile(r"[😅😂🤣😄😆😁😜]|\){2,}|\b(?:ахах\w*|хаха\w*|lol|jk)\b", re.IGNORECASE)
_CELEBRATION_RE = re.compile(r"[🎉🥳🎊👏🏆🚀]|\b(?:ура+|yay|woo+hoo|hooray)\b", re.IGNORECASE)
_LATIN_NAMES: frozenset[str] = frozenset(w for _c, lat in NAMES.values() for w in lat)

# Words that may stand before a vocative or after it: greetings, thanks, fillers.
GREETING: frozenset[str] = frozenset(
    ["привет", "приветик", "здравствуйте", "здравствуй", "добрый", "доброе", "доброго", "день", "утро", "утра", "вечер", "вечера", "дня", "ночи", "спасибо", "благодарю", "ок", "окей", "а", "и", "ну", "вот", "так", "слушай", "слушайте", "кстати", "да", "нет", "ещё", "еще", "hi", "hello", "hey", "dear", "morning", "good", "afternoon", "evening", "thanks", "thank", "ok", "okay", "so", "also", "and", "yes", "no", "well", "again"])
GROUP: frozenset[str] = frozenset(
    ["коллеги", "коллега", "всем", "все", "ребята", "друзья", "команда", "team", "guys", "all", "everyone", "folks"])
_INTERROGATIVE: frozenset[str] = frozenset(
    ["что", "чем", "чего", "как", "когда", "почему", "зачем", "где", "куда", "откуда", "сколько", "какой", "какая", "какие", "какое", "чей", "ли", "можно", "нужно", "стоит", "реально", "правда", "what", "how", "when", "why", "where", "which", "who", "whom", "whose", "can", "could", "should", "would", "is", "are", "do", "does", "did", "will", "shall", "may"])
_ACK: frozenset[str] = frozenset(
    ["спасибо", "спс", "благодарю", "большое", "огромное", "ок", "окей", "ok", "okay", "ага", "угу", "понял", "поняла", "поняли", "понятно", "ясно", "принято", "хорошо", "отлично", "супер", "класс", "круто", "здорово", "ждем", "ждать", "будем", "договорились", "согласовано", "согласна", "согласен", "да", "тогда", "thanks", "thank", "you", "thx", "ty", "noted", "got", "it", "great", "perfect", "cool", "awesome", "sure", "fine", "good", "nice", "amazing", "wonderful", "lovely", "excellent", "sounds", "will", "do", "received", "cheers", "super"])

_LEXICON = PhraseSet([
    # the site (or part of it) not working
    *(("down", p) for p in (
        "не открываться", "не работать", "не грузиться", "не загружаться", "не отвечать",
        "не отображаться", "сайт … лежать", "сервер … лежать", "хостинг … лежать",
        "лежать … сайт", "упасть", "недоступный", "недоступен", "белый страница",
        "не проходить", "не приходить", "не отправляться", "сломаться", "слететь",
        "перестать работать", "перестать открываться", "не заходить", "не могу зайти",
        "выдавать ошибку", "взломать", "вирус", "вредоносный", "can't access", "cannot access",
        "not accessible", "=crashed", "=broken", "=hacked", "malware", "=stopped working",
        "вместо сайта", "заказ не идти", "ошибка 500", "ошибка сервера", "bad gateway",
        "service unavailable", "internal server error", "be down", "go down", "=down since",
        "=isn't loading", "=aren't loading", "=isn't working", "=aren't working",
        "=isn't opening", "=won't open", "=doesn't open", "=can't load", "white screen",
        "белый экран", "лечь", "открываться с ошибка", "заблокировать", "=не доступен",
        "nothing load", "not load", "not loading", "=doesn't load", "=won't load",
        "=doesn't work", "not work", "not working", "outage", "unavailable", "=offline",
        "give … error", "=returning … error", "blank page",
    )),
    # what "down" needs to be about
    *(("site", p) for p in (
        "сайт", "страница", "каталог", "корзина", "главная", "блог", "раздел", "сервер", "хостинг",
        "оплата", "магазин", "админка", "site", "website", "page", "blog", "server", "homepage",
        "checkout", "shop", "store", "cart", "host", "hosting", "everything", "ничего",
        "сертификат", "ssl", "certificate", "домен", "domain", "форма", "form",
    )),
    # falling out of the index / search
    *(("deindex", p) for p in (
        "выпасть … индекс", "выпасть … поиск", "выпасть … выдача", "выпасть … яндекс",
        "выпадать … индекс", "выпадать … поиск", "выпадать … выдача", "вылетать … индекс",
        "вылетать … поиск", "вылетать … выдача", "вылетать … топ", "пропадать … поиск",
        "выпасть … топ", "выпадать … топ", "fall out … top", "drop out … top",
        "пропадать … выдача", "пропадать … индекс", "исчезать … поиск", "исчезать … выдача",
        "выпасть … google", "вылететь … индекс", "вылететь … поиск", "вылететь … выдача",
        "вылететь … топ", "пропасть … поиск", "пропасть … выдача", "пропасть … индекс",
        "исчезнуть … поиск", "исчезнуть … выдача", "нет … в поиск", "нет … в выдача",
        "нет … в яндекс", "нет … в google", "нет … в индекс", "не находить", "не находиться",
        "нет на первый страница", "закрыть от индексация", "закрытый от индексация",
        "deindexed", "de-indexed", "drop out … index", "drop out … google", "drop out … search",
        "disappear from … google", "disappear from … search", "removed from … index",
        "not indexed anymore", "вылететь", "санкция", "под фильтр", "фильтр яндекса", "агс",
        "ручной санкция", "manual action", "penalty", "penalized", "lost all rankings",
        "весь сайт … выпасть", "нет в индекс", "выкинуть … выдача", "выкинуть … поиск",
        "выкинуть … индекс", "выбросить … выдача", "выбросить … поиск", "security issue",
        "проблема безопасности", "угроза безопасности",
    )),
    # a metric, for drops
    *(("metric", p) for p in (
        "трафик", "заявка", "звонок", "продажа", "конверсия", "регистрация", "позиция", "клик",
        "показ", "органика", "посещаемость", "лид", "заказ", "выдача", "traffic", "signup",
        "sign-up",
        "sign", "click", "session", "lead", "conversion", "order", "booking", "ranking",
        "position", "organic", "visit", "visitor", "sale",
    )),
    *(("drop", p) for p in (
        "упасть", "просесть", "снизиться", "рухнуть", "обвалиться", "падение", "обвал", "минус",
        "сократиться", "уменьшиться", "провалиться", "свалиться", "упадать", "падать",
        "drop", "fall", "=down", "decline", "plummet", "tank", "decrease",
    )),
    *(("collapse", p) for p in (
        "рухнуть", "обвалиться", "обвал", "вдвое", "в два раз", "в 2 раз", "в три раз",
        "на треть", "в раз", "в несколько раз", "наполовину", "половина", "by a third",
        "more than half", "провалиться",
        "в 3 раз", "off a cliff", "collapse", "plummet", "tank", "halve", "=ноль", "=zero",
        "by half", "почти нет", "=nothing", "=ни одной", "=ни одного",
    )),
    # monitoring alerts
    *(("alert_down", p) for p in ("monitor be down", "be currently down", "=down since")),
    *(("alert_up", p) for p in ("monitor be up", "be back up", "back up", "back online")),
    *(("critical", p) for p in ("критический ошибка", "критический проблема", "критичный проблема",
                                 "critical error", "critical issue", "critical problem")),
    *(("alert", p) for p in ("uptimerobot", "search console", "webmaster", "вебмастер",
                              "робот яндекс", "googlebot", "pingdom", "statuscake", "monitor")),
    # time of the incident
    *(("past", p) for p in ("=вчера", "=ночью", "=накануне", "на прошлой неделе", "yesterday",
                             "last night", "last week", "earlier", "=was", "=were", "=был",
                             "=была", "=было", "=были")),
    *(("now", p) for p in ("сейчас", "до сих пор", "все еще", "по-прежнему", "с утра", "прямо сейчас",
                            "=still", "=now", "currently", "right now", "since this morning",
                            "опять", "снова", "=again", "since", "теперь", "=уже", "сегодня",
                            "today", "this morning", "=is", "=are", "=isn't", "=aren't",
                            "со вчера", "с вечера", "с ночи", "со вчерашний", "с утра",
                            "начиная с")),
    *(("resolved", p) for p in (
        "=починили", "=починил", "=починила", "=исправили", "=исправил", "=исправлена",
        "=исправлено", "=восстановили", "=восстановил", "=заработал", "=заработало",
        "=заработали", "=устранена", "=устранено", "уже работать", "снова работать",
        "больше не обнаруживаться", "=fixed", "=resolved", "=restored", "back up", "be up again",
        "back online", "работать нормально", "works again", "=up again",
    )),
    *(("still", p) for p in (
        "=still", "до сих пор", "все еще", "по-прежнему", "так и не", "опять", "снова", "=again",
        "any update", "any news", "есть новость", "что там", "есть новости",
        "ничего не измениться", "nothing changed", "same problem", "та же проблема",
        "still the same", "по-прежнему",
    )),
    # priority hints
    *(("urgent_word", p) for p in ("срочно", "срочный", "urgent", "urgently", "asap",
                                    "немедленно", "immediately", "горит", "emergency")),
    *(("calm", p) for p in ("не срочно", "не горит", "не к спех", "без спешка", "когда будет время",
                             "как будет время", "no rush", "no hurry", "not urgent", "no panic",
                             "not in a hurry", "whenever you can", "when you get a chance",
                             "low priority", "не к спеху")),
    *(("question_cue", p) for p in ("подскажите", "скажите", "можно ли", "нужно ли", "стоит ли",
                                     "как быть", "что делать", "please advise", "let me know",
                                     "what do you think", "any idea", "ваше мнение")),
    *(("bulk", p) for p in ("отписаться", "unsubscribe", "вы получили это письмо", "предлагаем",
                             "специальный предложение", "скидка", "прайс", "меня зовут",
                             "я представлять", "special offer", "discount", "we offer", "webinar",
                             "вебинар", "дайджест", "digest", "subscribe", "подписка")),
])


@dataclass(frozen=True, slots=True)
class Signals:
    """What one message says (see the module docstring).  ``reason`` strings are shown."""

    sentences: tuple[tuple[Word, ...], ...]
    vocatives: frozenset[str]  # names/handles addressed (lemmas and as written), "*group*"
    handles: frozenset[str]  # @handles anywhere (without "@")
    named: frozenset[str]  # every name-like word (lemmas and as written)
    question: bool
    request: bool
    ack: bool
    emergency: str  # reason, "" if none
    past_emergency: str  # an emergency told in the past («вчера лежал»)
    resolved: bool
    still: bool
    urgent_word: str
    calm: str
    blocker: str
    alert: str  # "down" | "up" | "critical" | "notice" | ""
    bulk: bool
    services: tuple[tuple[str, str], ...]  # (service key, phrase) asked for in a request
    domains: frozenset[str]
    request_sentences: tuple[int, ...]


def _sentences(text: str) -> list[str]:
    return [s for s in (m.group().strip() for m in _SENTENCE_RE.finditer(text)) if s]


def _vocatives(sentence: str, words: list[Word]) -> set[str]:
    """Names addressed at the start of one sentence («Дарья, …», "Hi Daria,", "Dasha hi!")."""
    out: set[str] = set()
    spans = [(m.start(), m.end()) for m in _TOKEN_SPAN_RE.finditer(sentence.lower())]
    if len(spans) != len(words):
        return out
    i = 0
    while i < len(words) and i < 6:
        w = words[i]
        if w.raw in GREETING or w.raw.isdigit():
            i += 1
            continue
        name_like = bool(w.flags & NAME) or w.raw in _LATIN_NAMES or w.raw in GROUP
        if not name_like:
            break
        after = sentence[spans[i][1]:spans[i + 1][0]] if i + 1 < len(words) else ""
        nxt = words[i + 1].raw if i + 1 < len(words) else ""
        if i + 1 < len(words) and not re.search(r"[,!:;—–-]", after) and nxt not in GREETING:
            break
        out.add("*group*" if w.raw in GROUP else w.lemma)
        out.add(w.raw)
        i += 1
    return out


def _negated(words: tuple[Word, ...] | list[Word], h: Hit) -> bool:
    """A negation within two words before the match (or inside it, beyond its own)."""
    own = sum(1 for w in h.label.split()
              if w.lstrip("=") in _OWN_NEGATIONS or w.endswith("n't"))
    count = sum(1 for w in words[max(0, h.start - 2):h.end] if w.flags & NEG)
    return (count - own) % 2 == 1


_CONDITIONAL = frozenset(["when", "once", "until", "if", "если", "когда", "как", "только", "после", "пока"])


def _conditional(words: tuple[Word, ...] | list[Word], h: Hit) -> bool:
    """"…we will alert you *when* it is back up", «если проблема не будет устранена»."""
    return any(w.raw in _CONDITIONAL for w in words[max(0, h.start - 4):h.start])


_OWN_NEGATIONS = frozenset({"не", "нет", "not", "nothing", "no"})


def _percent_drop(text: str) -> int:
    return max((int(m.group(1)) for m in _PERCENT_RE.finditer(text)), default=0)


def analyse(text: str) -> Signals:
    """The signals of one message (pure; callers cache by text)."""
    raw_sentences = _sentences(text)
    sentences: list[tuple[Word, ...]] = []
    vocatives: set[str] = set()
    named: set[str] = set()
    handles = {t[1:] for t in tokens(text) if t.startswith("@")}
    question = request = False
    emergency = past_emergency = urgent_word = calm = blocker = alert = ""
    resolved = still = bulk = False
    services: list[tuple[str, str]] = []
    request_sentences: list[int] = []
    ack_words = other_words = thanks = 0
    message_celebrates = bool(_CELEBRATION_RE.search(text))
    # "Не открывается!!!" after «сайт» in another sentence, or with a link, is the site.
    site_context = bool(_URL_RE.search(text)) or any(
        h.cat == "site" for w in (words_of(x) for x in raw_sentences) for h in _LEXICON.find(w))
    for si, s in enumerate(raw_sentences):
        words = words_of(s)
        sentences.append(tuple(words))
        low = s.lower()
        vocatives |= _vocatives(s, words)
        for w in words:
            if w.flags & NAME or w.raw in _LATIN_NAMES:
                named.add(w.lemma)
                named.add(w.raw)
            if w.raw in _ACK:
                thanks += 1
            if w.raw in _ACK or w.raw in GREETING or w.flags & NAME or w.raw in _LATIN_NAMES:
                ack_words += 1
            elif not w.raw.startswith("@"):
                other_words += 1
        hits = _LEXICON.find(words)
        cats: dict[str, list[Hit]] = {}
        for h in hits:
            cats.setdefault(h.cat, []).append(h)
        celebration = message_celebrates
        joke = bool(_JOKE_RE.search(s))
        is_q = "?" in s and not (celebration and not any(w.raw in _INTERROGATIVE for w in words))
        if is_q or "question_cue" in cats:
            question = True
        asks, wanted = request_of(words, is_q)
        if asks:
            request = True
            request_sentences.append(si)
            services += wanted
        if "calm" in cats:
            calm = calm or cats["calm"][0].label
        for h in cats.get("urgent_word", ()):
            if not joke and not _negated(words, h) and not calm:
                urgent_word = urgent_word or h.label
        if "bulk" in cats:
            bulk = True
        if any(not _negated(words, h) and not _conditional(words, h) for h in cats.get("resolved", ())):
            resolved = True
        if "still" in cats:
            still = True
        if "alert" in cats or "alert_down" in cats or "alert_up" in cats:
            alert = alert or "notice"
        if any(not _conditional(words, h) for h in cats.get("alert_up", ())):
            alert = "up"
            resolved = True
        found = "" if joke else _emergency_of(s, low, words, cats, site_context)
        if found:
            in_past = "past" in cats and "now" not in cats
            if in_past:
                past_emergency = past_emergency or found
            else:
                emergency = emergency or found
            if "alert_down" in cats:
                alert = "down"
            elif "critical" in cats and alert != "up":
                alert = "critical"
        if not blocker and _TODAY_RE.search(low) and (
                _BLOCKER_RE.search(low) or ("urgent_word" in cats and not joke and not calm
                                            and not any(_negated(words, h) for h in cats["urgent_word"]))) or not blocker and _BLOCKER_RE.search(low) and _TODAY_RE.search(text.lower()):
            blocker = "a same-day blocker"
    if _DISALLOW_ALL_RE.search(text) and not emergency:
        emergency = "the whole site is closed in robots.txt (Disallow: /)"
    # Nothing but thanks / ok / 👍 (a bare "hi" is no acknowledgement; emoji alone is).
    ack = (not question and not request and not emergency and thanks > 0
           and other_words <= max(1, ack_words // 2)) or (not tokens(text) and bool(text.strip()))
    domains = frozenset(m.group(1) for m in _DOMAIN_RE.finditer(text.lower()))
    return Signals(
        sentences=tuple(sentences), vocatives=frozenset(vocatives), handles=frozenset(handles),
        named=frozenset(named), question=question, request=request, ack=ack, emergency=emergency,
        past_emergency=past_emergency, resolved=resolved, still=still, urgent_word=urgent_word,
        calm=calm, blocker=blocker, alert=alert, bulk=bulk, services=tuple(services),
        domains=domains, request_sentences=tuple(request_sentences),
    )


def _emergency_of(s: str, low: str, words: list[Word], cats: dict[str, list[Hit]],
                  site_context: bool = False) -> str:
    """The emergency one sentence reports (``""``: none, or negated)."""
    def live(cat: str) -> Hit | None:
        return next((h for h in cats.get(cat, ()) if not _negated(words, h)), None)

    if "alert_down" in cats:
        return "monitor reports the site DOWN"
    crit = live("critical")
    if crit is not None and ("alert" in cats or _HTTP_5XX_RE.search(low)):
        return f"monitoring: {crit.label}"
    m5 = _HTTP_5XX_RE.search(low)
    if m5 and not (m5.group(1) != "5xx" and not ("site" in cats or _HTTP_CONTEXT_RE.search(low))) \
            and not any(_negated(words, h) for h in cats.get("down", ())):
        return f"HTTP {m5.group(1).upper()} errors"
    down = live("down")
    # "bookings are down ~15%", «трафик упал» are drops (below), not the site going down.
    if down is not None and ("site" in cats or site_context) \
            and not ("metric" in cats and (down.label == "упасть" or _PERCENT_RE.search(low))):
        return f"site not working: «{down.label}»"
    if _MASS_404_RE.search(low) and re.search(
            r"\b(?:весь|вся|все|всё|all|whole|every|главная|главной|homepage|каталог)\b", low):
        return "pages answer 404 en masse"
    de = live("deindex")
    if de is not None and (de.label != "вылететь" or "metric" in cats or "deindex" in cats):
        pages = [int(re.sub(r"\D", "", m.group(1))) for m in _PAGES_RE.finditer(s)]
        if de.label.startswith(("исключ", "removed")) and pages and max(pages) < PAGES_AT_SCALE:
            return ""
        return f"falling out of search: «{de.label}»"
    if re.search(r"исключ\w* из поиска|excluded from (?:the )?(?:index|search)", low):
        pages = [int(re.sub(r"\D", "", m.group(1))) for m in _PAGES_RE.finditer(s)]
        if pages and max(pages) >= PAGES_AT_SCALE:
            return f"{max(pages)} pages excluded from search"
    metric = "metric" in cats
    col = live("collapse")
    if col is not None and metric:
        return f"collapse: «{col.label}»"
    minus = _MINUS_PERCENT_RE.search(low)
    if minus and metric and int(minus.group(1)) >= DROP_PERCENT:
        return f"drop of {minus.group(1)}%"
    drop = live("drop")
    if drop is not None and metric:
        pct = _percent_drop(low)
        if pct >= DROP_PERCENT:
            return f"drop of {pct}%"
    return ""


def has_impr(words: tuple[Word, ...]) -> bool:
    """Whether a sentence has an imperative verb (a request, «посмотрите»)."""
    return any(w.flags & IMPR for w in words)
