"""The demo world: an SEO specialist's agency with 12 client projects.

Deterministic for a (seed, size, anchor): the same world comes back after a
restart, so cursors and ids stay valid.  Messages are shaped like Trello card
comments, Telegram group messages and e-mails, in Russian and English, from
clients, teammates, the account managers and the specialist herself.  A few
messages are dated slightly in the future: they "arrive" while the demo runs,
so clients occasionally answer.

The world is neutral data: the sandbox servers are seeded from it
(``sandbox/demo/services.py``), and ``sandbox/demo/connector.py`` serves it
through the connector protocol for the big workspaces.
"""

from __future__ import annotations

import hashlib
import random
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta

ME_NAME = "Мария Соколова"
ME_HANDLE = "maria_seo"
ME_EMAIL = "maria@inscope-agency.example"
AGENCY_DOMAIN = "inscope-agency.example"


@dataclass(frozen=True, slots=True)
class Person:
    id: str
    name: str
    handle: str
    email: str
    role: str  # client | team | am | me
    project: str = ""  # for clients


@dataclass(slots=True)
class DemoProject:
    name: str
    status: str
    services: list[str]
    out_of_scope: list[str]
    board_id: str
    chat_id: int
    domain: str
    importance: str
    clients: list[Person] = field(default_factory=list)
    am: Person | None = None


@dataclass(slots=True)
class DemoMessage:
    idx: int
    channel: str  # trello | telegram | email
    project: str
    conv_key: str  # card id / chat id / thread root
    conv_title: str
    author: Person
    text: str
    at: datetime
    reply_to: int | None = None  # idx of the message answered
    card_members: tuple[str, ...] = ()
    subject: str = ""


@dataclass(slots=True)
class World:
    seed: int
    size: int
    anchor: datetime
    me: Person
    team: list[Person]
    ams: list[Person]
    projects: list[DemoProject]
    messages: list[DemoMessage]


_PROJECTS: list[tuple[str, str, str, str, str]] = [
    # name, status, domain, importance, language
    ("Ромашка", "active", "romashka-flowers.ru", "high", "ru"),
    ("AutoParts24", "active", "autoparts24.com", "normal", "en"),
    ("Dental Smile", "paused", "dentalsmile.clinic", "normal", "en"),
    ("ТехноМаркет", "active", "tehnomarket.ru", "vip", "ru"),
    ("GreenBuild", "unpaid", "greenbuild.io", "normal", "en"),
    ("Детская академия", "active", "kids-academy.ru", "normal", "ru"),
    ("Fitness Pro", "paused", "fitnesspro.club", "low", "en"),
    ("Право и Дело", "active", "pravo-delo.ru", "high", "ru"),
    ("CoffeeLab", "active", "coffeelab.coffee", "normal", "en"),
    ("Мебель Дом", "active", "mebel-dom.ru", "normal", "ru"),
    ("TravelGo", "active", "travelgo.tours", "normal", "en"),
    ("Окна Плюс", "active", "okna-plus.ru", "low", "ru"),
]

_FIRST_RU = ["Иван", "Ольга", "Сергей", "Екатерина", "Дмитрий", "Наталья", "Алексей", "Татьяна",
             "Павел", "Юлия", "Андрей", "Светлана"]
_LAST_RU = ["Петров", "Смирнова", "Кузнецов", "Попова", "Васильев", "Новикова", "Морозов", "Волкова"]
_FIRST_EN = ["John", "Emily", "Michael", "Sarah", "David", "Laura", "James", "Anna", "Robert", "Kate"]
_LAST_EN = ["Miller", "Brown", "Wilson", "Taylor", "Clark", "Hall", "Young", "King"]

_CARDS_RU = ["Аудит сайта", "Семантическое ядро", "Перенос на новый домен", "Тексты для категорий",
             "Отчёт за месяц", "Ошибки в Search Console", "Мета-теги карточек", "Скорость загрузки",
             "Структура каталога", "Ссылочная стратегия"]
_CARDS_EN = ["Site audit", "Keyword research", "Domain migration", "Category copy", "Monthly report",
             "Search Console errors", "Product meta tags", "Page speed", "Catalog structure",
             "Link building plan"]

_CLIENT_RU = [
    "Добрый день! Подскажите, когда будет готов отчёт за прошлый месяц?",
    "Позиции по основным запросам просели, можете посмотреть?",
    "Мы обновили каталог, нужно ли что-то поменять в мета-тегах?",
    "Спасибо, всё получили. Когда следующий этап?",
    "Скиньте, пожалуйста, список страниц, которые вы правили.",
    "Срочно! Сайт не работает с утра, из поиска идут ошибки 500",
    "Упал трафик из Яндекса почти вдвое, что случилось?",
    "А можете заодно сделать нам новый сайт на Тильде? Старый надоел",
    "Нужен логотип к запуску новой линейки, сделаете?",
    "Можно ли ускорить индексацию новых страниц?",
    "Посмотрите, пожалуйста, правки в текстах категорий — всё ок?",
    "Почему в выдаче показывается старый заголовок?",
    "Нам пишет подрядчик, что robots.txt надо поменять — согласуете?",
    "Когда созвонимся по стратегии на квартал?",
    "Счёт получили, оплатим на этой неделе.",
    "Подскажите, что с редиректами после переезда?",
]
_CLIENT_EN = [
    "Hi! When can we expect last month's report?",
    "Our rankings dropped for the main keywords, could you take a look?",
    "We updated the catalog — do the meta tags need changes?",
    "Thanks, got it. What's the next step?",
    "Could you send the list of pages you changed?",
    "URGENT: the site is down since this morning, search shows 500 errors",
    "Organic traffic is down by half, what happened?",
    "Could you also build us a new website? The old one is outdated",
    "We need a logo for the new product line, can you do it?",
    "Is there a way to speed up indexing of the new pages?",
    "Please check the category copy edits — all good?",
    "Why does search still show the old title?",
    "Our developer says robots.txt must change — can you approve?",
    "When do we meet about the quarterly strategy?",
    "Invoice received, we'll pay this week.",
    "What's the status of the redirects after the migration? asap please",
]
_TEAM_RU = [
    "Задеплоили новую версию каталога на прод",
    "Дизайн баннеров готов, закинул в папку",
    "Кто-нибудь видел доступы к хостингу?",
    "Решили убрать старые редиректы со страниц акций, они мешают",
    "Поменяли шаблон title на карточках товаров",
    "Обновил sitemap, проверьте пожалуйста",
    "Настроили новую рекламную кампанию в Директе",
    "Завтра обновим CMS, возможен простой минут на 10",
]
_TEAM_EN = [
    "Deployed the new catalog version to production",
    "Banner designs are ready, uploaded to the folder",
    "Anyone seen the hosting credentials?",
    "We decided to drop the old redirects on promo pages, they are in the way",
    "Changed the title template on product pages",
    "Regenerated the sitemap, please check",
    "Launched the new ad campaign",
    "CMS update tomorrow, expect ~10 min downtime",
]
_AM_RU = ["Коллеги, клиент просит созвон на этой неделе", "Напоминаю про отчёт до пятницы",
          "Договор продлили до конца года"]
_AM_EN = ["Team, the client asks for a call this week", "Reminder: report due Friday",
          "Contract extended until year end"]
_ME_RU = ["Добрый день! Посмотрела, всё поправим до конца недели.",
          "Отчёт пришлю сегодня к 18:00.", "Проверила — это временная просадка, следим.",
          "Согласовано, можно выкатывать."]
_ME_EN = ["Hi! Checked it, we'll fix it by the end of the week.", "I'll send the report today by 6 pm.",
          "Checked — it's a temporary dip, we're monitoring.", "Approved, you can ship it."]
_HOSTILE = "Скопировал из консоли: [bold]Ошибка[/] [link=http://evil.example]ссылка[/link] \x1b[31mкрасный\x1b[0m"


def _oid(seed: int, n: int, at: datetime) -> str:
    """A Trello-style ObjectId: 8 hex digits of time, then 16 hex of a stable hash."""
    h = hashlib.sha1(f"{seed}:{n}".encode()).hexdigest()[:16]
    return f"{int(at.timestamp()):08x}{h}"


def generate(size: int = 600, seed: int = 7, anchor: datetime | None = None) -> World:
    """Build the world: about ``size`` messages spread over the two weeks before ``anchor``."""
    anchor = (anchor or datetime.now(UTC)).astimezone(UTC).replace(microsecond=0)
    rnd = random.Random(seed)
    me = Person("u-me", ME_NAME, ME_HANDLE, ME_EMAIL, "me")
    team = [
        Person("u-dev1", "Дмитрий Орлов", "dima_dev", f"dmitry@{AGENCY_DOMAIN}", "team"),
        Person("u-dev2", "Kevin Marsh", "kevin_dev", f"kevin@{AGENCY_DOMAIN}", "team"),
        Person("u-ads", "Ольга Ким", "olga_ads", f"olga@{AGENCY_DOMAIN}", "team"),
        Person("u-des", "Lena Fox", "lena_design", f"lena@{AGENCY_DOMAIN}", "team"),
    ]
    ams = [
        Person("u-am1", "Анна Белова", "anna_am", f"anna@{AGENCY_DOMAIN}", "am"),
        Person("u-am2", "Peter Lane", "peter_am", f"peter@{AGENCY_DOMAIN}", "am"),
    ]
    projects: list[DemoProject] = []
    for i, (name, status, domain, importance, lang) in enumerate(_PROJECTS):
        p = DemoProject(
            name=name, status=status,
            services=["seo", "аудит", "семантика", "тексты", "audit", "keywords", "copy", "report"],
            out_of_scope=["новый сайт", "логотип", "реклама в соцсетях", "new website", "logo",
                          "social media ads"],
            board_id=_oid(seed, 1000 + i, anchor - timedelta(days=400)),
            chat_id=-1001000000000 - (i + 1) * 7919,
            domain=domain, importance=importance, am=ams[i % 2],
        )
        for j in range(2):
            if lang == "ru":
                fn, ln = rnd.choice(_FIRST_RU), rnd.choice(_LAST_RU)
            else:
                fn, ln = rnd.choice(_FIRST_EN), rnd.choice(_LAST_EN)
            handle = f"{domain.split('.')[0].replace('-', '_')}_{j + 1}"
            p.clients.append(Person(f"u-c{i}-{j}", f"{fn} {ln}", handle, f"{fn.lower()}@{domain}"
                                    if lang == "en" else f"client{j + 1}@{domain}", "client", name))
        projects.append(p)

    messages: list[DemoMessage] = []
    span = timedelta(days=14).total_seconds()
    n = 0
    conv_no = 0
    while n < size:
        p = projects[conv_no % len(projects)]
        ru = not p.name.isascii()
        channel = ("trello", "telegram", "email")[rnd.randrange(3)]
        conv_no += 1
        if channel == "trello":
            title = rnd.choice(_CARDS_RU if ru else _CARDS_EN)
            key = _oid(seed, 500000 + conv_no, anchor - timedelta(days=30))
        elif channel == "telegram":
            title = f"{p.name} · SEO"
            key = str(p.chat_id)
        else:
            title = rnd.choice(_CARDS_RU if ru else _CARDS_EN)
            key = f"<thread-{seed}-{conv_no}@{p.domain}>"
        # Conversations: mostly client ↔ me, some team chatter (noise), some AM notes.
        length = rnd.randint(2, 7)
        start = anchor.timestamp() - rnd.random() * span
        members: tuple[str, ...] = (me.id,) if channel == "trello" and rnd.random() < 0.5 else ()
        chatter = channel != "email" and rnd.random() < 0.25
        t = start
        prev: int | None = None
        for k in range(length):
            if n >= size:
                break
            t += rnd.uniform(300, 6 * 3600)
            if chatter:
                author = rnd.choice(team)
                text = rnd.choice(_TEAM_RU if ru else _TEAM_EN)
            else:
                r = rnd.random()
                if k == 0 or r < 0.55:
                    author = rnd.choice(p.clients)
                    text = rnd.choice(_CLIENT_RU if ru else _CLIENT_EN)
                    if rnd.random() < 0.15:
                        text = f"@{ME_HANDLE} {text}"
                elif r < 0.85:
                    author = me
                    text = rnd.choice(_ME_RU if ru else _ME_EN)
                elif r < 0.93:
                    author = p.am or ams[0]
                    text = rnd.choice(_AM_RU if ru else _AM_EN)
                else:
                    author = rnd.choice(team)
                    text = rnd.choice(_TEAM_RU if ru else _TEAM_EN)
            if n == 17:
                text = _HOSTILE
            at = datetime.fromtimestamp(t, UTC).replace(microsecond=0)
            if at > anchor + timedelta(hours=3):
                break
            subject = title if channel == "email" else ""
            messages.append(DemoMessage(n, channel, p.name, key, title, author, text, at, prev,
                                        members, subject))
            prev = n
            n += 1
        # Older conversations were mostly handled already: the specialist answered them.
        last = messages[-1] if messages else None
        if (last is not None and last.conv_key == key and last.author.role == "client" and n < size
                and last.at < anchor - timedelta(hours=36) and rnd.random() < 0.85):
            at = last.at + timedelta(minutes=rnd.randint(20, 300))
            messages.append(DemoMessage(n, channel, p.name, key, title, me,
                                        rnd.choice(_ME_RU if ru else _ME_EN), at, last.idx, members,
                                        title if channel == "email" else ""))
            n += 1
    messages.sort(key=lambda m: (m.at, m.idx))
    # Re-number in time order so idx is the delivery order (reply_to follows).
    remap = {m.idx: i for i, m in enumerate(messages)}
    for m in messages:
        m.idx = remap[m.idx]
        m.reply_to = None if m.reply_to is None else remap[m.reply_to]
    return World(seed, size, anchor, me, team, ams, projects, messages)


def config_toml(world: World, accounts: str) -> str:
    """The demo workspace's config: the specialist, windows, projects and ``accounts``."""
    lines = [
        "# inscope demo workspace — generated; edit freely, it is kept across runs.",
        "# Agency people (handles, e-mails, our domain): their messages are team chatter.",
        f"team = [{', '.join(repr_toml(x) for p in world.team for x in (p.handle, p.email))}, "
        f'"{AGENCY_DOMAIN}"]',
        "",
        "[me]",
        f'name = "{world.me.name}"',
        'role = "seo"',
        'timezone = "Europe/Moscow"',
        f'handles = ["{world.me.handle}"]',
        f'emails = ["{world.me.email}"]',
        'watch = ["redirect", "редирект", "robots.txt", "noindex", "canonical", "sitemap", "title"]',
        'signature = "Мария (SEO): "',
        "",
        "[windows]",
        'reply = ["Mon-Fri 11:00-12:00", "Mon-Fri 17:00-18:00"]',
        "urgent_breaks_through = true",
        "",
        accounts.strip(),
        "",
    ]
    for p in world.projects:
        am = p.am
        assert am is not None
        clients = ", ".join(repr_toml(x) for c in p.clients for x in (c.handle, c.email))
        lines += [
            "[[projects]]",
            f"name = {repr_toml(p.name)}",
            f'status = "{p.status}"',
            f"services = [{', '.join(repr_toml(s) for s in p.services)}]",
            f'trello_boards = ["{p.board_id}"]',
            f'telegram_chats = ["{p.chat_id}"]',
            f'email_domains = ["{p.domain}"]',
            f"clients = [{clients}]",
            f"out_of_scope = [{', '.join(repr_toml(s) for s in p.out_of_scope)}]",
            f'importance = "{p.importance}"',
            f"account_manager = {{ name = {repr_toml(am.name)}, telegram = {repr_toml(am.handle)}, "
            f"email = {repr_toml(am.email)}, trello = {repr_toml(am.handle)}, escalate_via = \"telegram\" }}",
            "",
        ]
    return "\n".join(lines)


def repr_toml(s: str) -> str:
    """A TOML basic string."""
    return '"' + s.replace("\\", "\\\\").replace('"', '\\"') + '"'
