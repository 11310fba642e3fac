"""Emergencies and out-of-scope requests phrased without the words the first rules listed.

Sentences written for these tests (not taken from eval/corpus) for the behaviours the
triage missed: an outage with no site word («всё легло», «ничего не грузится»), a monitor's
status word after its name ("Pingdom: DOWN"), positions falling told as places or pages
(«с 4 места на 38», "from page 1 to page 4"), leads gone in words, a redirect to a dating
site, robots.txt blocking the whole site; their near misses (an incident of a named month,
a small move, a form field that rejects a format, a resolved critical error); and requests
for work outside an SEO contract phrased as site edits («поменяйте цены в каталоге»,
"update the phone number in the footer"), with «давайте» / "let's", or politely.
"""

from __future__ import annotations

import pytest

from inscope.config import Config, Me, ProjectCfg
from inscope.model import MsgFacts
from inscope.rules.ranks import rank_fall
from inscope.rules.signals import analyse
from inscope.rules.triage import Rules
from inscope.rules.urgency import Entry, thread_urgency
from tests.helpers import URGENCY_NOW, urgent_now

NOW = URGENCY_NOW


URGENT = [
    # everything at once, no site word
    "У нас всё легло, ни один раздел не открывается",
    "всё упало 😱",
    "all went down about ten minutes ago",
    "Не грузится, крутится и всё",
    "Даша, у нас опять не открывается",
    # a monitor's status word after its name
    "Pingdom: DOWN — shop.example.com is not responding",
    "StatusCake: your check is DOWN",
    "Яндекс Вебмастер: на сайте обнаружены критичные ошибки",
    # places and pages
    "мы были на 2 месте, а теперь на 35",
    "по основному запросу с 4 места на 38",
    "from page 1 to page 4 in Google overnight",
    "our category pages moved from the first page to page 6",
    "со второй страницы выдачи улетели на восьмую",
    # leads gone, in words
    "звонков с сайта нет вообще со вчерашнего вечера",
    "the leads just stopped",
    # break-ins and closing the site
    "с сайта редиректит на сайт знакомств",
    "after the update robots.txt blocks the whole site",
    "после обновления сайт полностью закрыт от индексации",
    "сайт перекидывает на порносайт",
    "из топ-5 улетели куда-то за 60 место",
    # the homepage gone, an error returned
    "Главная страница исключена из поиска",
    "из индекса удалили главную, по site: её нет",
    "Главная страница сайта отдаёт ошибку",
    # dead, no orders, most of the traffic lost, no longer found
    "Hi, our shop is completely dead since 8am",
    "Nobody can place an order, the cart throws an error",
    "We've lost almost all our organic traffic overnight",
    "We don't show up on Google anymore, even for our own name",
    "По брендовому запросу нас больше не находит",
    # the ads still off
    "кампании с ночи стоят, модерация всё ещё не пропустила",
]

NOT_URGENT = [
    "помните, в октябре сайт падал? почему это было?",
    "Do you remember when the site was down in August? What caused it?",
    "по запросу «доставка» с 5 на 7 место",
    "we moved from page 2 to page 1 🎉",
    "с 12 места поднялись на 3",
    "на 3 месте 5 ключей, на 25 месте ещё 2",
    "Критичные ошибки на сайте исправлены",
    "форма не принимает телефон с плюсом, поправьте",
    "поле email в форме не принимает точку",
    "Не открывается файл с отчётом, перешлите ещё раз",
    "Помню, весной заявки рухнули из-за фильтра — как этого избежать?",
    "Remember when the shop went down at Easter? Could it happen again?",
    "Our ads got disapproved overnight but they're running again",
    "главное — исключить дубли из индекса",
    # what is better when it falls, a fall explained, planned downtime
    "Итоги месяца: трафик +35%, отказы −40%",
    "Стоимость лида снизилась на 45%",
    "Cost per click is down 50% after the bid changes",
    "Трафик раздела упал на 60% — мы его закрыли, как договаривались",
    "В воскресенье переезд на новый сервер, сайт будет недоступен час-два",
    # not there yet is an aspiration, not a fall
    "Не находит по запросу «купить диван недорого», а мы хотим туда попасть",
    "We're not showing up for 'family tours' yet — when can we expect that?",
    "Found a few dead links in the blog",
]


@pytest.mark.parametrize("text", URGENT)
def test_emergencies_without_the_listed_words_break_through(text: str) -> None:
    assert urgent_now(text), text


@pytest.mark.parametrize("text", NOT_URGENT)
def test_their_near_misses_do_not(text: str) -> None:
    assert not urgent_now(text), f"{text!r} → {urgent_now(text)}"


def test_a_fall_of_places_is_read_with_its_direction() -> None:
    assert rank_fall("по запросу с 4 места на 38") == (4, 38)
    assert rank_fall("сейчас на 40 месте, а были на 3") == (3, 40)
    assert rank_fall("dropped from position 3 to 28") == (3, 28)
    assert rank_fall("ушли с первой страницы на третью") == (10, 30)  # a page is ten places
    assert rank_fall("поднялись с 30 места на 4") is None
    assert rank_fall("на 1 месте по 3 запросам и на 15 по остальным") is None  # a list, no move
    assert rank_fall("трафик упал на 40%") is None
    assert rank_fall("из топ-3 ушли на 40 место") == (3, 40)
    assert rank_fall("из топ-10 поднялись в топ-3") is None
    assert "positions fell from 4 to 38" in urgent_now("по запросу с 4 места на 38")


OUT_OF_SEO = [
    ("поменяйте цены в каталоге на новые", "webdev"),
    ("обновите, пожалуйста, цены на сайте по прайсу", "webdev"),
    ("меню съезжает на мобильном — поправьте", "webdev"),
    ("на айфоне кнопка заказа уехала вниз, исправьте пожалуйста", "webdev"),
    ("can you update the phone number in the footer", "webdev"),
    ("Could you change the opening hours on the contacts page?", "webdev"),
    ("Замените фото на странице «О нас», пожалуйста", "webdev"),
    ("поставьте новый номер телефона в шапку", "webdev"),
    ("уберите со страницы доставки старые тарифы", "webdev"),
    ("давайте сделаем новую главную", "webdev"),
    ("Let's add a chat widget to the site", "webdev"),
    ("let's run some Google Ads for the new year", "ppc"),
    ("хотелось бы, чтобы кто-то вёл наш телеграм", "smm"),
    ("We'd love a fresh look for the product cards", "design"),
    ("Сделайте карточки товаров покрасивее", "design"),
    ("А сможете сделать нам пару картинок для акции?", "design"),
    ("подключите онлайн-оплату, пожалуйста", "webdev"),
    ("Сделайте, чтобы на мобильном меню не прыгало", "webdev"),
    ("Загрузите, пожалуйста, новые товары на сайт", "webdev"),
    ("The mobile menu overlaps the logo — can you fix it?", "webdev"),
    ("давайте в шапку добавим баннер про скидки", "design"),  # the banner, not the edit
]

IN_SEO = [
    "поменяйте title у категории «Диваны»",
    "добавьте новые страницы в sitemap",
    "let's add the new pages to the sitemap",
    "поменяйте телефон в карточке организации в Яндекс Бизнесе",
    "Could you update the phone in our Google Business Profile?",
    "добавьте карту сайта в robots",
    "Можно добавить новые статьи в карту сайта?",
    "обновите meta description на странице цен",
    "добавьте alt к картинкам в каталоге",
]


@pytest.fixture(scope="module")
def seo_only() -> Rules:
    return Rules.from_config(Config(me=Me(name="Мария Петрова", timezone="Europe/Moscow"),
                                    projects=[ProjectCfg(name="P", services=["SEO", "аудит сайта"])]))


@pytest.mark.parametrize(("text", "service"), OUT_OF_SEO)
def test_site_edits_and_polite_requests_are_out_of_an_seo_contract(
        seo_only: Rules, text: str, service: str) -> None:
    assert [k for k, _p in analyse(text).services][:1] == [service], text
    a = seo_only.assess("P", [MsgFacts("client", text, NOW - 60)], (), NOW)
    assert a.scope == "out", f"{text!r} → {a.scope} {a.scope_reason}"


@pytest.mark.parametrize("text", IN_SEO)
def test_edits_of_seo_things_stay_in(seo_only: Rules, text: str) -> None:
    s = analyse(text)
    assert s.request and [k for k, _p in s.services][:1] == ["seo"], f"{text!r} → {s.services}"
    assert seo_only.assess("P", [MsgFacts("client", text, NOW - 60)], (), NOW).scope == "in"


def test_a_fix_asked_in_the_next_sentence_is_of_the_part_named_before() -> None:
    s = analyse("В корзине кнопка «Оформить» уехала под картинку. Поправьте, пожалуйста")
    assert s.request and [k for k, _p in s.services] == ["webdev"]
    # a fix of the traffic after a redesign is no design order
    assert analyse("Сменили дизайн, трафик упал. Исправьте").services == ()


def test_putting_work_on_hold_is_no_request() -> None:
    assert not analyse("let's put the link audit on hold until spring").request
    assert not analyse("Давайте пока отложим семантику до января").request
    assert analyse("Давайте соберём семантику под новый раздел").request


def test_an_ads_stop_overnight_is_urgent_while_it_goes_on() -> None:
    told = [Entry(False, NOW - 3 * 3600, analyse("Ads were disapproved overnight."), chasing=True)]
    assert not thread_urgency(told, NOW)  # told in the past, nothing says it goes on
    still = told + [Entry(False, NOW - 600, analyse("Still not running, zero impressions"),
                          chasing=True)]
    assert thread_urgency(still, NOW)
    assert urgent_now("Ads were disapproved overnight and they still aren't running")


def test_a_stop_told_in_the_past_is_urgent_when_a_later_message_says_it_still_fails() -> None:
    told = Entry(False, NOW - 3 * 3600, analyse("Объявления ночью отклонили"), chasing=True)
    still = Entry(False, NOW - 600, analyse("и до сих пор не крутятся"), chasing=True)
    assert thread_urgency([told, still], NOW).startswith("still failing")
    # a fresh «до сих пор» that says nothing fails keeps the past in the past
    calm = Entry(False, NOW - 600, analyse("до сих пор разбираемся с отчётом"), chasing=True)
    assert not thread_urgency([told, calm], NOW)
    fixed = Entry(False, NOW - 3 * 3600, analyse("Сайт ночью лежал, хостер починил"), chasing=True)
    assert not thread_urgency([fixed, still], NOW)


def test_a_report_that_says_it_is_fine_now_ends_itself() -> None:
    assert not urgent_now("Mary, the site went down for 5 min at 3am, it's fine now")
    assert urgent_now("Mary, the site went down 5 min ago and it's still down")
