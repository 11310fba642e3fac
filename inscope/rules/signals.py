"""What one message says, as the triage rules read it: pure, cached per text.

``analyse(text)`` splits a message into sentences of lemmatized words and finds, once:

- **addressing** — the names and ``@handles`` it is addressed to (a name at the start of a
  sentence, alone or after a greeting, followed by a comma, «!», a dash or a greeting:
  «Дарья, …», «Hi Daria,», «Dasha hi!», «Даш, а …») versus names merely mentioned
  («Даша в курсе», «Дарья не отвечает»); group addresses («Коллеги, …», "Hi all");
- **questions** — a sentence ending in «?» (not a rhetorical one in a celebration: «мы в
  топ-3, видели? 🎉») or asking without one («подскажите», "let me know");
- **requests** and the **services** they ask for (``inscope.rules.services``; a request
  that refers back to the sentence before and a broken layout told as a complaint:
  ``inscope.rules.request_forms``);
- **acknowledgements** — nothing but thanks / ok / 👍 («понял, ждём 👍»);
- **emergencies** (``inscope.rules.urgency`` decides what they mean for the thread): the
  site down or answering 5xx, pages falling out of the index, traffic or positions
  collapsing (a drop of ``DROP_PERCENT`` % or more, «рухнули», "off a cliff"), monitoring
  alerts (UptimeRobot DOWN/UP, Яндекс Вебмастер critical problems, Search Console 5xx), a
  same-day blocker, the notices of engines, registrars and tools (``inscope.rules.notices``)
  — each unless negated («сайт не упал», "isn't down": a negation within
  two words before), in the past («вчера ночью лежал», "was down last night") or joking;
- **resolution** («починили», "fixed", "is back UP", a false alarm: «отбой», "it was my
  wifi"), **continuation** («так и не работает», "still nothing loads", "any update?") and
  **someone else on it** («наш программист уже разбирается»; ``inscope.rules.whose``);
- what a whole message is: a **mailing** (a list's footer: its news of failures name no
  site of ours), a **periodic report** (the outages it counts are over);
- urgency *words* («срочно», "ASAP") and calm words («не срочно», "no rush") — priority
  hints, never an emergency by themselves; **bulk** mail markers (unsubscribe, offers).

Everything is lemma-based (``inscope.rules.lexicon``); only numbers (HTTP codes,
percentages, page counts) use regular expressions.  No I/O.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass

from inscope.rules.emergency import (
    DISALLOW_ALL_RE,
    ENTRIES,
    SO_IT_STAYS_RE,
    alert_up,
    clause_of,
    conditional,
    emergency_of,
    firing,
    negated,
    past,
)
from inscope.rules.emergency import works as it_works
from inscope.rules.lemmas import IMPR, NAME, NEG, YOU, tokens
from inscope.rules.lexicon import Hit, PhraseSet, Word, words_of
from inscope.rules.names import NAMES
from inscope.rules.notices import ENTRIES as NOTICE_ENTRIES
from inscope.rules.notices import expiry, mass_exclusion
from inscope.rules.request_forms import (
    REFER_BACK_SENTENCES,
    counted_back,
    elliptic,
    layout_complaint,
    refers_back,
)
from inscope.rules.services import (
    SECOND_PERSON,
    broken_part,
    find_services,
    fix_request,
    referral,
    request_of,
    service_spans,
)
from inscope.rules.whose import ENTRIES as WHOSE_ENTRIES

# A sentence ends at . ! ? … followed by a space or the end (not inside "example.ru", "2.5").
_SENTENCE_RE = re.compile(r"(?:[^.!?…\n]|[.!?…](?=\S))+[.!?…]*", re.UNICODE)
_TOKEN_SPAN_RE = re.compile(r"(?<![\w@])@\w+|\w+(?:'\w+)?", re.UNICODE)
_DOMAIN_RE = re.compile(r"(?<![\w@.-])((?:[a-z0-9](?:[a-z0-9-]*[a-z0-9])?\.)+[a-z]{2,})(?![\w-])")
# What stops work today: «без … не можем», "blocked", «ждут только вас», «иначе …».
_BLOCKER_RE = re.compile(
    r"\bбез\b[^.!?\n]{0,60}\bне\s+(?:буду|будем|могу|можем|сможем|получится|выйдет)\b"
    r"|\b(?:блокер|blocker|blocked|blocking|блокирует|стоим|застряли|простаиваем|горим)\b"
    r"|\bвс[её] стоит\b|\bжд[её]\w* только\b|\b(?:can't|cannot) (?:proceed|continue|move on|move forward)\b"
    r"|\b(?:we're|we are|i'm|i am) stuck\b|\bwaiting (?:only )?on you\b|\bholding (?:us|everything) up\b"
    r"|\b(?:can't|cannot|can not|won't)\s+(?:ship|release|launch|deploy|go live|publish)\b"
    r"|\bне\s+(?:могу|можем|сможем)\s+(?:выкатить|выкатывать|выложить|запустить|запуститься|"
    r"продолжить|релизить|опубликовать|сдать)\b"
    r"|\b(?:программист|разработчик|верстальщик|команда|ребята)\w*\s+(?:стоят|стоит|простаивают|ждут)\b",
    re.IGNORECASE)
_TODAY_RE = re.compile(
    r"\b(?:сегодня|today|tonight|this (?:morning|afternoon)|by noon|within the hour|"
    r"через\s+(?:час|полчаса|\d+\s*(?:мин|час)|пару часов|(?:два|три|четыре) часа)|"
    r"до\s+\d{1,2}(?::\d\d)?\b|к\s+\d{1,2}:\d\d|к обеду|до вечера|к вечеру|"
    r"до конца дня|до обеда|end of (?:the )?day|\beod\b|in an hour|in (?:\d|two|three|a couple of) hours|"
    r"by \d{1,2}(?::\d\d)?\s*(?:am|pm)\b)",
    re.IGNORECASE)
# A launch, release or deadline today, with a question or a request for me in the message.
_LAUNCH_TODAY_RE = re.compile(
    r"\b(?:запуск|релиз|выкатка|переезд|дедлайн|крайний срок|launch|release|deadline|go(?:ing)? live|"
    r"goes live|launching|releasing)\w*\b[^.!?\n]{0,30}\b(?:сегодня|today|tonight)\b"
    r"|\b(?:сегодня|today|tonight)\b[^.!?\n]{0,30}\b(?:запуск|релиз|выкатка|переезд|дедлайн|launch|"
    r"release|deadline|go(?:ing)? live)\w*", re.IGNORECASE)
# A deadline within the hour, in minutes: «в ближайшие 15–20 минут», "within 30 minutes".
_MINUTES_RE = re.compile(
    r"(?:в ближайшие|в течение|через|within|in the next)\s+(?:\d{1,2}\s*[-–]\s*)?(\d{1,2})\s*"
    r"(?:мин|minutes?\b|mins?\b)", re.IGNORECASE)
_PAST_LAUNCH_RE = re.compile(r"\b(?:прош[её]л|прошла|состоялся|went live|went well|launched|released)\b",
                             re.IGNORECASE)
# Alarm: «!!», «срочно», "ASAP", 🆘 — a bare «не открывается» said so is about the site.
_ALARM_RE = re.compile(r"!{2,}|[🆘🔥‼❗]|\b(?:срочно|помогите|караул|sos|urgent|asap|help)\b", re.IGNORECASE)
# What else «не открывается» / "doesn't work" is said of.
_NOT_SITE: frozenset[str] = frozenset(
    ["файл", "документ", "док", "отчет", "таблица", "ссылка", "письмо", "вложение", "презентация", "архив", "папка", "диск", "доступ", "видео", "ролик", "созвон", "звонок", "встреча", "телефон", "приложение", "пароль", "аккаунт", "кабинет", "счет", "file", "document", "doc", "docs", "report", "sheet", "spreadsheet", "link", "attachment", "email", "mail", "folder", "drive", "access", "video", "call", "meeting", "zoom", "phone", "password", "account", "invoice"])
_URL_RE = re.compile(r"https?://|www\.", re.IGNORECASE)
_MAILING_MARKS = ("unsubscribe", "отписаться", "получили это письмо", "receiv")  # a cheap test first
_MAILING_RE = re.compile(r"\bunsubscribe\b|\bотписаться\b|вы получили это письмо|"
                         r"you (?:are )?receiv\w* this (?:e-?mail|message|newsletter)", re.IGNORECASE)
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
    *ENTRIES,  # the emergency lexicon (inscope.rules.emergency)
    *NOTICE_ENTRIES,  # sanctions and places in search (inscope.rules.notices)
    *WHOSE_ENTRIES,  # someone else's failure, someone else on it, a false alarm (inscope.rules.whose)
    *(("urgent_word", p) for p in ("срочно", "срочный", "urgent", "urgently", "asap",
                                    "немедленно", "immediately", "горит", "emergency")),
    *(("calm", p) for p in ("не срочно", "не горит", "не к спех", "без спешка", "когда будет время",
                             "как будет время", "no rush", "no hurry", "not urgent", "no panic",
                             "not in a hurry", "whenever you can", "when you get a chance",
                             "low priority", "не к спеху")),
    *(("question_cue", p) for p in ("подскажите", "скажите", "можно ли", "нужно ли", "стоит ли",
                                     "как быть", "что делать", "please advise", "let me know",
                                     "what do you think", "any idea", "ваше мнение")),
    *(("periodic", p) for p in ("еженедельный|ежемесячный|ежедневный|недельный|месячный отчет|сводка|"
                                "дайджест", "отчет|сводка за неделя|месяц|сутки",
                                "=weekly|=monthly|=daily =report|=summary|=digest|=recap",
                                "=uptime =report|=summary", "отчет о доступность")),
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
    works: bool = False  # says it works («открывается», "loads fine"): ends an earlier report
    emergency_kind: str = ""  # what the emergency is about (``inscope.rules.emergency.KINDS``)
    ended: bool = False  # the message itself ends its emergency («упал, но уже подняли»)
    going_on: bool = False  # says it goes on («до сих пор», "still", «опять»), not only chases
    still_failing: bool = False  # says something still fails («до сих пор не крутится»)
    bare_down: bool = False  # «снова не открывается» with no site named: a report in a thread
    expires_on: tuple[int, int, int] | None = None  # a domain / certificate expiry told (notices)
    handled: bool = False  # says someone else took it on («наш программист уже чинит»; ``whose``)
    handed_over: bool = False  # …after the emergency it reports itself («лежит, хостер уже чинит»)
    chase: bool = False  # asks after an answer («есть новости?», "any update?")


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


def analyse(text: str) -> Signals:
    """The signals of one message (pure; callers cache by text)."""
    raw_sentences = _sentences(text)
    parsed = [(s, words_of(s)) for s in raw_sentences]
    found_hits = [_LEXICON.find(w) for _s, w in parsed]  # one pass of the lexicon per sentence
    sentences: list[tuple[Word, ...]] = []
    vocatives: set[str] = set()
    named: set[str] = set()
    handles = {t[1:] for t in tokens(text) if t.startswith("@")}
    question = request = False
    emergency = past_emergency = urgent_word = calm = blocker = alert = kind = ""
    resolved = works = still = going_on = bulk = bare_down = still_failing = handled = False
    chase = False
    emergency_at: tuple[int, int] | None = None  # (sentence, end of its words) of the emergency
    handled_at: tuple[int, int] | None = None  # (sentence, word) where someone else took it on
    fixes: list[tuple[int, Hit, str]] = []  # (sentence, hit, "fix" | "works")
    services: list[tuple[str, str]] = []
    impersonal: list[tuple[str, str]] = []  # asked without "you": «хотим ролик про лагерь»
    referred = False  # a sentence asks her to recommend someone for a job
    request_sentences: list[int] = []
    ack_words = other_words = thanks = 0
    complaint = ""  # a broken layout told (a fix implied when nothing else is asked)
    low_text = text.lower()
    message_celebrates = bool(_CELEBRATION_RE.search(text))
    domains = frozenset(m.group(1) for m in _DOMAIN_RE.finditer(low_text))
    # What is said of the whole text, searched once (not once per sentence).
    today_text = bool(_TODAY_RE.search(low_text))
    launch_today = today_text and bool(_LAUNCH_TODAY_RE.search(low_text)) and not _PAST_LAUNCH_RE.search(low_text)
    # A mailing (a list's footer) tells news about sites in general; a tool's mail that
    # carries such a footer names the site in the sentence of the failure.
    mailing = any(m in low_text for m in _MAILING_MARKS) and bool(_MAILING_RE.search(text))
    # A periodic report («отчёт за неделю», "weekly uptime report") counts outages that are
    # over; what it reports as going on says so («сейчас», "currently").
    periodic = any(h.cat == "periodic" for hits in found_hits for h in hits)
    # "Не открывается!!!" after «сайт» in another sentence, with a link or a domain
    # ("example.com is DOWN") is the site.
    site_context = bool(_URL_RE.search(text)) or bool(domains) or any(
        h.cat == "site" for hits in found_hits for h in hits)
    # «Не открывается!!! Срочно» is alarm; «не срочно, но …» is not (a calm word anywhere);
    # a fall of a number («упал CTR») is no site down however it is said
    alarm = bool(_ALARM_RE.search(text)) and not any(
        h.cat == "calm" for hits in found_hits for h in hits)
    for si, ((s, words), hits) in enumerate(zip(parsed, found_hits, strict=True)):
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
        cats: dict[str, list[Hit]] = {}
        for h in hits:
            cats.setdefault(h.cat, []).append(h)
        celebration = message_celebrates
        joke = bool(_JOKE_RE.search(s))
        is_q = "?" in s and not (celebration and not any(w.raw in _INTERROGATIVE for w in words))
        if is_q or "question_cue" in cats:
            question = True
        asks, wanted = request_of(words, is_q)
        if asks and not wanted and counted_back(words):
            # «у них 200 отзывов, а у нас 14 — можно, чтоб штук 30 появилось?»: what the
            # sentence counted before the request
            wanted = find_services(words)[-1:]
        if asks and not wanted and si > 0:
            before = list(sentences[si - 1])
            if fix_request(words):
                # «В форме поле телефона не принимает +7. Поправьте»: the fix is of what the
                # sentence before names
                wanted = broken_part(before)
            elif refers_back(words) or elliptic(words) or counted_back(words):
                # «…платный трафик. Сможете взять это на себя?», «Логотип устарел.
                # Займётесь?», «…200 отзывов. Можно, чтоб штук 30 появилось?»: the job
                # named before — the nearest sentence that names one, unless a result in
                # search or sales is told first (help asked after it is help with that)
                for back in range(si - 1, max(-1, si - 1 - REFER_BACK_SENTENCES), -1):
                    if _tells_result(sentences[back], found_hits[back]):
                        break
                    wanted = find_services(list(sentences[back]))[:1]
                    if wanted:
                        break
        if not is_q and not complaint:
            complaint = layout_complaint(words)
        if asks:
            request = True
            request_sentences.append(si)
            services += wanted
            if wanted and not any(w.raw in SECOND_PERSON or w.flags & YOU for w in words):
                impersonal += wanted  # «хотим ролик»: to whom, the message says elsewhere
        referred = referred or referral(words)
        if "calm" in cats:
            calm = calm or cats["calm"][0].label
        for h in cats.get("urgent_word", ()):
            if not joke and not negated(words, h) and not calm:
                urgent_word = urgent_word or h.label
        if "bulk" in cats:
            bulk = True
        # "fixed?" asks; «починили» tells; "we'll tell you when it is fixed" promises.
        told = [(h, how) for how in ("resolved", "recovered", "restored", "works")
                for h in cats.get(how, ()) if not is_q and not conditional(words, h)
                and (it_works(words, h) if how in ("restored", "works") else not negated(words, h))]
        resolved = resolved or any(how in ("resolved", "recovered") for _h, how in told)
        works = works or any(how in ("restored", "works") for _h, how in told)
        fixes += [(si, h, how) for h, how in told]
        # "works again", "is UP again" end it; their «again» is no "still failing".
        ending = [h for c in ("resolved", "recovered", "restored", "works", "alert_up")
                  for h in cats.get(c, ())]
        if any(not any(e.start <= h.start < e.end for e in ending) for h in cats.get("still", ())):
            still = going_on = True
            # «до сих пор не крутится», "still nothing loads": it still fails
            still_failing = still_failing or any(w.flags & NEG for w in words)
        if "так и " in low and SO_IT_STAYS_RE.search(low):
            still = going_on = True
        if "chase" in cats:
            still = chase = True
        took = [h for h in cats.get("handled", ()) if not negated(words, h) and not conditional(words, h)]
        if not is_q and took:
            handled = True
            handled_at = handled_at or (si, took[0].start)
        if "alert" in cats or "alert_down" in cats or "alert_up" in cats or firing(low):
            alert = alert or "notice"
        # A monitor's UP ends its DOWN; a person's "the site is up" is "it works" (above).
        if alert_up(low) or ("alert" in cats and any(
                not conditional(words, h) for h in cats.get("alert_up", ()))):
            alert = "up"
            resolved = True
        found_kind, found, f_start, f_end = ("", "", 0, 0) if joke or (
            mailing and not _DOMAIN_RE.search(low) and not _URL_RE.search(s)) else emergency_of(
            s, low, words, cats, site_context)
        if found:
            # Tense is read in the clause of the report («падал утром, сейчас всё работает»
            # is past), unless the sentence says it goes on («вчера лежал и опять лежит»).
            clause = clause_of(words, f_start, f_end) if f_end else range(len(words))
            days = cats.get("past_day", []) if found_kind != "collapse" else []
            in_past = ((any(past(words, h) for h in (*cats.get("past", ()), *days) if h.start in clause)
                        and not any(h.start in clause for h in cats.get("now", ())))
                       or "memory" in cats or (periodic and found_kind in ("down", "monitor")
                                               and "now" not in cats)) and "still" not in cats
            if in_past:
                past_emergency = past_emergency or found
            elif not emergency:
                emergency, kind, emergency_at = found, found_kind, (si, f_end)
        elif not joke and any(not negated(words, h) for h in cats.get("down", ())):
            bare_down = True  # «снова не открывается»: the thread says what does not
            if not emergency and "metric" not in cats and (alarm or (si == 0 and _opens_with_down(
                    words, cats["down"]) and not _names_other_thing(parsed))) and not any(
                    w.lemma in _NOT_SITE or w.raw in _NOT_SITE for w in words):
                # «Не открывается!!! Срочно» in a client's chat: the site, said in alarm
                # (a file, a link, a document would be named).
                down = next(h for h in cats["down"] if not negated(words, h))
                how = "said in alarm" if alarm else "nothing else named"
                emergency, kind, emergency_at = (f"site not working: «{down.label}» ({how})",
                                                 "down", (si, down.end))
            if "alert_down" in cats or firing(low):
                alert = "down"
            elif "critical" in cats and alert != "up":
                alert = "critical"
        if not blocker and not joke and not calm and today_text and (
                _BLOCKER_RE.search(low) or (_TODAY_RE.search(low) and any(
                    not negated(words, h) for h in cats.get("urgent_word", ())))
                or (launch_today and (is_q or asks))):
            blocker = "a same-day blocker"
        minutes = _MINUTES_RE.search(low) if (is_q or asks) and not blocker and (
            "мин" in low or "min" in low) else None
        if minutes and int(minutes.group(1)) <= 60 and not joke and not calm:
            blocker = "a same-day blocker"  # asked for within the hour: it cannot wait a window
    ended = emergency_at is not None and kind != "monitor" and any(
        _ends_own(parsed[fsi][1], emergency_at, fsi, h, how, kind) for fsi, h, how in fixes)
    if referred and impersonal:
        # «нет знакомого видеографа? Хотим ролик»: the wish is for whoever she recommends
        services = [sv for sv in services if sv not in impersonal]
    if complaint and not question and not services:
        # "the date picker sits on top of the price": reported to be fixed (web development)
        request, services = True, [("webdev", complaint)]
    if DISALLOW_ALL_RE.search(text) and not emergency:
        emergency = "the whole site is closed in robots.txt (Disallow: /)"
    excluded = 0 if emergency else mass_exclusion(text)
    if excluded:  # a report form: "Excluded by 'noindex' tag … Affected pages: 1,214"
        emergency, kind = f"{excluded} pages excluded from search", "search"
    # Nothing but thanks / ok / 👍 (a bare "hi" is no acknowledgement; emoji alone is).
    ack = (not question and not request and not emergency and thanks > 0
           and other_words <= max(1, ack_words // 2)) or (not tokens(text) and bool(text.strip()))
    return Signals(
        sentences=tuple(sentences), vocatives=frozenset(vocatives), handles=frozenset(handles),
        named=frozenset(named), question=question, request=request, ack=ack, emergency=emergency,
        past_emergency=past_emergency, resolved=resolved, still=still, urgent_word=urgent_word,
        calm=calm, blocker=blocker, alert=alert, bulk=bulk, services=tuple(services),
        domains=domains, request_sentences=tuple(request_sentences), works=works,
        emergency_kind=kind, ended=ended, going_on=going_on, still_failing=still_failing,
        bare_down=bare_down and not emergency and not resolved and not works,
        expires_on=expiry(text), handled=handled, chase=chase,
        handed_over=emergency_at is not None and handled_at is not None and handled_at >= emergency_at,
    )


def _tells_result(words: Sequence[Word], hits: Sequence[Hit]) -> bool:
    """A sentence that tells a result in search or sales («сменили дизайн, заявок стало
    меньше»): help asked after it is help with the result — a metric named outside the
    names of services («платный трафик» is a service)."""
    spans = service_spans(list(words))
    return any(h.cat == "metric" and not any(a <= h.start < b for a, b in spans) for h in hits)


# What may stand before a bare report that opens a message («Даша, у нас опять не грузится»).
_OPENERS: frozenset[str] = frozenset(
    ["у", "нас", "опять", "снова", "вообще", "все", "ещё", "еще", "уже", "тоже", "так", "и",
     "что-то", "почему-то", "чего-то", "совсем", "никак", "до", "сих", "пор", "с", "утра",
     "us", "for", "it", "still", "again", "just", "now", "our", "the", "it's", "its"])


def _opens_with_down(words: Sequence[Word], downs: Sequence[Hit]) -> bool:
    """A message that opens with «не грузится» / "not loading" (after a greeting, a name or
    «у нас опять») names nothing else that fails: in a client's chat it is the site."""
    first = min(h.start for h in downs)
    return all(w.raw in GREETING or w.raw in _OPENERS or w.flags & NAME or w.raw in _LATIN_NAMES
               for w in words[:first])


def _names_other_thing(parsed: Sequence[tuple[str, Sequence[Word]]]) -> bool:
    """A file, a link, a call … named anywhere in the message: what does not open is that."""
    return any(w.lemma in _NOT_SITE or w.raw in _NOT_SITE for _s, ws in parsed for w in ws)


_CONTRAST = frozenset(["но", "а", "уже", "сейчас", "теперь", "but", "now", "already", "though"])
_PAST_TIME = frozenset(["вчера", "позавчера", "накануне", "прошлой", "yesterday", "earlier", "last"])


# What a fix told in the message that reports the emergency can end there: a fix of the
# site or of a break-in («упал, но уже подняли»), the site back ("…but it's back up now"),
# numbers that came back («упал на 40%, но уже восстановился»).  "It works" there is a part
# that works («каталог отдаёт 404, главная открывается»); "we fixed the titles" in a report
# of a drop is what was done, not the drop undone.
_ENDS_OWN: dict[str, frozenset[str]] = {
    "resolved": frozenset({"down", "hacked"}),
    "restored": frozenset({"down", "ads"}),
    "recovered": frozenset({"down", "hacked", "search", "collapse"}),
    "works": frozenset(),
}


def _ends_own(words: Sequence[Word], at: tuple[int, int], si: int, h: Hit, how: str, kind: str) -> bool:
    """Whether a fix in the message ends the message's own emergency (at sentence
    ``at[0]``, its words ending at ``at[1]``): it follows the failure, ends that kind
    (``_ENDS_OWN``), in the same sentence after a «но» / "but" / «уже», and is not an older
    fix («хотя вчера всё исправили»).  A monitor's DOWN alert never carries its own UP."""
    if kind not in _ENDS_OWN[how] or si < at[0] or (si == at[0] and h.start < at[1]):
        return False
    if si == at[0] and how != "resolved" and not any(w.raw in _CONTRAST for w in words[at[1]:h.end]):
        return False
    return not any(words[j].raw in _PAST_TIME for j in clause_of(words, h.start, h.end))


def has_impr(words: tuple[Word, ...]) -> bool:
    """Whether a sentence has an imperative verb (a request, «посмотрите»)."""
    return any(w.flags & IMPR for w in words)
