"""The agency's services, RU/EN with synonyms: what a client *asks for*, mapped to a service.

``SERVICES`` is the built-in lexicon (documented in docs/triage.md): each service has a
label and the patterns (``inscope.rules.lexicon`` syntax, matched by lemma) that name
it.  A project's ``services`` strings are mapped onto these keys by the same patterns
(``контекстная реклама`` → ``ppc``, ``link building`` → ``seo``, ``content`` →
``copywriting``), so the contract is read in the same words the client writes.

A *request* is a sentence that asks for work: an imperative («сделайте», «нарисуйте»), a
request or need word («можете», «сможете», «нужен», «нам бы», "can you", "could you",
"we need", "please") or a question to the agency ("?" with «вы» / «вам» / "you").  Only a
service named inside a request sentence is requested: «сменили дизайн главной, заявок
стало меньше» mentions design and asks for nothing.
"""

from __future__ import annotations

from collections.abc import Iterable

from inscope.rules.lexicon import PhraseSet, Word

SERVICES: dict[str, tuple[str, tuple[str, ...]]] = {
    "seo": ("SEO", (
        "seo", "сео", "поисковый продвижение", "продвижение сайта", "seo продвижение",
        "оптимизация сайта", "семантика", "семантический ядро", "ключевой слово", "ключи",
        "keyword research", "аудит", "audit", "ссылка", "ссылочный", "линкбилдинг",
        "link building", "backlink", "outreach", "индексация", "индекс", "index", "indexing",
        "мета тег", "метатег", "title", "description", "тайтл", "canonical", "sitemap",
        "robots", "redirect", "редирект", "позиция", "ranking", "rankings", "контент план",
        "content plan", "локальный seo", "local seo", "технический seo", "technical seo",
        "перелинковка", "internal linking", "schema", "разметка", "сниппет", "snippet",
    )),
    "ppc": ("context ads", (
        "контекстный реклама", "контекст", "директ", "яндекс директ", "google ads", "adwords",
        "ppc", "paid search", "search ads", "поисковый реклама", "рся", "cpc кампания",
        "реклама в яндекс", "яндекс реклама", "реклама в google", "реклама в гугл",
        "performance max", "shopping ads", "merchant center", "bing ads", "google shopping",
    )),
    "ads": ("advertising", (
        "реклама", "рекламный кампания", "запустить рекламу", "ads", "advertising",
        "ad campaign", "paid ads", "paid campaign",
    )),
    "targeted": ("targeted ads", (
        "таргет", "таргетинг", "таргетированный реклама", "=targeting", "=targeted ads",
        "targeted advertising", "vk ads", "реклама в вк", "реклама вконтакте", "tiktok ad",
        "facebook ad", "instagram ad", "meta ad", "tg ads", "telegram ads", "реклама в telegram",
        "реклама в телеграм",
    )),
    "smm": ("SMM", (
        "smm", "смм", "соцсеть", "социальный сеть", "social media", "instagram", "инстаграм",
        "инстаграмм", "группа вк", "группа вконтакте", "группа в вк", "группа в вконтакте",
        "сообщество вк", "вести … группа", "вести … соцсеть", "сторис", "stories", "tiktok",
        "тикток", "facebook page", "reels", "посты в", "контент для соцсетей", "вк",
        "вконтакте", "телеграм канал", "telegram канал", "youtube", "ютуб", "pinterest",
        "linkedin", "facebook", "social", "соцсетях", "ведение соцсетей", "блогер",
        "influencer", "инфлюенсер", "инста", "insta", "паблик", "рилс", "страница в вк",
        "ведение страницы",
    )),
    "design": ("design", (
        "дизайн", "редизайн", "логотип", "лого", "logo", "баннер", "banner", "нарисовать",
        "draw", "redesign", "design", "макет", "иконка", "фирменный стиль", "брендбук",
        "brand book", "branding", "айдентика", "креатив", "визуал", "mockup", "обложка",
        "визитка", "листовка", "флаер", "буклет", "презентация", "инфографика",
        "иллюстрация", "картинка", "icon", "illustration", "flyer", "brochure",
        "business card", "packaging", "упаковка", "этикетка", "ui", "ux", "интерфейс",
        "graphic", "графика", "оформление", "оформить", "фотошоп", "photoshop",
    )),
    "photo": ("photo and video", (
        "фото", "фотография", "фотосъемка", "фотограф", "photo", "photography", "photoshoot",
        "сфотографировать", "снять … товар", "фотки", "фотосессия", "видео", "ролик",
        "video", "видеоролик", "монтаж", "съемка", "shoot", "ретушь", "обработать фото",
    )),
    "webdev": ("web development", (
        "новый сайт", "сайт новый", "сайт под ключ", "разработка сайта", "разработать сайт",
        "сделать сайт", "переделать сайт", "website", "new site", "build … site",
        "форма заявки", "форма обратной связи", "переделать форму", "contact form",
        "личный кабинет", "мобильный приложение", "mobile app", "интернет магазин",
        "калькулятор", "web development", "веб разработка", "вёрстка", "верстка",
        "доработать сайт", "доработка сайта", "разработка", "разработать", "программист",
        "интеграция", "crm", "битрикс24", "плагин", "модуль", "чат бот", "виджет",
        "лендинг", "landing page", "new landing", "web app", "приложение", "app", "develop",
        "development", "developer", "build … website", "build … page", "online store",
        "тильда", "tilda", "wordpress", "вордпресс", "мобильный версия", "адаптив",
        "поменять шаблон", "mobile version",
    )),
    "copywriting": ("copywriting", (
        "копирайтинг", "copywriting", "копирайтер", "copywriter", "content", "контент",
        "написать … статья", "написать … текст", "написать … пост", "статья для блога",
        "статья в блог", "тексты для", "описание товаров", "write … article", "write … post",
        "write … copy", "write … content", "blog post", "blog article", "рерайт", "rewrite",
        "product descriptions", "content writing",
    )),
    "marketplaces": ("marketplaces", (
        "маркетплейс", "авито", "ozon", "озон", "wildberries", "вайлдберриз", "яндекс маркет",
        "marketplace", "amazon listing",
    )),
    "translation": ("translation", (
        "перевести", "перевод", "translate", "translation", "localization", "локализация",
    )),
    "email": ("e-mail marketing", (
        "рассылка", "email рассылка", "e-mail маркетинг", "email маркетинг", "email marketing",
        "email campaign", "newsletter campaign", "mailing", "письма для рассылки",
    )),
    "analytics": ("analytics", (
        "аналитика", "веб аналитика", "сквозной аналитика", "google analytics", "ga4",
        "дашборд", "dashboard", "настроить метрика", "цель в метрике", "коллтрекинг",
        "google tag manager", "gtm", "tag manager", "настроить цели", "looker studio",
    )),
    "pr": ("PR", (
        "пиар", "pr", "публикация в сми", "press release", "пресс релиз", "сми",
    )),
}
"""service key → (label shown in reasons, patterns)."""

REQUEST_CUES: tuple[str, ...] = (
    "=можете", "=можешь", "=сможете", "=сможешь", "=могли бы", "=можно", "=нужно", "=нужен",
    "=нужна", "=нужны", "=надо", "=нам бы", "=хотим", "=хотелось бы", "=хотели бы",
    "=посчитаете", "=посчитайте", "=сделаете", "=возьметесь", "=ведете", "=займетесь",
    "=беретесь", "=делаете", "=к вам", "=подскажите", "=помогите", "=пожалуйста",
    "=не могли бы", "=можно вас попросить", "=хотим заказать", "=нужно сделать",
    "=требуется", "=сколько стоит", "=сколько будет стоить", "=сколько это", "=во сколько",
    "=обойдется", "=интересует", "=было бы здорово", "=было бы круто", "=если бы вы",
    "=не хотите", "=можете взять", "=нужна помощь", "=готовы", "=реально ли",
    "=есть возможность", "=есть ли у вас", "=у вас есть", "=кто у вас", "=кто может",
    "=can you", "=could you", "=would you", "=will you", "=can we", "=could we",
    "=we need", "=we want", "=we'd like", "=i'd like", "=would like", "=please",
    "=do you do", "=do you guys", "=looking for",
    "=is it possible", "=need you", "=want you", "=able to", "=your team", "=do you offer",
    "=do you also", "=any chance", "=would it be possible", "=how much", "=quote",
    "=what would it cost", "=need someone", "=would love", "=we'd love", "=are you able",
    "=can you guys", "=could your", "=would you mind", "=we'd appreciate",
    "=it would be great if", "=do you have someone", "=does your agency", "=does your team",
    "=can someone", "=could someone", "=we're looking", "=help us", "=help with",
)
"""Words that make a sentence ask for work (matched as written: «можете», not «может»)."""

_LEARN: frozenset[str] = frozenset({"know", "understand", "ask", "see", "check", "hear", "learn"})
_WHETHER: frozenset[str] = frozenset({"do", "does", "did", "should", "ли"})

SECOND_PERSON: frozenset[str] = frozenset({"вы", "вам", "вас", "ваш", "you", "your", "ты", "тебе"})

_SERVICE_SET = PhraseSet(
    [(key, p) for key, (_label, pats) in SERVICES.items() for p in pats]
    + [("cue", c) for c in REQUEST_CUES]
)


def service_label(key: str) -> str:
    """The label of a service key (the key itself when unknown)."""
    return SERVICES[key][0] if key in SERVICES else key


def find_services(words: list[Word]) -> list[tuple[str, str]]:
    """(service key, matched phrase) for every service named in one sentence."""
    return [(h.cat, h.label) for h in _SERVICE_SET.find(words) if h.cat != "cue"]


def request_of(words: list[Word], question: bool) -> tuple[bool, list[tuple[str, str]]]:
    """Whether one sentence asks for work (see the module docstring), and the service it
    asks for: the first one named after the request word, else the last one before it
    («а логотип обновить — это к вам?»).  Other services in the sentence are context
    ("while you're looking at the blog — could you redesign the header?")."""
    from inscope.rules.lemmas import IMPR

    hits = _SERVICE_SET.find(words)
    # "do we need to…", «нужно ли» ask whether, not for work.
    cues = [h.start for h in hits if h.cue and not (
        h.start > 0 and words[h.start - 1].raw in _WHETHER) and not (
        # "I'd like to know …" asks a question, not for work
        h.end + 1 < len(words) and words[h.end].raw == "to" and words[h.end + 1].raw in _LEARN)] + [
        i for i, w in enumerate(words) if w.flags & IMPR]
    if not cues and question and any(w.raw in SECOND_PERSON for w in words):
        cues = [next(i for i, w in enumerate(words) if w.raw in SECOND_PERSON)]
    if not cues:
        return False, []
    at = min(cues)
    named = [h for h in hits if not h.cue]
    after = [h for h in named if h.start >= at]
    chosen = after[:1] if after else named[-1:]
    return True, [(h.cat, h.label) for h in chosen]


def is_request(words: list[Word], question: bool) -> bool:
    """Whether one sentence asks for work (see :func:`request_of`)."""
    return request_of(words, question)[0]


def contract_services(services: Iterable[str]) -> frozenset[str]:
    """The service keys a project's ``services`` strings name (unknown strings: none).

    Advertising in general (``ads``) is in a contract that has context or targeted ads.
    """
    from inscope.rules.lexicon import words_of

    out: set[str] = set()
    for s in services:
        for key, _label in find_services(words_of(s)):
            out.add(key)
    if out & {"ppc", "targeted"}:
        out.add("ads")
    return frozenset(out)
