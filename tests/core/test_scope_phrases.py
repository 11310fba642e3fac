"""Requests for an agency's services and mere mentions of them, RU/EN.

A labeled phrase list written for these tests from general knowledge of how clients ask
an agency for work — directly, or indirectly («а можно ещё…», «не могли бы вы…», «нам
бы…», "would it be possible", "could your team", "we'd love some…") — and of how they
mention a service without asking for it.  Not taken from eval/corpus.

Each request names the service it asks for (``inscope.rules.services`` keys); a mention
asks for none.  Then the same phrases through the whole assessment for an SEO-only
contract: a request for another service is out of scope, a mention never is.
"""

from __future__ import annotations

import pytest

from inscope.config import Config, Me, ProjectCfg
from inscope.model import MsgFacts
from inscope.rules.signals import analyse
from inscope.rules.triage import Rules

REQUESTS: list[tuple[str, str]] = [
    # Russian, indirect and direct
    ("А можно ещё баннер для акции сделать?", "design"),
    ("Не могли бы вы нарисовать нам логотип?", "design"),
    ("Было бы здорово, если бы вы обновили нам фирменный стиль", "design"),
    ("Нам бы новый лендинг под акцию", "webdev"),
    ("Кто у вас делает сайты под ключ?", "webdev"),
    ("Сможете взяться за ведение нашего инстаграма?", "smm"),
    ("Хотим запустить рекламу в Директе, поможете?", "ppc"),
    ("Подскажите, а настройкой таргета во ВКонтакте вы занимаетесь?", "targeted"),
    ("Нужны тексты для карточек товаров, штук пятьдесят", "copywriting"),
    ("Напишите, пожалуйста, пару статей в блог", "copywriting"),
    ("Можно заказать у вас фотосъёмку товаров?", "photo"),
    ("Сделаете нам видеоролик для главной?", "photo"),
    ("Нам нужна email-рассылка по клиентской базе", "email"),
    ("Настроите цели в Метрике и GA4?", "analytics"),
    ("А мобильное приложение вы разрабатываете?", "webdev"),
    ("Хотелось бы обновить дизайн главной страницы", "design"),
    ("Возьмётесь за контекстную рекламу в Google Ads?", "ppc"),
    ("Нужно оформить группу ВКонтакте и вести её", "smm"),
    ("Есть ли у вас кто-то, кто сделает презентацию для инвесторов?", "design"),
    ("Нам бы посты для телеграм-канала, раза три в неделю", "smm"),
    ("Можете переделать форму обратной связи на сайте?", "webdev"),
    ("Сколько будет стоить редизайн сайта?", "design"),
    ("Интересует настройка рекламы в Яндекс Директе", "ppc"),
    ("Давайте ещё запустим таргетированную рекламу в Telegram Ads", "targeted"),
    ("Нужно перевести сайт на английский", "translation"),
    ("Закажем у вас описания для двухсот товаров?", "copywriting"),
    ("Было бы круто сделать сторис с нашими новинками", "smm"),
    ("Сделайте, пожалуйста, обложки для роликов", "design"),
    ("А можете сделать калькулятор стоимости на сайт?", "webdev"),
    ("Нам нужен пресс-релиз о запуске", "pr"),
    ("Помогите выйти на Озон, карточки нужны", "marketplaces"),
    ("Хотим интернет-магазин на Тильде", "webdev"),
    ("Надо бы сделать брендбук, возьмётесь?", "design"),
    ("Не подскажете, кто у вас занимается SMM?", "smm"),
    ("Можно попросить вас снять видеообзор продукта?", "photo"),
    ("Нужно сверстать лендинг по макету", "webdev"),
    ("Подготовите креативы для рекламной кампании?", "design"),
    ("Хотели бы заказать у вас серию инфографик", "design"),
    ("А рекламу у блогеров вы можете организовать?", "smm"),
    ("Посмотрите, пожалуйста, тайтлы на новых страницах лендинга", "seo"),
    ("После редизайна просели позиции — проверите, что с индексацией?", "seo"),
    ("Нельзя ли ещё и логотип немного освежить?", "design"),
    ("Вы случайно не делаете фирменные бланки и визитки?", "design"),
    ("Хорошо бы нам ещё контекст подключить", "ppc"),
    ("Разработаете нам чат-бота для сайта?", "webdev"),
    ("Можно в статье поправить title?", "seo"),
    ("Можете добавить на сайт форму обратного звонка?", "webdev"),
    ("Поработаете с отзывами на картах?", "serm"),
    ("Запустите рекламу в поиске Яндекса", "ppc"),
    ("Нужно поднять ставки в Директе", "ppc"),
    ("Запустите рекламу в Фейсбуке", "targeted"),
    ("Можно рекламу в myTarget?", "targeted"),
    ("Нужен контент-план для инсты на месяц", "smm"),
    ("Добавьте на сайт кнопку WhatsApp", "webdev"),
    ("Можете прикрутить онлайн-оплату?", "webdev"),
    ("Нужно перенести сайт на другой хостинг", "webdev"),
    ("Поправьте, пожалуйста, вёрстку в футере", "webdev"),
    ("Нужно настроить ретаргетинг на тех, кто был на сайте", "ppc"),
    ("Сможете взять на себя техподдержку сайта?", "webdev"),
    ("Нам нужна SMS-рассылка по базе", "email"),
    ("А управлением репутацией вы занимаетесь?", "serm"),
    # English
    ("Would it be possible to design a new logo for us?", "design"),
    ("Could your team build us a landing page for the spring sale?", "webdev"),
    ("We'd love some help with our Instagram", "smm"),
    ("Can you also run Google Ads for us?", "ppc"),
    ("Do you guys do video production?", "photo"),
    ("We need someone to write product descriptions", "copywriting"),
    ("Any chance you could set up Facebook ads?", "targeted"),
    ("Is it possible to get a few banners for the homepage?", "design"),
    ("We're looking for an agency to build a mobile app", "webdev"),
    ("Could you put together an email campaign for Black Friday?", "email"),
    ("Would you be able to redesign the checkout page?", "design"),
    ("Can someone on your side set up GA4 and conversion goals?", "analytics"),
    ("We'd like you to manage our LinkedIn page", "smm"),
    ("How much would a new website cost?", "webdev"),
    ("Please translate the site into German", "translation"),
    ("It would be great if you could shoot some product photos", "photo"),
    ("Do you also handle PPC?", "ppc"),
    ("Could you draft a press release about the launch?", "pr"),
    ("We want to start selling on Amazon, can you help with the listings?", "marketplaces"),
    ("Could you write three blog posts a month for us?", "copywriting"),
    ("I was wondering if you could make us a brand book", "design"),
    ("Would you mind creating a few social media posts for the launch?", "smm"),
    ("Can you help us with TikTok ads?", "targeted"),
    ("Can you check whether the new landing page is indexed?", "seo"),
    ("Is there any way you could also do our newsletter?", "email"),
    ("Could you handle our online reviews?", "serm"),
    ("We'd like to run display ads too", "ppc"),
    ("Please launch Yandex Direct ads for Moscow", "ppc"),
    ("We'd like to run Facebook ads", "targeted"),
    ("Please fix the footer layout on mobile", "webdev"),
    ("Can you add a WhatsApp button to the site?", "webdev"),
    ("We need the site moved to a new host", "webdev"),
    ("Сделайте нам, пожалуйста, новую главную страницу", "webdev"),
    ("Need some banners for Black Friday", "design"),
    ("Could you take over our VK group?", "smm"),
]

MENTIONS = [
    # Russian
    "Мы поменяли дизайн главной, заявок стало меньше",
    "Наш дизайнер уже нарисовал баннеры, выложим завтра",
    "Директ у нас ведёт другое агентство",
    "SMM делаем сами, это не к вам",
    "Вчера вышел пост в нашем телеграм-канале",
    "Новый сайт запустили в понедельник",
    "Фотограф приедет в четверг снимать товары",
    "Рассылку отправили по базе, открываемость 30%",
    "Реклама во ВКонтакте сейчас на паузе",
    "Логотип согласовали, спасибо",
    "Разработчики выкатили новую версию сайта",
    "Видео для ютуба монтирует наш сотрудник",
    "Статьи для блога пишет наш копирайтер",
    "Инстаграм ведём своими силами",
    "Брендбук у нас есть, прикладываю",
    "Таргетолог сказал, что кампания работает хорошо",
    "Мы перевели сайт на английский в прошлом месяце",
    "Приложение уже в сторе, ссылка ниже",
    "Кстати, наш новый баннер на главной очень понравился клиентам",
    "Аналитику нам настроил фрилансер",
    "Дизайн согласован, можно выкладывать?",
    "Мы думаем о новом сайте в следующем году, пока просто мысли",
    "После того как вы сделали редизайн, позиции выросли",
    "Спасибо за идеи для баннеров, обсудим внутри",
    "Контекстную рекламу отключили на праздники",
    "Разработчик поправил вёрстку футера",
    "Мы добавили на сайт кнопку WhatsApp",
    "Запустили рекламу в Директе на прошлой неделе, трафик с поиска не просел?",
    # English
    "We redesigned the pricing page last week",
    "Our in-house designer made the banners",
    "Another agency runs our Google Ads",
    "The new website went live on Monday",
    "We posted the video on YouTube yesterday",
    "Our newsletter goes out every Friday",
    "The app update shipped this morning",
    "FYI our social media is handled internally",
    "The photographer sent over the product shots",
    "We paused the Facebook ads for the holidays",
    "Our copywriter is on vacation this week",
    "The landing page was built by our developer",
    "We translated the catalogue into English ourselves",
    "Do we need a new logo? Not really, the old one works",
    "I'd like to know if the redesign hurt our rankings",
    "Thanks for the banner ideas, we'll discuss internally",
    "Our Instagram grew 20% this month",
    "We're thinking about a new site next year, nothing concrete yet",
    "Loved the logo concepts, our team picked the second one",
    "The PPC campaign ended on Sunday",
    "We launched Facebook ads last week — did organic traffic change?",
    "We added a WhatsApp button to the site",
    "Can you check if the new banners slowed the page down?",
    "Проверьте, пожалуйста, не тормозит ли новый баннер загрузку страницы",
    "Do we need new banners for the sale? Probably not",
    "Мы сменили дизайн, вы видели?",
    "Вы видели наш новый логотип?",
    "Вам понравился новый баннер на главной?",
    "Have you seen our new logo?",
    "Do you like the new banner?",
    "Вы получили макеты от нашего дизайнера?",
]


@pytest.mark.parametrize(("text", "service"), REQUESTS)
def test_a_request_names_its_service(text: str, service: str) -> None:
    s = analyse(text)
    assert s.request, text
    assert [k for k, _p in s.services][:1] == [service], f"{text!r} → {s.services}"


@pytest.mark.parametrize("text", MENTIONS)
def test_a_mention_asks_for_no_service(text: str) -> None:
    s = analyse(text)
    assert s.services == (), f"{text!r} → {s.services}"


@pytest.fixture(scope="module")
def seo_only() -> Rules:
    return Rules.from_config(Config(me=Me(name="Мария Петрова", timezone="Europe/Moscow"),
                                    projects=[ProjectCfg(name="P", services=["SEO", "семантика", "аудит сайта"])]))


NOW = 1_800_000_000.0


@pytest.mark.parametrize(("text", "service"), REQUESTS)
def test_requests_outside_an_seo_contract_are_out(seo_only: Rules, text: str, service: str) -> None:
    a = seo_only.assess("P", [MsgFacts("client", text, NOW - 60)], (), NOW)
    assert (a.scope == "out") == (service != "seo"), f"{text!r} → {a.scope} {a.scope_reason}"


@pytest.mark.parametrize("text", MENTIONS)
def test_mentions_are_never_out(seo_only: Rules, text: str) -> None:
    a = seo_only.assess("P", [MsgFacts("client", text, NOW - 60)], (), NOW)
    assert a.scope != "out", f"{text!r} → {a.scope_reason}"


def test_a_contract_reads_by_the_longest_name() -> None:
    from inscope.rules.services import contract_services

    assert contract_services(["link building", "техническое SEO", "аудит сайта"]) == {"seo"}
    assert contract_services(["content"]) == {"copywriting"}
    assert contract_services(["контекстная реклама"]) == {"ppc", "ads"}
    # a content plan is written to be filled: its articles are in the contract
    assert contract_services(["контент-план"]) == {"seo", "copywriting"}


def test_the_lists_are_big_and_varied() -> None:
    assert len(REQUESTS) + len(MENTIONS) >= 100
    assert len({t for t, _s in REQUESTS}) == len(REQUESTS) and len(set(MENTIONS)) == len(MENTIONS)
    assert len({s for _t, s in REQUESTS}) >= 11, "every kind of service"
