"""What counts as an emergency in one sentence: the lexicon and the reading (pure).

``ENTRIES`` are ``inscope.rules.lexicon`` patterns by category; ``inscope.rules.signals``
compiles them with its own into one phrase set (one pass over a sentence) and asks
:func:`emergency_of` what a sentence reports.  The categories are written from how sites
fail and how people and monitoring services say so, in Russian and English:

- **the site not working** — ``down`` needs a site word in the message, a link or a
  domain («не открывается», «лежит», «белый экран», "keeps loading", "is down");
  ``failure`` names the failure itself (a 502 reason phrase, a browser's
  ``ERR_CONNECTION_…``, «подключение не защищено», an expired certificate or domain, a
  database connection error); ``hacked``: a break-in, malware, a redirect to spam;
- **HTTP 5xx** (numbers, by regular expression) and **404 en masse**;
- **falling out of search** — ``deindex`` («выпали из индекса», "deindexed", filters,
  manual actions), ``closed`` with ``whole`` (noindex / Disallow on the whole site), our
  pages looked for in search and not there (``searched`` then ``missing``: «поискала в
  гугле наши страницы — их нет»);
- **collapse** — a ``metric`` (traffic, leads, orders, positions …) with a ``drop`` of
  ``DROP_PERCENT`` % or more, a fall "from N to M" of as much, or a ``collapse`` word
  («вдвое», «в ноль», "halved", "dried up");
- **monitoring** — a monitor's name (``alert``), its DOWN / UP wording, critical problems.
- **the ads not running** — ``ads_off`` («объявления не показываются», "ads disapproved",
  the budget run out); ``ads_paused`` (stopped, paused) unless the sentence says it is the
  client's own doing (``ours``: «мы остановили на праздники»).

Not an emergency: a failure of a ``part`` («одна страница», "one of the ads": a bug, not
the site or the ads down), a collapse word not said of its metric («…, nothing needed from
you»), a speculative one ("whatever could have broken", «что могло слететь»), someone
else's (``inscope.rules.whose``), a negated report (a negation within two words before it, in the same
clause: «сайт не упал», but «Нет, не работает» is one), a hypothetical or planned one
(«если сайт упадёт», "the site may be unavailable", «упадёт», scheduled maintenance), a
competitor's, or fewer errors («5xx стало меньше»).  Tense, resolution and jokes are read
by the caller (``past``, ``now``, ``resolved``, ``works``, ``still`` are listed here).

Why one module of this size: most of it is the emergency lexicon, and the reading of one
sentence (``emergency_of``) decides by the categories of that one lexicon in one order;
split, each half would need the other's categories.
"""

from __future__ import annotations

import re
from collections.abc import Mapping, Sequence

from inscope.rules.lemmas import BREAK, FUT, IMPR, NEG, PAST
from inscope.rules.lexicon import Hit, Word
from inscope.rules.ranks import POSITIONS_AT_SCALE, rank_fall

_ADS = "объявление|реклама|кампания|показ|директ|таргет|ad|ads"
_ADS_EN = "ads|ad|campaign|campaigns|adverts|advertising|direct"
DROP_PERCENT = 30
"""A fall of traffic, leads or positions by this many percent or more is a collapse."""
PAGES_AT_SCALE = 100
"""This many pages excluded from the index at once is deindexing, not housekeeping."""

_MONITORS = ("uptimerobot|pingdom|statuscake|betterstack|site24x7|zabbix|nagios|freshping|"
             "hetrixtools|monitor|мониторинг")
_SITE_NOUNS = ("сайт|страница|каталог|корзина|главная|блог|раздел|сервер|хостинг|оплата|магазин|"
               "админка|лендинг|кабинет|форма")
_SPAM = ("казино|спам|порно|фарма|левый|чужой|сторонний|непонятный|подозрительный|мошеннический|"
         "знакомство|букмекер|криптовалюта|крипта|порносайт|adult|dating|betting|crypto|"
         "spam|casino|porn|pharma|scam|gambling|phishing|sketchy|malicious|shady|dodgy")

ENTRIES: list[tuple[str, str]] = [
    # the site (or a part of it) not working: needs a site word, a link or a domain
    *(("down", p) for p in (
        "не открываться", "не работать", "не грузиться", "не загружаться", "не прогружаться",
        "не отвечать", "не отображаться", "не проходить", "не приходить", "не отправляться",
        "не оформляться", "недоступный", "=не доступен", "сайт|сервер|хостинг … лежать",
        "лежать … сайт|сервер|хостинг", f"{_SITE_NOUNS} лежать", f"лежать {_SITE_NOUNS}", "упасть", "падать", "лечь", "умереть", "сдохнуть", "сломаться",
        "слететь", "перестать работать|открываться|грузиться|загружаться|отвечать|отправляться|приходить",
        f"{_SITE_NOUNS} висеть", f"висеть {_SITE_NOUNS}", "белый страница|экран",
        "пустой страница|экран", f"вместо {_SITE_NOUNS}", "выдавать … ошибка", "возвращать|отдавать … ошибка", "=returns|=returning … =error", "открываться с ошибка",
        "ошибка … сервер", "ошибка 500", "пятисотый|пятисотка", "не мочь зайти|открыть",
        "заблокировать", "отключить за неуплата", "грузиться бесконечно", "бесконечно грузиться",
        "бесконечный|вечный загрузка", "крутиться колесико", "заглушка", "взломать", "взлом", "вирус",
        "вредоносный", "can't access", "cannot access", "not accessible", "=crashed", "be =broken",
        "=completely broken", "=totally broken", "=hacked", "malware", "=stopped working",
        "=stopped loading", "=stopped responding", "be down", "go down", "=went down", "=down since",
        "=isn't loading", "=aren't loading", "=isn't working", "=aren't working", "=isn't opening",
        "=won't open", "=doesn't open", "=can't load", "=won't load", "=doesn't load",
        "=doesn't work", "not work", "not working", "not load", "not loading", "nothing load",
        "outage", "unavailable", "be|go =offline", "=went offline", "give … error",
        "=returning … error", "=throwing … error", "=showing … error", "blank|white|empty page",
        "blank|white screen", "keep loading", "loading forever", "load forever", "stuck loading",
        "=spinner", "=spinning", "timed out", "timing out", "=timeout", "critical|fatal error",
        "database error", "=unreachable", "can't be reached", "=can't reach", "=cannot reach",
        "=compromised", "infected", "=down for everyone", "=broken", "не отправлять", "не принимать",
        "не получаться зайти|войти|отправить|открыть", "=unable to access|load|log",
        "site|website|server|homepage|shop|store|checkout|page =down",
        "be|=completely|=totally =dead", "=throws … =error|=errors", "=intermittently", "=on and off",
        "открываться|грузиться|загружаться через раз", "сайт|страница … работать через раз",
        "мертвый", "=certificate|=ssl|=security =warning|=warnings", "=not =secure",
        # signing up and booking are what a school's or a clinic's site is for (with the
        # site named: «не могу записаться к врачу» is no outage)
        "не мочь записаться|зарегистрироваться|забронировать|купить",
        "не получаться записаться|зарегистрироваться|забронировать|купить",
        "=can't|=cannot sign =up", "=can't|=cannot book|register|buy|purchase",
        "=unable to sign|book|register|buy|purchase",
    )),
    # what looks like a failure and is none: "broken links", "scroll down", «битые ссылки»
    *(("benign", p) for p in ("=broken link|links", "битый ссылка", "scroll … =down", "write =down",
                              "=down payment", "calm =down", "=break down", "=breakdown",
                              "=down the list", "=down the page", "look|seem =broken",
                              "выглядеть сломанный", "=dead link|links|end|ends",
                              # a field rejecting a format is a form's bug, not the site down
                              "поле … не принимать", "не принимать … точка|символ|формат|пробел|телефон|номер|почта|"
                              "дефис|буква|цифра|кириллица|латиница|скобка",
                              "field … =doesn't|=won't|=does not accept")),
    # one thing of many: «одна страница», «одно из объявлений», "one of the ads", "a single
    # page" — a failure of it is a bug, not the site or the ads down
    *(("part", p) for p in (
        "=одна|=одну|=одной|=одно|=один|=одного … страница|статья|картинка|фото|изображение|"
        "объявление|ссылка|баннер|пост|товар|карточка",
        "=пара|=пару|=парочка|=несколько страница|статья|картинка|объявление|ссылка|баннер|товар",
        "=one|=single|=couple|=few … =page|=pages|=article|=articles|=image|=images|=ad|=ads|"
        "=post|=posts|=banner|=banners|=product|=products|=link|=links",
    )),
    # what "down" needs to be about
    *(("site", p) for p in (
        *_SITE_NOUNS.split("|"), "site", "website", "page", "blog", "server", "homepage",
        "checkout", "shop", "store", "cart", "host", "hosting", "landing", "everything", "ничего",
        "сертификат", "ssl", "https", "certificate", "домен", "domain", "form", "api",
        "приложение", "app", "база данный", "database", "url",
    )),
    # failures that say what fails by themselves
    *(("failure", p) for p in (
        "bad gateway", "service unavailable", "internal server error", "gateway time out",
        "gateway timeout", "connection refused", "connection reset", "connection timed out",
        "подключение не защищено", "соединение не защищено", "connection be not private",
        "=connection isn't private", "не удаваться получить доступ", "server not found",
        "сервер не найти", "error establishing", "ошибка соединение с база", "ошибка база данный",
        "ошибка подключение к база", "сертификат … истечь", "истечь … сертификат", "ssl … истечь",
        "истечь … ssl", "слететь … ssl|сертификат|https", "ssl|сертификат|https … слететь",
        "=expired … ssl|certificate|cert", "ssl|certificate|cert … =expired", "ssl|certificate error",
        "ошибка ssl|сертификат", "недействительный сертификат", "сертификат недействительный",
        "invalid|expired certificate", "домен … истечь", "истечь … домен", "не продлить … домен",
        "домен … не продлить", "=expired domain", "domain … =expired", "заглушка регистратор|хостинг",
        "server error", "ошибка сервер",
        # everything at once: «всё легло», «всё упало», "it all went down"
        "=все|=всё лечь|упасть|рухнуть|сломаться|умереть|сдохнуть|накрыться|отвалиться",
        "everything|=all =went down|crashed|=broke", "everything|=all =is down|=died",
        "everything … =down", "ничего не работать|открываться|грузиться|загружаться|отвечать",
        # paying and ordering: what the site is for
        "не получаться оформить|оплатить|заказать", "не мочь оплатить|оформить|заказать",
        "=can't|=cannot pay|checkout|order", "=can't|=cannot check out", "=unable to pay|checkout|order",
        "=nobody|=noone can|could … =order|=pay|=checkout|=buy", "=can't|=cannot place … order|orders",
        "ошибка при|во оформление|оплата|заказ", "платеж|оплата|заказ … не проходить",
        "payment|payments|checkout … fail|failing|failed|error|declined|declining",
        "error at|on|during checkout|payment",
        # redirect loops, DNS, a suspended account
        "redirect loop", "too many redirects", "бесконечный|циклический|зацикленный редирект",
        "редирект … по круг", "не резолвиться", "=nxdomain", "dns … =not resolving",
        "account|hosting|site … =suspended", "suspension page", "приостановить … аккаунт|хостинг|сайт",
    )),
    *(("hacked", p) for p in (
        "вредоносный код|скрипт|файл|программа", "заражение", "заразить", "фишинг", "phishing",
        "deceptive site", "dangerous site", "может быть опасный", "угроза безопасность",
        "проблема безопасность", "нарушение безопасность", "security issue", "=security issues",
        f"редирект|редиректить|перекидывать|перебрасывать|перенаправлять|переадресовывать … {_SPAM}",
        f"redirect|redirecting|send … {_SPAM}",
        # the verb as clients spell it, unknown to the dictionary
        f"=редиректит|=редиректят|=редиректило|=редиректнуло|=редиректнул|=редиректил … {_SPAM}", "spam redirect", "взломать … сайт", "сайт … взломать",
        "спам … страница", "spam page|pages|link|links|content", "китайский|японский … страница",
        "japanese|chinese|pharma … spam|keyword|keywords|pages", "=injected", "дорвей", "doorway",
        "иероглиф",
        "may be hacked", "may harm your computer", "возможно … взломать",
    )),
    # the ads not running: what the client pays for is off («объявления не показываются»,
    # «деньги на балансе закончились», "ads disapproved") — an emergency of context and
    # targeted ads as a site down is of SEO
    *(("ads_off", p) for p in (
        f"{_ADS} … не показываться|крутиться|работать|идти|открываться",
        f"{_ADS} … отклонить|заблокировать|отключиться|прекратиться|перестать",
        "модерация … не пропустить|пропускать", "не пройти … модерация",
        f"не показываться|крутиться … {_ADS}", f"заблокировать|отклонить … {_ADS}",
        f"{_ADS_EN} … =stopped|=disapproved|=rejected|=suspended|=blocked|=limited",
        f"{_ADS_EN} … =not running|showing|serving|spending|delivering",
        f"{_ADS_EN} … =aren't|=isn't|=are not|=is not running|showing|serving|spending|delivering",
        f"{_ADS_EN} … =stopped running|showing|serving|spending|delivering",
        "=no impressions", "нет показ", "ноль показ", "показ … ноль|нет",
        "деньги|бюджет|средство|баланс … закончиться|кончиться|на ноль|ноль",
        "закончиться|кончиться … деньги|бюджет|средство|баланс",
        "кабинет|аккаунт … заблокировать|приостановить", "заблокировать|приостановить … кабинет|аккаунт",
        "ran out of|out of budget|funds|money", "=billing … =failed|=declined",
    )),
    # stopped or paused: the client's own decision unless the platform did it («мы
    # остановили на праздники» is a plan; «кампании остановлены», "ads stopped" are not)
    *(("ads_paused", p) for p in (
        f"{_ADS} … остановиться|остановить|приостановить|выключить|отключить|встать|стоять",
        f"остановить|приостановить|выключить … {_ADS}",
        f"{_ADS_EN} … =paused|=halted|=stopped|=off",
    )),
    # our own pausing, or a plan
    *(("ours", p) for p in (
        # the writer stopped them («я пока остановил объявления», "I paused the ads")
        "=я … остановить|приостановить|выключить|отключить", "=i|=i've … =paused|=stopped|=halted",
        "=мы", "=we", "=we've", "=our request", "по наш просьба", "по просьба",
                            "как договориться", "праздник", "=holiday|holidays", "=weekend",
                            "выходной", "as agreed", "=planned", "плановый")),
    # falling out of the index / search
    *(("deindex", p) for p in (
        "выпасть|выпадать|вылетать|вылететь|пропадать|пропасть|исчезать|исчезнуть|выкинуть|"
        "выбросить|вывалиться … индекс|поиск|выдача|топ|яндекс|google|гугл",
        "fall|drop out … top|index|google|search|serp|result",
        "=dropping out … index|google|search", "=falling out … index|google|search",
        "disappear|vanish|vanishing|gone … google|search|index|serp",
        "removed from … index|google|search", "=no longer indexed", "not indexed anymore",
        "=no longer in … google|index|search|serp",
        # the engine stopped showing the site: «Гугл перестал показывать наш сайт»
        "яндекс|гугл|google|yandex|поисковик … перестать показывать|находить|выдавать|индексировать",
        "перестать показываться|находиться|ранжироваться … в поиск|выдача|яндекс|гугл|google",
        "=stopped showing|ranking … =us|=our|=the =site", "нет … в поиск|выдача|яндекс|google|гугл|индекс",
        "не находить|найти … яндекс|гугл|google|поиск|выдача|поисковик|запрос",
        "яндекс|гугл|google|поисковик … не находить|найти|видеть", "=can't find … google|yandex|search",
        "=cannot find … google|yandex|search", "search … zero|no result",
        "перестать индексироваться", "=stopped being indexed", "=stopped indexing", "вылететь",
        "санкция", "под фильтр", "фильтр яндекс", "агс", "баден баден", "минусинск", "ручной санкция",
        "ручной мера", "manual action", "penalty", "penalized", "penalised", "lost all rankings",
        "весь сайт … выпасть", "deindexed", "de-indexed", "deindexing", "=deindex",
        # the engine first: «из Яндекса выпало пол сайта», "Google dropped us from the index"
        "из индекс|поиск|выдача|яндекс|google|гугл … выпасть|выпадать|вылететь|вылетать|пропасть|"
        "пропадать|исчезнуть|исчезать|выкинуть|выбросить",
        "drop|=dropped … from … index", "remove|=removed|kick|=kicked … from … index|search|google|yandex|serp",
        "=deindexes|deindexed … site|pages|us",
        # no longer found: "we don't show up on Google anymore", «больше не находит»
        "=don't|=doesn't|=not|=aren't|=isn't show|appear|rank|showing|appearing|ranking … =anymore", "=no longer show|shows|showing|appear|appears|rank|ranks|found",
        "=больше не находить|находиться|показываться|ранжироваться|видеть",
        # the homepage alone is enough: «главная исключена из поиска», "homepage is gone"
        "главный страница … исключить|удалить", "главный … исключить|удалить … из поиск|индекс|выдача",
        "исключить|удалить … из поиск|индекс|выдача … главный",
        "из поиск|индекс|выдача … исключить|удалить … главный",
        "homepage|home page … =excluded|=removed|=gone|=missing|=deindexed",
    )),
    # looked for in search and not there: «поискала в гугле наши страницы — их нет», "I
    # googled our brand and we're nowhere" (``_not_found``)
    *(("searched", p) for p in (
        "найти|искать|поискать|погуглить|загуглить|вбить|забить … в гугл|яндекс|google|yandex|"
        "поиск|поисковик|выдача",
        "=searched|=googled|=looked|=search … =on|=in|=for … google|yandex|search",
        "=googled|=searched =for", "=googled =our|=us")),
    *(("missing", p) for p in ("=нет", "=нету", "=nowhere", "=nothing", "=gone", "=missing",
                               "=not =there", "=isn't =there", "=aren't =there")),
    *(("closed", p) for p in ("robot … block|=blocks|=blocking|=blocked|закрыть|закрывать|запретить",
                              "закрыть от индексация", "закрытый от индексация",
                              "запретить индексация", "noindex", "disallow", "blocked by robots",
                              "block … indexing|crawling|google")),
    *(("whole", p) for p in ("весь сайт", "сайт целиком", "весь страница", "все страница",
                             "every page", "all page", "all the page", "whole site", "entire site",
                             "sitewide", "site wide", "=везде", "everywhere", "случайно",
                             "по ошибка", "accidentally", "by mistake", "=целиком", "=полностью",
                             "=completely", "=entirely")),
    # not there yet: an aspiration («хотим туда попасть», "not ranking yet"), not a fall
    *(("not_yet", p) for p in ("=yet", "пока не", "еще не", "хотеть … попасть|быть|выйти",
                               "want to rank|be|get|appear", "like to rank|be|get|appear")),
    # a metric, for drops
    *(("metric", p) for p in (
        "трафик", "заявка", "звонок", "продажа", "конверсия", "регистрация", "позиция", "клик",
        "показ", "органика", "посещаемость", "лид", "заказ", "выдача", "видимость", "обращение",
        "бронирование", "выручка", "страница в поиск|индекс", "traffic", "signup", "sign-up", "sign",
        "click", "session", "lead", "conversion", "order", "booking", "ranking", "position", "organic",
        "visit", "visitor", "sale", "impression", "revenue", "visibility", "inquiry", "enquiry", "ctr",
        "indexed page", "page indexed", "pages in … index|google|search", "в поиск|индекс … страница",
    )),
    *(("drop", p) for p in (
        "упасть", "просесть", "проседать", "снизиться", "рухнуть", "обвалиться", "падение", "обвал",
        "минус", "сократиться", "уменьшиться", "провалиться", "свалиться", "падать", "потерять",
        "drop", "fall", "=down", "decline", "plummet", "tank", "decrease", "lose", "=lost", "dip",
        "shrink", "sink", "slide", "crater", "уменьшаться", "снижаться", "сокращаться",
    )),
    # how hard it falls: «резко упал», "dropped sharply" (a fall without a number)
    *(("sharp", p) for p in ("резко", "резкий", "сильно", "сильный", "катастрофически",
                             "катастрофический", "драматически", "обвально", "быстро", "sharply",
                             "sharp", "dramatically", "dramatic", "massive", "massively", "huge",
                             "steep", "significant", "significantly",
                             # a fall for every query at once: «просели по всем запросам»
                             "=across the board", "по весь запрос|ключ|фраза|позиция|направление",
                             "for|across|on =all|=every =keywords|=queries|=keyword|=query")),
    # an explained fall is a report, not an emergency
    *(("expected", p) for p in ("сезонность", "сезонный", "праздник", "ожидаемо", "ожидаемый",
                                "как и ожидаться", "это нормально", "seasonal", "seasonality",
                                "expected", "holiday", "as usual", "как обычно", "как договориться|договариваться",
                                "as agreed", "as planned", "по план")),
    # what is better when it falls: the cost of a lead, a click's price, the bounce rate
    *(("cost", p) for p in ("стоимость|цена|cost|price … заявка|лид|клик|обращение|заказ|конверсия|"
                            "lead|click|conversion|acquisition|order", "=cpc|=cpa|=cpl|=cpo|=дрр|=drr",
                            "отказ", "bounce", "время загрузка", "load time", "loading time")),
    *(("collapse", p) for p in (
        "рухнуть", "обвалиться", "обвал", "вдвое", "в два раз", "в 2 раз", "в три раз", "в 3 раз",
        "в пять раз", "в разы", "в несколько раз", "на порядок", "на треть", "наполовину", "половина",
        "улететь", "слететь", "провалиться", "в ноль", "до ноль|нуль", "=ноль", "=нуле",
        "не приходить", "не поступать", "не идти", "перестать приходить|поступать|идти|звонить",
        "нет заявка|заказ|звонок|лид|продажа|обращение|регистрация|конверсия|трафик",
        "заявка|заказ|звонок|лид|продажа|обращение|регистрация|конверсия|трафик нет",
        "=no leads|orders|calls|sales|conversions|bookings|signups|traffic|clicks|enquiries|inquiries",
        "=not a single", "заявка|заказ|звонок|лид|продажа|обращение встать|остановиться|прекратиться",
        "почти ничего", "почти нет", "=ни одной", "=ни одного", "by a third", "more than half",
        "lose all|everything", "=lost all|everything", "потерять весь|все", "off a cliff", "collapse", "plummet", "tank", "halve", "by half", "in half", "=zero",
        "=nothing", "dry up", "=dried up", "stop coming", "=stopped coming", "nosedive", "crater",
        "=lost|lose|losing =almost|=nearly|=most|=half", "потерять почти|половина",
        "заявка|заказ|звонок|лид|продажа|обращение|регистрация|бронирование … =нет|=ноль|=нуль",
        "leads|orders|calls|sales|bookings|signups|enquiries|inquiries|conversions … =stopped",
        "=crashed|=crashing",  # «sales crashed»: a number that crashed
    )),
    # a place in search, for falls told as places (``inscope.rules.ranks``)
    *(("rank", p) for p in ("место", "позиция", "страница", "строчка", "топ", "place", "position",
                            "spot", "page", "top")),
    # growth: «трафик вырос вдвое» is good news, not a collapse
    *(("rise", p) for p in ("вырасти", "расти", "увеличиться", "подняться", "рост", "прирост",
                            "=grew", "grow", "rise", "=rose", "increase", "double", "=doubled",
                            "=up by", "jump", "=jumped", "=soared")),
    # fewer of a problem is good news («5xx стало меньше», "fewer 404s")
    *(("fewer", p) for p in ("меньше", "снизиться", "сократиться", "уменьшиться", "до ноль|нуль",
                             "fewer", "less", "decrease", "=reduced", "down to zero")),
    # monitoring alerts
    *(("alert_down", p) for p in ("monitor be down", "be currently down", "=down since", "=down alert",
                                  "website|site down alert", "monitor … =went down", "probe failed",
                                  # a status word after a monitor's name: "Pingdom: DOWN",
                                  # "StatusCake … is down", «статус: недоступен»
                                  f"{_MONITORS} … =down|=offline|=unreachable|=unavailable|недоступный",
                                  "=status|статус =down|=offline|недоступный|=недоступен")),
    *(("alert_up", p) for p in ("monitor be up", "be back up", "back up", "back online", "=up again",
                                "=is up", "=up alert", "website|site up alert", "=recovered",
                                "снова доступный", "доступный снова")),
    *(("critical", p) for p in ("критический ошибка", "критический проблема", "критичный проблема",
                                "критичный ошибка",
                                "critical error", "critical issue", "critical problem")),
    *(("alert", p) for p in ("uptimerobot", "uptime robot", "search console", "webmaster", "вебмастер",
                             "робот яндекс", "googlebot", "pingdom", "statuscake", "status cake",
                             "better stack", "betterstack", "better uptime", "site24x7", "zabbix",
                             "nagios", "uptime kuma", "freshping", "hetrixtools", "alertmanager",
                             "grafana", "datadog", "monitor", "мониторинг")),
    # planned work: what it may break is announced, not happening
    *(("planned", p) for p in ("плановый работа|обслуживание", "технический работа",
                               "scheduled|planned maintenance", "maintenance window",
                               # meant so: «так и задумано», "that's by design"
                               "так и задумать|задумывать", "так и должный быть", "as intended",
                               "by design", "on purpose", "intentionally")),
    # a memory: «помните, …», "remember when …", «в тот раз» — the whole sentence is the past
    *(("memory", p) for p in ("помнить", "=remember", "=recall", "тот раз|случай", "=that time",
                              "=back when")),
    # time of the incident
    *(("past", p) for p in ("=вчера", "=ночью", "=накануне", "на прошлой неделе", "в прошлый месяц",
                            # a month or a season named: «в октябре сайт падал»
                            "в|во январь|февраль|март|апрель|май|июнь|июль|август|сентябрь|"
                            "октябрь|ноябрь|декабрь", "=in january|february|march|april|june|july|"
                            "august|september|october|november|december", "=весной|=летом|=осенью",
                            "в прошлый год", "last year", "=last spring|summer|autumn|fall|winter",
                            "=утром", "=днем", "=вечером", "yesterday", "last night", "last week",
                            "last month", "earlier", "=was", "=were", "=был", "=была", "=было",
                            "=были")),
    # a weekday or the weekend named for when it happened: «в пятницу сайт падал», "over
    # the weekend the site went down" — of an event; a fall "over the weekend" is measured
    # over it and may go on (``signals``: not for a collapse)
    *(("past_day", p) for p in (
        "вчерашний", "позавчерашний", "=yesterday's", "=last night's",
        "в|во понедельник|вторник|среда|четверг|пятница|суббота|воскресенье",
        "в|на выходной", "на днях", "день|неделя назад",
        "=on|=last monday|tuesday|wednesday|thursday|friday|saturday|sunday",
        "=over =the =weekend", "=last weekend", "=the =other =day",
        "=days|=weeks =ago")),
    *(("now", p) for p in ("сейчас", "до сих пор", "все еще", "по-прежнему", "с утра", "прямо сейчас",
                           "=still", "=now", "currently", "right now", "since this morning",
                           "опять", "снова", "=again", "since", "теперь", "=уже", "сегодня",
                           "today", "=is", "=are", "=isn't", "=aren't", "=has been", "=have been",
                           "=hasn't", "=haven't", "не вернуться", "не восстановиться",
                           "со вчера", "с вечера", "с ночи", "со вчерашний", "начиная с")),
    # a fix («починили», "fixed"): ends what it fixes
    *(("resolved", p) for p in (
        "=починили", "=починил", "=починила", "=починено", "=поправили", "=поправил", "=поправила",
        "=пофиксили", "=пофиксил", "=пофиксила", "=устранил", "=устранила", "=исправили", "=исправил",
        "=исправила",
        "=исправлена", "=исправлено", "=восстановили", "=восстановил", "=восстановлено", "=вернули",
        "=устранена", "=устранено", "=устранили", "=решено", "поднять … сайт|сервер|хостинг|база",
        "сайт|сервер|хостинг|база … поднять", "уже поднять|починить|исправить",
        "больше не обнаруживаться", "ложный тревога", "=fixed", "=resolved", "=solved", "=restored",
        "=one-off", "=none since", "false alarm", "all clear", "=sorted",
    )),
    # the numbers came back: ends a drop too («трафик восстановился», "traffic recovered")
    *(("recovered", p) for p in ("восстановиться", "вернуться", "=recovered", "came back",
                                 "bounced back", "back to normal", "вернуться в норма")),
    # the site is back: ends its being down, even in the same message ("…but it's back up")
    *(("restored", p) for p in (
        "снова|уже|опять работать", "снова|уже открываться|грузиться", "заработать", "back up",
        "be up again", "back online", "=up again", "works again", "working again", "up and running",
        "=running again", "снова|опять|уже крутиться|показываться",
        # fine again, said in the report itself: "…it's fine now", «сейчас всё работает»
        "=fine|=ok|=okay|=working now", "сейчас все работать|нормально|ок",
        "сейчас работать|открываться|грузиться|загружаться",
    )),
    # it works: a later message's word that the site is fine («открывается», "loads fine")
    *(("works", p) for p in (
        "работать", "открываться", "грузиться", "загружаться", "доступный", "в норма", "в порядок",
        "works", "working", "=loads", "=is fine", "=fine now", "=ok now", "=is up", "all good",
    )),
    # it goes on: «до сих пор», "still", «опять», «не помогло»
    *(("still", p) for p in (
        "=still", "до сих пор", "все еще", "по-прежнему", "так и не", "опять", "снова", "=again",
        "ничего не измениться", "nothing changed", "same problem", "та же проблема",
        "still the same", "не помочь", "=didn't help", "=did not help", "=doesn't help", "no luck",
        "без изменение", "все так же", "=nope", "=keeps", "продолжать",
    )),
    # someone chasing an answer: «есть новости?», "any update?"
    *(("chase", p) for p in ("any update", "any news", "есть новость", "что там", "ну что",
                             "какие новость")),
]
"""(category, pattern): the emergency lexicon (compiled with the rest of signals.py's)."""

HTTP_5XX_RE = re.compile(
    # not a number after «#» / «№»: "Build #512" is an id
    r"(?<![\d.,+/#№-])(5\d\d|5xx)(?!\d|[.,]\d|\s*(?:₽|руб|eur|usd|%|\$|€|р\b|k\b|тыс)"
    # a count of things, not a status: «502 ссылки», "500 keywords"
    r"|\s+(?:ссыл|штук|шт\b|товар|ключ|запрос|слов|заяв|звон|визит|посет|клик|пользовател|человек|страниц|"
    r"links?\b|backlinks?\b|items?\b|keywords?\b|visits?\b|visitors?\b|users?\b|clicks?\b|"
    r"leads?\b|words?\b|products?\b|pages\b|раз\b|times\b))",
    re.IGNORECASE)
SERVE_A_CODE_RE = re.compile(
    r"\b(?:отдавать|отдать|возвращать|вернуть|ставить|поставить|настроить)\s+(?:\w+\s+)?5\d\d\b"
    r"|\b5\d\d\s+(?:отдавать|отдать|возвращать|вернуть|ставить|поставить)\b"
    r"|\b(?:should|shall|to|do)\s+(?:we\s+|i\s+|you\s+)?(?:return|serve|send|show)\s+(?:a\s+|the\s+)?5\d\d\b",
    re.IGNORECASE)
"""A status code to be *served* — an infinitive or "should we return …": the choice of
what to answer during planned work («отдавать 503 на время переноса?»), not a failure."""
_PHASE = frozenset(["начал", "начала", "начали", "стал", "стала", "стали", "продолжает",
                    "продолжают", "started", "began", "keeps", "continues"])


def serves_a_code(low: str) -> bool:
    """A status code to be served (``SERVE_A_CODE_RE``) — not one it started to serve
    («начал отдавать 502» is a failure told)."""
    for m in SERVE_A_CODE_RE.finditer(low):
        before = low[:m.start()].split()
        if not before or before[-1] not in _PHASE:
            return True
    return False


SO_IT_STAYS_RE = re.compile(
    r"\bтак и (?:висит|висят|лежит|лежат|стоит|отдаёт|отдает|показывает|выдаёт|выдает|грузится|"
    r"не (?:открывается|работает|грузится))\b")
"""«так и висит 503», «обновила — так и лежит»: it keeps failing, told without «до сих пор»
(tested by a substring first: «так и» is too common a start for the phrase index)."""
_HTTP_CONTEXT_RE = re.compile(
    r"ошибк|error|код|code|http|status|статус|gateway|unavailable|server|сервер|отда|отвеча|"
    r"return|выда|показыва|loads?|грузит|открыва|cloudflare")
_MASS_404_RE = re.compile(r"(?<![\d.,#№])404(?!\d|[.,]\d)")
_PERCENT_RE = re.compile(r"(\d{1,3})(?:[.,]\d+)?\s*(?:%|процент)")
MINUS_PERCENT_RE = re.compile(r"(?<![\w.])[−–-]\s?(\d{1,3})(?:[.,]\d+)?\s?%")
_PAGES_RE = re.compile(r"(\d[\d\s\u00a0,]*\d|\d)\s*(?:страниц|pages?\b)", re.IGNORECASE)
DISALLOW_ALL_RE = re.compile(r"disallow:\s*/(?:\s|$)", re.IGNORECASE | re.MULTILINE)
_FROM_TO_RE = re.compile(
    r"(?:\bс|\bfrom)\s+(?:\w+\s+)?(\d[\d\s\u00a0]*\d|\d+)(?:[.,]\d+)?\s*\S{0,3}\s+"
    r"(?:до|на|to)\s+(\d[\d\s\u00a0]*\d|\d+)", re.IGNORECASE)
SITE_QUERY_EMPTY_RE = re.compile(
    r"\bsite:\s?[\w.-]+\.[a-zа-я]{2,}\S*[^.!?\n]{0,40}?(?<![\w-])(?:shows?|gives?|returns?|finds?|"
    r"показывает|выдаёт|выдает|находит|—|-|:)?\s*(?:nothing(?! (?:new|wrong|unusual|odd|strange|changed))|"
    r"zero|no results|0 results|ничего(?! (?:нового|странного|не изменилось))|пусто|ноль|0 результатов)",
    re.IGNORECASE)
"""A ``site:`` query of ours that finds nothing ("site:example.com/blog shows nothing",
«site:example.ru — пусто»): the pages are gone from the index (not "nothing new")."""
_BROWSER_ERROR_RE = re.compile(r"\berr_[a-z_]{4,}|\bdns_probe_\w+", re.IGNORECASE)
FIRING_RE = re.compile(
    r"\[(?:firing|triggered|alerting|alarm|problem)(?::\d+)?\]|^\s*(?:problem|проблема|alarm)\s*:"
    r"|\*\*\s*problem\b|\bincident (?:started|opened|triggered|created)\b", re.IGNORECASE)
_ALERT_MARKS = ("[", ":", "**", "incident")
"""Every alert form above has one of these: a sentence without any is none (checked first:
a substring test costs far less than the search)."""
"""An alert that fires: Alertmanager's ``[FIRING:1]``, Datadog's ``[Triggered]``, Grafana's
``[Alerting]``, Zabbix's ``Problem:``, Nagios's ``** PROBLEM``, CloudWatch's ``ALARM:``, an
incident opened (``ALERT_UP_RE`` ends it)."""
ALERT_UP_RE = re.compile(
    r"\[(?:resolved|recovered|ok)(?::\d+)?\]|^\s*(?:resolved|recovered|ok|решено|решена|восстановлено)\s*:"
    r"|\*\*\s*recovery\b|\bincident (?:resolved|closed|auto-resolved)\b"
    r"|\b(?:status|state|статус|состояние)\s*:\s*(?:up|ok|resolved|recovered|operational|работает|доступен)\b",
    re.IGNORECASE)
"""An alert's recovery, by its format: ``[RESOLVED]``, ``OK:``, Nagios's ``** RECOVERY``, an
incident resolved, a status field back to a good value ("State: OK", «Статус: доступен»)."""
_FAILING_RE = re.compile(r"down|unavailable|недоступ|fail|timeout|timed out|5\d\d|error|unreachable|"
                         r"critical|критич|not respond|5xx|не отвечает|не работает|ошибк", re.IGNORECASE)
_POSITIONS_RE = re.compile(r"\bна\s+(\d+)(?:\s*[-–]\s*\d+)?\s+(?:пункт|позици|мест)|"
                           r"\b(\d+)(?:\s*[-–]\s*\d+)?\s+(?:positions|places|spots)\b",
                           re.IGNORECASE)
_INSTEAD_RE = re.compile(r"(\d[\d\s\u00a0]*\d|\d+)\s+(?:\w+\s+)?(?:вместо|instead of)\s+(\d[\d\s\u00a0]*\d|\d+)",
                         re.IGNORECASE)
_WHOLE_404_RE = re.compile(r"\b(?:весь|вся|все|всё|all|whole|every|главная|главной|homepage|каталог|"
                           r"массово|куча|сотни|тысячи|lots|hundreds|thousands|everywhere|most|"
                           r"половин\w*|большинств\w*|half)\b")

# Words that make what follows hypothetical within their clause («если сайт ляжет», "if
# traffic drops", "the site may be unavailable", "will it go down?") — «бы» anywhere in it.
_HYPO = frozenset(["если", "ежели", "чтобы", "случае", "допустим", "может", "могут", "можем",
                   "if", "unless", "whether", "would", "might", "will", "gonna", "may", "should",
                   "case", "suppose", "supposing", "будет", "будут", "станет"])
_HYPO_ANYWHERE = frozenset(["бы", "б"])
_OTHER_PARTY = frozenset(["конкурент", "competitor", "competitors",
                          # someone else's site: a neighbour's, a friend's, another shop's
                          "соседний", "сосед", "знакомый", "neighbour", "neighbor", "friend's",
                          # not the live site: a test copy failing breaks nothing for clients
                          "тестовый", "стейджинг", "staging", "песочница", "sandbox"])


def negated(words: Sequence[Word], h: Hit) -> bool:
    """A negation within two words before the match, in its clause, or inside the match
    beyond its own words («не работает» is a report; «сайт не лежит» is not; «Нет, не
    работает» is one: the «нет» answers, in a clause of its own)."""
    count = 0
    for j in range(h.start - 1, max(-1, h.start - 3), -1):
        if words[j].flags & BREAK:
            break
        count += bool(words[j].flags & NEG)
    count += sum(1 for w in words[h.start:h.end] if w.flags & NEG)
    return (count - h.own_negations) % 2 == 1


def _clause(words: Sequence[Word], h: Hit) -> range:
    """The indices of the clause a match stands in."""
    return clause_of(words, h.start, h.end)


def clause_of(words: Sequence[Word], first: int, end: int) -> range:
    """The indices of the clause that words ``first``…``end - 1`` stand in (between
    commas, dashes, colons or brackets)."""
    start = min(first, len(words))
    while start > 0 and not words[start - 1].flags & BREAK:
        start -= 1
    end = max(end, start + 1)
    while end < len(words) and not words[end - 1].flags & BREAK:
        end += 1
    return range(start, min(end, len(words)))


_IF_OPENS = frozenset(["если", "if", "should"])
_SPECULATIVE = frozenset(["could've", "могло", "могли", "мог", "могла"])


def hypothetical(words: Sequence[Word], h: Hit) -> bool:
    """«если сайт ляжет», "the site may be unavailable", «упадёт» (a prediction), "what if
    traffic drops" — unless the hedge is part of the match itself («может быть опасен»)."""
    clause = _clause(words, h)
    before = [words[j] for j in clause if j < h.start]
    if any(w.raw in _HYPO for w in before):
        return True
    if any(w.raw in _SPECULATIVE or (w.raw == "could" and k + 1 < len(before)
                                      and before[k + 1].raw == "have") for k, w in enumerate(before)):
        return True  # "whatever could have broken", «что могло слететь»: feared, not told
    if any(words[j].raw in _HYPO_ANYWHERE for j in clause):
        return True
    if words and words[0].raw in _IF_OPENS and clause and clause[0] > 0:
        return True  # «если сайт упадёт, клиенты не смогут записаться»: the consequence
    matched = words[h.start:h.end]
    return any(w.flags & FUT for w in matched) and not any(w.flags & NEG for w in matched)


def conditional(words: Sequence[Word], h: Hit) -> bool:
    """A fix that is promised, not told: "…we will alert you *when* it is back up", "we'll
    notify you as soon as it is UP", «сообщим, когда снова будет доступен», «если проблема
    не будет устранена» — a conditional or a future marker before it in its clause."""
    for j in _clause(words, h):
        if j >= h.start:
            break
        w = words[j]
        if w.raw in _CONDITIONAL or w.raw.endswith("'ll") or w.flags & FUT:
            return True
    return any(w.raw in _CONDITIONAL for w in words[max(0, h.start - 4):h.start]) or wished(words, h)


_WISH = frozenset(["want", "wants", "wanted", "need", "needs", "needed", "please", "like",
                   "хочу", "хотим", "хотелось", "надо", "нужно", "чтобы", "чтоб"])
_CAUSATIVE = frozenset(["get", "getting", "have", "having"])


def wished(words: Sequence[Word], h: Hit) -> bool:
    """A fix asked for, not told: "want this fixed before the weekend", "need it sorted",
    "get it fixed", "has to be fixed", «хотим, чтобы починили» — a wish or a causative
    "get / have it …" just before it (not "we have fixed it", "got it fixed")."""
    if any(w.raw in _WISH for w in words[max(0, h.start - 3):h.start]):
        return True
    if h.start >= 2 and words[h.start - 2].raw in _CAUSATIVE:
        return True  # "get it fixed", "have this fixed" ("have fixed" is the perfect)
    return h.start >= 2 and words[h.start - 2].raw == "to" and words[h.start - 1].raw == "be"


def fix_told(words: Sequence[Word], cats: Mapping[str, Sequence[Hit]]) -> bool:
    """A fix word in the sentence that tells a fix («починили», "fixed"), not one asked for."""
    return any(not wished(words, h) for h in cats.get("resolved", ()))


_CONDITIONAL = frozenset(["when", "once", "until", "if", "если", "когда", "как", "только", "после",
                          "пока", "will", "would", "soon", "будет", "будут", "станет", "after"])
_COMPARED = frozenset(["vs", "versus", "than", "compared", "к", "сравнению", "против", "относительно",
                       "against", "over", "чем"])


def past(words: Sequence[Word], h: Hit) -> bool:
    """A past-time word that tells when it happened — not the base of a comparison
    ("down 40% vs last week", «по сравнению с прошлой неделей»)."""
    return not any(w.raw in _COMPARED for w in words[max(0, h.start - 3):h.start])


_PERSONS = frozenset(["я", "мы", "вы", "они", "он", "она", "i", "we", "you", "they", "he", "she",
                      "i'm", "we're", "you're", "they're", "he's", "she's", "we've", "i've"])
_AGAIN = frozenset(["again", "снова", "опять"])
_ONLY = frozenset(["только", "лишь", "only"])
_AT_IT = frozenset(["над", "on", "с", "with"])


_THEIR = frozenset(["них", "него", "неё", "нее", "их"])
_SIDE = frozenset(["end", "side", "сторона", "стороны"])


def _their_side(words: Sequence[Word], h: Hit) -> bool:
    """"It's fine" said of someone else's side («у них всё ок», «с их стороны всё
    работает», "all good on their end"): the host's or the provider's own systems, which
    says nothing about whether the site works."""
    before = words[max(0, h.start - 3):h.start]
    if any(a.raw == "у" and b.raw in _THEIR for a, b in zip(before, before[1:], strict=False)):
        return True
    near = words[max(0, h.start - 4):h.end + 4]
    return any(a.raw in ("their", "его", "их") and b.raw in _SIDE
               for a, b in zip(near, near[1:], strict=False))


def works(words: Sequence[Word], h: Hit) -> bool:
    """«открывается», "loads fine now": it works — not «работаем над этим», "we're
    working on it" (people work), not «с телефона открывается, с компа нет» (a part)."""
    if any(w.flags & NEG for w in words):
        return False
    if any(w.raw in _ONLY for w in words[max(0, h.start - 1):h.end + 2]):
        return False  # «сейчас работает только главная»: a part works, the rest does not
    if _their_side(words, h):
        return False  # «хостер говорит, что у них всё ок»: their side is fine, not the site
    again = any(w.raw in _AGAIN for w in words[h.start:h.end])  # "they're running again"
    if not again and any(w.raw in _PERSONS for w in words[max(0, h.start - 2):h.start]):
        return False
    return not (h.end < len(words) and words[h.end].raw in _AT_IT)


def _imperative(w: Word) -> bool:
    """«заблокируйте» (not «пропали», which the dictionary also reads as an imperative)."""
    return bool(w.flags & IMPR) and not w.flags & PAST


def _percent(text: str) -> int:
    return max((int(m.group(1)) for m in _PERCENT_RE.finditer(text)), default=0)


def _from_to_drop(low: str, ranks: bool) -> int:
    """The fall, in percent, that «с 3000 до 900» / "from 120 to 30" tells (0: none).

    For positions a bigger number is worse: from 3 to 15 is a fall of 80 %."""
    best = 0
    for m in _FROM_TO_RE.finditer(low):
        a, b = (int(re.sub(r"\D", "", g)) for g in m.groups())
        if ranks and b > a >= 1 and b >= 10:
            best = max(best, round(100 * (b - a) / b))
        elif a > b:
            best = max(best, round(100 * (a - b) / a))
    return best



KINDS = ("down", "hacked", "search", "collapse", "monitor", "ads")
"""What an emergency is about; "it works" ends only ``down`` and ``monitor`` ones."""


Found = tuple[str, str, int, int]
"""(kind, reason, first word, end) of an emergency in a sentence; the span is (0, 0) for
one read from a number (HTTP codes, percentages)."""


def emergency_of(s: str, low: str, words: Sequence[Word], cats: dict[str, list[Hit]],
                 site_context: bool = False) -> Found:
    """(kind, reason, span) of the emergency one sentence reports; kind ``""``: none,
    negated or hypothetical.

    ``site_context``: the message names a site, links one or names a domain somewhere,
    so «Не открывается!!!» in another sentence is about it."""
    if "planned" in cats or any(w.lemma in _OTHER_PARTY or w.raw in _OTHER_PARTY for w in words):
        return "", "", 0, 0
    if "others" in cats and not _ours_too(words):
        # «у части сайтов трафик просел» (``inscope.rules.whose``): not the project's
        return "", "", 0, 0
    return _emergency_of(s, low, words, cats, site_context)


_OR = frozenset(["or", "или", "либо"])
_NONE = frozenset(["ни", "not", "no", "без"])
_WHOLE_KINDS = frozenset(["down", "ads_off", "ads_paused"])
"""What is an emergency only of the whole: the site, the ads (not one page, one ad)."""


_OURS_SEARCHED = frozenset(["наш", "нас", "наши", "наша", "our", "us", "we", "we're", "сайт", "страница",
                            "site", "website", "page", "pages", "brand", "бренд"])
_THERE = frozenset(["в", "во", "на", "там", "in", "on", "there", "anymore", "больше"])


def _not_found(words: Sequence[Word], searched: Hit | None, missing: Sequence[Hit]) -> bool:
    """Looked for our pages in search, and they are not there («поискала в гугле наши
    страницы — их нет», "searched Google for our brand, we're nowhere") — the "not there"
    ends its clause or is of the results («нет в выдаче»), not «нет ли отзывов», "nothing
    wrong"."""
    if searched is None or not any(w.lemma in _OURS_SEARCHED or w.raw in _OURS_SEARCHED
                                   for w in words[searched.start:]):
        return False
    for m in missing:
        if m.start < searched.end:
            continue
        last = m.end - 1
        if words[last].flags & BREAK or last + 1 == len(words) or words[last + 1].raw in _THERE:
            return True
    return False


def firing(low: str) -> bool:
    """An alert that fires, by its format (``FIRING_RE``)."""
    return any(m in low for m in _ALERT_MARKS) and bool(FIRING_RE.search(low))


def alert_up(low: str) -> bool:
    """An alert's recovery, by its format (``ALERT_UP_RE``)."""
    return any(m in low for m in _ALERT_MARKS) and bool(ALERT_UP_RE.search(low))


def _of_a_part(words: Sequence[Word], h: Hit, parts: Sequence[Hit]) -> bool:
    """«одна страница не открывается», "one of the ads was disapproved": a part named in
    the failure's clause is a bug to fix, not the site or the ads down."""
    clause = clause_of(words, h.start, h.end)
    # «ни одно объявление», "not a single page": none of them, so all
    return any(p.start in clause and not any(w.raw in _NONE for w in words[max(0, p.start - 2):p.start])
               for p in parts)
_US = frozenset(["нас", "наш", "наша", "наше", "наши", "нашего", "нашей", "нам", "мы", "our", "ours",
                 "us", "we"])
_TOO = frozenset(["тоже", "также", "too", "also", "well"])


def _ours_too(words: Sequence[Word]) -> bool:
    """«у многих сайтов упал трафик, у нас тоже», "ours too": the others' failure is ours as well."""
    raws = {w.raw for w in words}
    return bool(raws & _US) and bool(raws & _TOO)


def _of_metric(words: Sequence[Word], col: Hit, metrics: Sequence[Hit]) -> bool:
    """A collapse word said of a number: the metric stands in its clause, or in the clause
    just before it where that ends on the metric or the collapse's clause is only the fall
    («заявки — ноль», "Traffic this week: almost zero") — not «…traffic might look odd,
    nothing needed from you», where the «nothing» is of something else."""
    clause = clause_of(words, col.start, col.end)
    if any(m.start in clause or col.start <= m.start < col.end for m in metrics):
        return True
    if clause.start == 0:
        return False
    before = clause_of(words, clause.start - 1, clause.start)
    short = len(clause) <= 3  # «Трафик за неделю: почти ноль» — the clause is only the fall
    return any(m.start in before and (short or m.end >= before.stop - 1) for m in metrics)


def _emergency_of(s: str, low: str, words: Sequence[Word], cats: dict[str, list[Hit]],
                  site_context: bool) -> Found:
    none = ("", "", 0, 0)
    benign = cats.get("benign", ())
    parts = cats.get("part", ())

    def alive(h: Hit, cat: str) -> bool:
        # «заблокируйте ботов» asks for something: an imperative reports nothing.
        return (not _imperative(words[h.start]) and not negated(words, h) and not hypothetical(words, h)
                and not any(b.start <= h.start < b.end or h.start <= b.start < h.end for b in benign)
                and not (cat in _WHOLE_KINDS and _of_a_part(words, h, parts)))

    def live(cat: str) -> Hit | None:
        return next((h for h in cats.get(cat, ()) if alive(h, cat)), None)

    if alert_up(low):
        return none  # "[Recovered] Website down": the alert's name, not a failure
    if live("alert_down") is not None or (firing(low) and _FAILING_RE.search(low)):
        return "monitor", "monitor reports the site DOWN", 0, 0
    crit = live("critical")
    m5 = HTTP_5XX_RE.search(low)
    if crit is not None and ("alert" in cats or m5) and not fix_told(words, cats):
        return "monitor", f"monitoring: {crit.label}", crit.start, crit.end
    # «5xx стало меньше», "the 500s are fixed" (but «502, заявок стало меньше» is bad news)
    good_news = ("fewer" in cats and "metric" not in cats) or fix_told(words, cats)
    if m5 and serves_a_code(low):
        m5 = None  # «503 отдавать на время переезда?», "should we return a 503?": a plan
    if m5 and not good_news and (m5.group(1) == "5xx" or "site" in cats or _HTTP_CONTEXT_RE.search(low)) \
            and not any(negated(words, h) or hypothetical(words, h) for h in cats.get("down", ())):
        return "down", f"HTTP {m5.group(1).upper()} errors", 0, 0
    fail = live("failure")
    if fail is not None:
        return "down", f"site not working: «{fail.label}»", fail.start, fail.end
    browser = _BROWSER_ERROR_RE.search(low)
    if browser:
        return "down", f"site not working: {browser.group().upper()}", 0, 0
    hack = live("hacked")
    if hack is not None and "?" in s and any(w.raw in _OR for w in words[:hack.start]):
        hack = None  # "is it real or phishing?": a doubt about a mail, not a break-in told
    if hack is not None:
        return "hacked", f"site hacked: «{hack.label}»", hack.start, hack.end
    ads = live("ads_off")
    if ads is None and "ours" not in cats:
        ads = live("ads_paused")
    if ads is not None:
        return "ads", f"ads not running: «{ads.label}»", ads.start, ads.end
    metric = "metric" in cats
    down = live("down")
    # "bookings are down ~15%", «трафик упал» are drops (below), not the site going down.
    if down is not None and ("site" in cats or site_context) and not (
            metric and (down.label in ("упасть", "падать", "лечь", "слететь", "не приходить")
                        or _PERCENT_RE.search(low))):
        return "down", f"site not working: «{down.label}»", down.start, down.end
    if _MASS_404_RE.search(low) and _WHOLE_404_RE.search(low) and not good_news:
        return "down", "pages answer 404 en masse", 0, 0
    if live("closed") is not None and "whole" in cats:
        return "search", "the whole site closed from indexing", 0, 0
    if _not_found(words, live("searched"), cats.get("missing", ())) or (
            "site:" in low and SITE_QUERY_EMPTY_RE.search(low)):
        return "search", "our pages not found in search", 0, 0
    de = live("deindex") if "not_yet" not in cats else None
    if de is not None:
        pages = [int(re.sub(r"\D", "", m.group(1))) for m in _PAGES_RE.finditer(s)]
        if not (de.label.startswith("removed") and pages and max(pages) < PAGES_AT_SCALE):
            return "search", f"falling out of search: «{de.label}»", de.start, de.end
    if re.search(r"исключ\w* из (?:поиска|индекса)|excluded from (?:the )?(?:index|search)", low):
        pages = [int(re.sub(r"\D", "", m.group(1))) for m in _PAGES_RE.finditer(s)]
        if pages and max(pages) >= PAGES_AT_SCALE:
            return "search", f"{max(pages)} pages excluded from search", 0, 0
    # the places are read only where the lexicon saw a place word (one regex, not on every sentence)
    fall = rank_fall(low) if "rank" in cats else None
    if fall and "expected" not in cats and not any(w.raw in _HYPO for w in words):
        return "collapse", f"positions fell from {fall[0]} to {fall[1]}", 0, 0
    if not metric or "expected" in cats:
        return none
    # a collapse word inside one clause, said of its metric (a match across a comma is not)
    col = next((h for h in cats.get("collapse", ())
                if not any(words[j].flags & BREAK for j in range(h.start, h.end - 1))
                and _of_metric(words, h, cats["metric"]) and alive(h, "collapse")), None)
    if col is not None and "rise" in cats and live("drop") is None:
        col = None  # «вырос вдвое», "doubled": the collapse word measures a growth
    if col is not None:
        return "collapse", f"collapse: «{col.label}»", col.start, col.end
    if "cost" in cats:
        return none  # «стоимость заявки снизилась на 40%», "bounce rate fell": good news
    drop = live("drop")
    minus = MINUS_PERCENT_RE.search(low)
    if minus and int(minus.group(1)) >= DROP_PERCENT and not any(
            hypothetical(words, h) for h in cats.get("metric", ())):
        return "collapse", f"drop of {minus.group(1)}%", 0, 0
    if drop is not None and live("sharp") is not None:
        return "collapse", f"a sharp fall: «{drop.label}»", drop.start, drop.end
    places = _POSITIONS_RE.search(low)
    if drop is not None and places and int(places.group(1) or places.group(2)) >= POSITIONS_AT_SCALE:
        return "collapse", f"{places.group(1) or places.group(2)} positions down", drop.start, drop.end
    instead = _INSTEAD_RE.search(low)
    if instead:
        now_n, before_n = (int(re.sub(r"\D", "", g)) for g in instead.groups())
        if before_n > now_n and 100 * (before_n - now_n) >= DROP_PERCENT * before_n:
            return "collapse", f"{now_n} instead of {before_n}", 0, 0
    if drop is not None:
        pct = max(_percent(low), _from_to_drop(low, any(
            h.label in ("позиция", "position", "ranking") for h in cats["metric"])))
        if pct >= DROP_PERCENT:
            return "collapse", f"drop of {pct}%", 0, 0
    return none
