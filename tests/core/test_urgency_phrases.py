"""Emergencies and look-alikes, phrased the ways clients, developers and monitors write them.

A labeled phrase list written for these tests from general knowledge of how sites fail and
how people and monitoring services say so (RU/EN) — not taken from eval/corpus.  Each
phrase is one message arriving ten minutes ago; *urgent* means it would break through
the reply windows now (``inscope.rules.urgency.thread_urgency``).  The lists are the
specification the lexicons are written against; the corpus only measures them.
"""

from __future__ import annotations

import pytest

from inscope.rules.signals import analyse
from inscope.rules.urgency import Entry, thread_urgency
from tests.helpers import URGENCY_NOW, urgent_now

NOW = URGENCY_NOW


SITE_DOWN = [
    # Russian: clients and developers
    "Сайт не открывается с утра, что случилось?",
    "У нас весь сайт лежит!!!",
    "сайт лег, клиенты звонят",
    "Сайт недоступен уже минут сорок",
    "Главная грузится бесконечно, крутится колёсико и всё",
    "Открываю сайт — белый экран",
    "На сайте вместо каталога пустая страница",
    "Сайт выдаёт 502 Bad Gateway",
    "при заходе на сайт ошибка 503",
    "504 Gateway Time-out на всех страницах",
    "Сайт отдаёт пятисотую ошибку",
    "Браузер пишет, что подключение не защищено — сертификат истёк",
    "У сайта слетел SSL, Хром показывает предупреждение",
    "Нас взломали, на главной висит чужая реклама",
    "С сайта идёт редирект на какое-то казино",
    "Сайт перекидывает на левый сайт с мобильных",
    "Хостинг заблокировал сайт за вирусы",
    "Домен не продлили, сайт не работает",
    "Корзина не работает, оформить заказ невозможно",
    "Оплата на сайте не проходит второй час",
    "Форма заявки перестала отправляться",
    "На сайте пишет «Ошибка соединения с базой данных»",
    "сайт падает каждые пять минут",
    "Сервер не отвечает, страницы не грузятся",
    "Яндекс в выдаче показывает, что наш сайт может быть опасен",
    "Ничего не грузится вообще, ни главная, ни каталог",
    "сайт умер",
    "сайт висит, страницы не открываются",
    "Личный кабинет не работает, клиенты не могут войти",
    "Сайт снова не работает, хотя вчера вечером всё починили",
    "Сайт отдаёт 502, заявок стало меньше",
    "Каталог вылетел, в выдаче одни ошибки",
    "У сайта истёк срок регистрации домена, открывается заглушка регистратора",
    # English: clients and developers
    "The site is down!",
    "Our website has been down for an hour",
    "Homepage is throwing a 500 error",
    "We're getting 502 Bad Gateway on every page",
    "503 Service Unavailable since 9am",
    "The page just keeps loading forever",
    "Site won't load on mobile or desktop",
    "Checkout is broken, customers can't pay",
    "We've been hacked — the homepage shows a pharma ad",
    "The site redirects visitors to a spam casino page",
    "SSL certificate expired, Chrome says Your connection is not private",
    "Getting NET::ERR_CERT_DATE_INVALID on the website",
    "This site can't be reached — ERR_CONNECTION_TIMED_OUT",
    "The website is showing a blank white page",
    "Nothing loads on the site, just a spinner",
    "There has been a critical error on this website.",
    "Cloudflare shows Error 522 connection timed out for our site",
    "Our store is offline",
    "Contact form stopped working, no leads since this morning",
    "Checkout broken, customers can't pay!!",
    "Site's down again even though you fixed it yesterday",
    "Форма не отправляет заявки, клиенты жалуются",
    "Корзина не принимает оплату картой",
    "Payments are failing at checkout since the update",
    "Не получается оформить заказ на сайте, выдаёт ошибку при оплате",
    "Товары массово отдают 404",
    "We're seeing 404s everywhere on the product pages",
    "В индексе появились сотни спам-страниц на китайском",
    "Someone injected Japanese spam pages into our site",
    "Весь каталог отдаёт 404, главная при этом открывается",
    "All product pages return 404. The homepage works.",
    "Клиенты не могут оплатить заказ, платёж не проходит",
    "Customers can't check out, payments keep getting declined",
    "ERR_TOO_MANY_REDIRECTS на всех страницах после переезда",
    "После настройки редиректов у нас бесконечный редирект на главной",
    "There's a redirect loop on the homepage since the migration",
    "Домен не резолвится, DNS не отвечает",
    "Hosting account suspended, the site shows a suspension page",
    "Хостинг приостановил аккаунт за неуплату, вместо сайта заглушка",
    "Не открывается!!! Срочно посмотрите",
    "Google shows 'This site may be hacked' under our results",
    "Chrome flags our site as a deceptive site, red warning screen",
]

DEINDEXED = [
    "Из индекса вылетело почти всё, в поиске осталось 12 страниц",
    "Страницы каталога пропали из выдачи Яндекса",
    "Нас вообще нет в Гугле даже по названию компании",
    "Яндекс исключил из поиска 3 200 страниц как малоценные",
    "Сайт попал под фильтр Баден-Баден",
    "В Вебмастере уведомление о санкциях за накрутку",
    "Весь сайт закрыт от индексации, стоит noindex на всех страницах",
    "после переезда сайт выпал из поиска",
    "Количество страниц в поиске резко уменьшилось с 4000 до 600",
    "Гугл выкинул нас из выдачи",
    "Яндекс вообще не находит нас по брендовому запросу",
    "Google deindexed our blog overnight",
    "Most of our pages dropped out of Google's index",
    "We disappeared from search results completely",
    "Search Console shows a manual action against the site",
    "Every page now has noindex and we're vanishing from Google",
    "A site: search returns zero results for us now",
    "Our product pages are no longer indexed",
    "We can't find ourselves on Google anymore",
]

COLLAPSE = [
    "Трафик из Яндекса упал в два раза за неделю",
    "Заявки просели вдвое",
    "Звонков с сайта ноль второй день",
    "С понедельника ни одной заявки с сайта",
    "Органика рухнула на 60%",
    "Позиции улетели из топ-10 по всем запросам",
    "Посещаемость снизилась с 3000 до 900 в день",
    "продажи упали на 45% к прошлой неделе",
    "конверсия обвалилась",
    "Трафик минус 50% неделя к неделе",
    "Organic traffic dropped 40% week over week",
    "Leads went to zero after the update",
    "Our rankings tanked overnight",
    "Sessions halved since Monday",
    "Orders fell from 120 to 30 a day",
    "We lost about 70% of our organic clicks",
    "Sign-ups have completely dried up",
    "Traffic is down by half compared to last week",
    "Сайт работает нормально, но трафик из Яндекса упал на 40% — что случилось?",
    "Bookings down 40% vs last week",
    "Заявки просели на 45% по сравнению с прошлой неделей",
    "The site loads fine but organic sessions dropped 50% overnight",
    "Трафик упал на 40% после того, как вы исправили редиректы",
    "Органика упала на 45%. Мы исправили тайтлы, как вы советовали, сайт работает.",
    "Traffic dropped 40% after you fixed the redirects. The site works fine. What happened?",
    "Сайт опять лежит, хотя вчера хостер всё исправил",
    "Сайт вчера лежал, и сегодня опять лежит",
    "Трафик резко упал после обновления",
    "Позиции катастрофически просели по всем запросам",
    "Organic traffic dropped sharply yesterday and hasn't come back",
    "We're seeing a massive drop in Google clicks this week",
    "Количество страниц в индексе быстро уменьшается",
    "Заявок нет совсем уже второй день",
    "No leads since Friday, not a single form submission",
    "Позиции упали на 20 пунктов по главным запросам",
    "We dropped 15 positions for our main keyword overnight",
    "В поиске 120 страниц вместо 2000",
]

BLOCKERS = [
    "Релиз сегодня в 16:00, без вашей таблицы редиректов мы не можем выкатывать",
    "Кампания стартует через два часа, без ваших правок не можем запуститься",
    "We go live today at 3pm and are blocked on your redirect map",
    "Need the meta tags by EOD or we can't ship the release",
    "Срочно, до 14:00 нужен ответ по переезду, иначе программисты стоят",
    "Программисты ждут только вас, дедлайн сегодня",
    "Запуск сегодня в 18:00 — успеете проверить редиректы?",
    "We're going live today, can you confirm the canonical tags before 2pm?",
]

MONITORS = [
    "Monitor is DOWN: shop.example.ru (https://shop.example.ru) Reason: Connection Timeout",
    "Pingdom alert: example.com is DOWN",
    "StatusCake: Website Down Alert — example.com, status code 503",
    "Яндекс.Вебмастер: на сайте example.ru обнаружены критичные проблемы. Сайт отвечает с ошибкой 5xx",
    "Search Console: Server error (5xx) detected on example.com",
    "[FIRING:1] SiteDown example.com (HTTP probe failed)",
    "Яндекс Метрика: сайт example.ru недоступен",
    "Better Stack: Monitor example.com went down",
    "Zabbix PROBLEM: example.ru is unavailable by HTTP",
    "Uptime Kuma: [example.com] [🔴 Down] timeout of 48000ms exceeded",
    "[Triggered] Website down: example.com returned 503",
    "Problem: example.ru HTTP check failed",
    "Search Console: New manual action on example.com",
    "Вебмастер: на сайте example.ru обнаружен вредоносный код",
    "Monitor is DOWN: example.com. We'll notify you as soon as it is UP again.",
    "Мониторинг: сайт example.ru недоступен. Мы сообщим, когда он снова будет доступен.",
    "Pingdom: example.com is DOWN. You will receive an UP alert when it recovers.",
    "Hi, the monitor example.com is currently DOWN (Connection Timeout). "
    "UptimeRobot will alert you when it is back up.",
    "Monitor is DOWN: example.com. The monitor was up for 12 days before this.",
]

ADS_STOPPED = [
    # what the client pays for is off: context and targeted ads
    "Объявления не показываются",
    "Кампании остановлены, деньги на балансе закончились",
    "Директ остановил показы, реклама не крутится",
    "Аккаунт Google Ads заблокирован",
    "Все объявления отклонены модерацией",
    "Реклама не крутится с утра",
    "В рекламном кабинете ВК ноль показов со вчерашнего вечера",
    "Бюджет в Директе закончился, кампании встали",
    "Our Google Ads account got suspended",
    "Ads stopped running this morning",
    "Campaigns are paused and not spending",
    "All our ads have been disapproved",
    "The Facebook ad account is blocked",
]

ENGINE_FIRST = [
    # the engine named before the fall, or the engine as the one who acts
    "Из Яндекса выпало пол сайта",
    "Из поиска пропали все карточки товаров",
    "Yandex removed most of our pages from search",
    "Google dropped us from the index",
    "Позиции просели на 20-30 пунктов",
    "Rankings fell 15-20 positions overnight",
]

EMERGENCIES = ENGINE_FIRST + SITE_DOWN + DEINDEXED + COLLAPSE + BLOCKERS + MONITORS + ADS_STOPPED

NOT_EMERGENCIES = [
    # past, resolved
    "Сайт вчера ночью лежал минут 20, хостер уже всё починил",
    "Monitor is UP: example.com. It was down for 3 minutes.",
    "Pingdom: example.com is UP again after 4 minutes of downtime",
    "Was the site down last night? I saw a blip but it's fine now",
    "Сайт работает нормально, проверили",
    "We had an outage last week, all good since",
    "Был сбой у хостера в понедельник, сейчас всё стабильно",
    "Вчера упал трафик из-за праздника, сегодня уже восстановился",
    "The 502s are gone after the restart",
    "Починили, сайт открывается",
    "Ложная тревога — сайт работает, это был сбой мониторинга",
    "Yesterday's traffic drop was a Metrica glitch, the data is back",
    "Host migration done, DNS propagated, everything is up",
    "В прошлом месяце сайт падал пару раз, можно ли поменять хостинг?",
    "Looks like the 500 errors were a one-off, none since midnight",
    "Pingdom weekly report: 2 outages, total downtime 6 min",
    "UptimeRobot monthly report: 99.98% uptime",
    "The server was rebooted for updates at 3am, no downtime",
    "Сайт лежал минут десять, но уже подняли",
    "The site went down for ten minutes but it's back up now",
    "Трафик упал на 40%, но уже восстановился",
    "У нас падал сайт утром, сейчас всё работает",
    # negated
    "Сайт не упал, просто немного медленно грузится",
    "Нет, сайт не лежит, это у вас кэш",
    "The site isn't down, it's your VPN",
    "Сайт не взломан, проверили антивирусом",
    "Don't panic, it's not a penalty, just a core update fluctuation",
    "Как вы думаете, не выпадут ли страницы из индекса после смены URL?",
    "Чтобы страницы не выпали из индекса, настройте 301-е редиректы",
    "Make sure the new pages don't drop out of the index",
    # hypothetical, conditional, planned
    "Если сайт вдруг упадёт — пишите в чат",
    "Что будет с позициями, если сайт ляжет на час при переезде?",
    "If traffic drops by more than 30%, let us know",
    "Плановые работы на хостинге в ночь на субботу, сайт может быть недоступен 10 минут",
    "Scheduled maintenance tonight 2-3am, the site may be unavailable",
    "Your SSL certificate for example.com expires in 14 days",
    "SSL-сертификат истекает через 30 дней, продлите заранее",
    "Напоминаю: домен нужно продлить до 1 декабря",
    "Если сайт не работает — звоните дежурному: +7 999 000-00-00",
    # small or good changes, other metrics
    "Traffic dipped 5% this week, probably seasonal",
    "Трафик вырос на 40%!",
    "Position for the main query went from 3 to 4",
    "Одна страница отдаёт 404, поправьте, когда будет время",
    "Заявок стало чуть меньше, минус 10%",
    "Бюджет на рекламу урезали вдвое",
    "Цены снизили на 30% к распродаже",
    "We reduced the page weight by 50%",
    "Bounce rate dropped 35% after the redesign",
    "Время загрузки упало на 40%",
    "Ошибок 404 стало в два раза меньше",
    "Количество 5xx ошибок снизилось до нуля",
    "Посмотрите, пожалуйста, почему у статьи упал CTR на 2%",
    "Позиции немного просели, на 2–3 пункта",
    "Отправила отчёт: трафик +15%, заявки +8%",
    "Трафик на выходных всегда падает, это нормально",
    "Заказов меньше, чем в прошлом году, на 12%",
    "Could you look at why the blog post fell from position 5 to 8?",
    "Мы в топ-3 по всем запросам 🎉",
    # housekeeping of the index
    "В индекс добавлено 150 новых страниц",
    "Яндекс исключил из поиска 5 страниц-дублей, это нормально",
    "Robot excluded 12 pages as duplicates",
    "Закрыли от индексации страницы фильтров, как вы советовали",
    "We noindexed the tag pages as planned",
    "Удалили старые страницы из индекса через Вебмастер, как договаривались",
    "Search Console: your Core Web Vitals report is ready",
    "Яндекс.Вебмастер: изменения в поиске — 12 страниц добавлено, 3 исключено",
    # other senses of the words
    "Please scroll down to the pricing section",
    "Write down the new password somewhere safe",
    "Down payment is due on Friday",
    "Курс доллара упал, пересчитайте бюджет",
    "Are you down for a quick call about the website tomorrow?",
    "Файл с отчётом лежит в общей папке",
    "Все материалы лежат на диске, ссылка в письме",
    "Конкурент выпал из топа, а мы поднялись",
    "Our competitor's site is down lol",
    "Make the checkout button stand out more, it looks broken on the mockup",
    "Please fix the broken links on the blog when you can",
    "Битые ссылки на сайте поправьте, пожалуйста",
    # jokes, signatures, deadlines without a blocker
    "Я чуть со стула не упала от счёта 😅",
    "сайт лёг бы, если бы не кэш )))",
    "Чуть сервер не положили своей рассылкой, ахаха",
    "For anything urgent: +7 999 000-00-00",
    "Срочно нужен кофе 😂",
    "Не срочно, но глянь, пожалуйста, тайтлы",
    "Пришлите, пожалуйста, отчёт по позициям до конца дня",
    "Сегодня созвон в 15:00, не забудьте",
    "Дедлайн по статьям — пятница",
    "Срочно не надо, но до конца недели бы",
    "Позиции немного просели, ничего страшного",
    "Трафик слегка упал, на пару процентов",
    "Запуск в следующий вторник, пришлите редиректы до пятницы",
    "Релиз сегодня прошёл успешно, спасибо!",
    "Файл не открывается!! Пришлите ещё раз",
    "Ссылка не работает!! Можете перепроверить?",
    "Трафик минус 35% к прошлому году из-за сезонности — это нормально",
    "Traffic is down 40% year over year, which is expected after the holidays",
    "Нет, заявки идут нормально",
    "[FIRING:1] HighCPUUsage on build server",
    "Uptime Kuma: [example.com] [✅ Up] 200 - OK",
    "[Recovered] Website down: example.com",
    "Resolved: example.ru HTTP check failed",
    # counts, not HTTP statuses; growth, not collapse
    "Купили 502 ссылки, отчёт в приложении",
    "Собрали 500 ключей для семантики, файл на сайте в админке",
    "Трафик вырос вдвое!",
    "Organic traffic doubled, the rankings jumped by half a page",
    # meant so, or not the live site
    "Сайт на старом домене не открывается — так и задумано, редирект на новый",
    "Тестовый сайт не открывается, дайте доступ",
    "The staging site is down again, no rush",
    # ads paused on purpose, hypothetical outages
    "Кампании остановили на праздники по нашей просьбе",
    "Мы приостановили рекламу в Директе до понедельника",
    "We paused the campaigns for the holidays",
    "Should the site go down during the migration, call me",
    "In case the site goes down tonight, the host's number is in the doc",
]


@pytest.mark.parametrize("text", EMERGENCIES)
def test_emergencies_break_through(text: str) -> None:
    assert urgent_now(text), text


@pytest.mark.parametrize("text", NOT_EMERGENCIES)
def test_look_alikes_do_not(text: str) -> None:
    assert not urgent_now(text), f"{text!r} → {urgent_now(text)}"


def _entries(*msgs: tuple[str, str, float]) -> list[Entry]:
    """(who: "client" | "me" | "team" | "bot", text, minutes ago) → urgency entries."""
    return [Entry(who == "me", NOW - mins * 60, analyse(text), chasing=who == "client")
            for who, text, mins in msgs]


THREADS: list[tuple[list[tuple[str, str, float]], bool]] = [
    ([("client", "сайт не открывается", 40), ("me", "смотрю", 35),
      ("client", "всё ещё не работает", 5)], True),
    ([("client", "The site is down", 40), ("me", "On it", 35), ("client", "thanks!", 30)], False),
    ([("bot", "Monitor is DOWN: example.com", 30), ("bot", "Monitor is UP: example.com", 20)], False),
    ([("bot", "Monitor is DOWN: example.com", 300), ("bot", "Monitor is UP: example.com", 280),
      ("bot", "Monitor is DOWN: example.com", 10)], True),
    ([("client", "у нас 502 на главной", 60), ("team", "перезапустили, работает", 30)], False),
    ([("client", "сайт лежит", 120), ("me", "подняли", 90), ("client", "опять упал", 5)], True),
    ([("client", "трафик упал вдвое", 3 * 24 * 60)], False),
    ([("client", "сайт лежит", 30), ("client", "а, всё, заработал", 20)], False),
    ([("client", "site down, 502 everywhere", 60), ("me", "fixed?", 30),
      ("client", "nope, still getting 502", 5)], True),
    ([("client", "сайт не работает", 60), ("me", "проверила — у меня открывается", 40),
      ("client", "у нас тоже уже открывается, спасибо", 20)], False),
    ([("client", "белый экран на главной", 60), ("me", "почистили кэш, проверьте", 40),
      ("client", "Не помогло, снова белый экран", 5)], True),
    ([("client", "Pages are falling out of Google", 90), ("me", "checking Search Console", 80),
      ("client", "any news? still losing pages", 10)], True),
    ([("team", "Сайт лёг, поднимаю", 50), ("team", "Поднял, всё открывается", 30)], False),
    ([("bot", "Pingdom alert: example.com is DOWN", 25),
      ("bot", "Pingdom alert: example.com is UP again", 15)], False),
    ([("bot", "[FIRING:1] SiteDown example.com", 25), ("bot", "[RESOLVED] SiteDown example.com", 15)],
     False),
    ([("client", "Оплата не проходит", 50), ("me", "Передала разработчику", 45),
      ("client", "Так и не проходит, клиенты жалуются", 5)], True),
    # "working on it" is no "it works"; a ticket raised is no fix
    ([("client", "Сайт не открывается!", 30), ("team", "Работаем над этим", 20)], True),
    ([("client", "The site is down", 30), ("team", "We're working on it", 20)], True),
    ([("client", "Сайт лежит", 30), ("team", "Подняли тикет у хостера, ждём", 20)], True),
    ([("client", "главная не открывается", 30), ("client", "с телефона открывается, с компа нет", 20)],
     True),
    ([("client", "сайт лежит", 40), ("team", "Подняли сервер, всё открывается", 20)], False),
    # the site working does not end a fall in search or a traffic drop
    ([("client", "Нас нет в выдаче Яндекса по главным запросам", 40),
      ("client", "Сайт при этом открывается нормально", 30)], True),
    ([("client", "Traffic dropped 60% since Friday", 40), ("team", "The site is up and loads fine", 30)],
     True),
    ([("client", "Трафик упал вдвое", 40), ("team", "Нашли причину и исправили robots.txt", 20)], False),
    ([("bot", "Monitor is DOWN: example.com", 40), ("client", "у меня открывается", 20)], False),
    # an outage reported yesterday and still going today is now
    ([("client", "Сайт не открывается", 30 * 60), ("me", "Передала хостеру", 29 * 60),
      ("client", "Всё ещё не работает!", 15)], True),
    ([("client", "Traffic dropped 50% over the weekend", 40 * 60),
      ("client", "Any news? It's still going down", 30)], True),
    ([("client", "Сайт не открывается", 30 * 60), ("client", "Спасибо, что разобрались", 20 * 60)],
     False),
    # a follow-up needs no site word of its own: the thread is about the site
    ([("client", "Сайт лежит", 90), ("me", "Подняли, проверьте", 60),
      ("client", "Снова не открывается", 5)], True),
    ([("client", "The homepage is down", 90), ("me", "Restarted it", 60),
      ("client", "Not loading again", 5)], True),
    ([("bot", "[Triggered] Website down: example.com", 40), ("bot", "[Recovered] Website down: example.com", 20)],
     False),
    ([("bot", "Problem: example.ru HTTP check failed", 40), ("bot", "Resolved: example.ru HTTP check failed", 20)],
     False),
]


@pytest.mark.parametrize(("msgs", "urgent"), THREADS)
def test_threads(msgs: list[tuple[str, str, float]], urgent: bool) -> None:
    assert bool(thread_urgency(_entries(*msgs), NOW)) == urgent, msgs


def test_the_lists_are_big_and_varied() -> None:
    assert len(EMERGENCIES) + len(NOT_EMERGENCIES) + len(THREADS) >= 150
    assert len(set(EMERGENCIES)) == len(EMERGENCIES)
    assert len(set(NOT_EMERGENCIES)) == len(NOT_EMERGENCIES)
    latin = sum(1 for t in EMERGENCIES + NOT_EMERGENCIES if not any("а" <= c <= "я" for c in t.lower()))
    assert latin >= 50, "English phrasings too"
