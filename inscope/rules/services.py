"""The agency's services, RU/EN with synonyms: what a client *asks for*, mapped to a service.

``SERVICES`` is the built-in lexicon (documented in docs/triage.md): each service has a
label, the patterns (``inscope.rules.lexicon`` syntax, matched by lemma) that *name* it
(«логотип», "SMM", «контекстная реклама», «фотосъёмка») and the *objects* it makes
(«сайт», «лендинг», «видео», «статья», "Instagram").  An object names the service only
when the request reaches it: «нам бы новый лендинг», «можете переделать форму?», "could
you manage our Instagram?" — not «посмотрите тайтлы на лендинге», "can you check whether
the landing page is indexed?" (a verb that is not one of making stands between).  A
project's ``services`` strings are mapped onto these keys by the same patterns
(``контекстная реклама`` → ``ppc``, ``link building`` → ``seo``, ``контент-план`` → ``seo``:
the longest name wins), so the contract is read in the same words the client writes.

A *request* is a sentence that asks for work: an imperative («сделайте», «нарисуйте»), a
request or need word, direct or indirect («можете», «не могли бы вы», «нам бы», «было бы
здорово, если бы», «кто у вас делает», "can you", "would it be possible", "we'd love"), a
question in the second person («настроите цели?», «вы ведёте SMM?») — not a negated need
(«баннер не нужен», «это не к вам»), not "do we need", not "I'd like to know".  A wish or
a price asked («было бы классно…», «сколько возьмёте за…», "what's your rate for…") asks only
with the service it names (``WISH_CUES``); asking her to recommend someone else
(``REFERRALS``) asks for advice, not for the agency's work.  Only a
service named inside a request sentence is requested: «сменили дизайн главной, заявок
стало меньше» mentions design and asks for nothing.

Why one module of this size: most of it is the services lexicon; ``request_of`` reads a
sentence against that lexicon's categories, and the forms it does not see are apart
(``inscope.rules.request_forms``).
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence

from inscope.rules.lemmas import BREAK, IMPR, NEG, PAST, VERB, YOU
from inscope.rules.lexicon import Hit, PhraseSet, Word
from inscope.rules.request_forms import (
    NEEDS,
    by_what_means,
    feasibility,
    own_staff,
    proposal,
    spans_proposal,
    who_does_it,
)

# Verbs of making: an object after them (or after a request with no other verb between)
# is what the client wants made.
_MAKE = ("сделать|создать|разработать|разрабатывать|собрать|сверстать|переделать|доработать|"
         "запустить|заказать|build|create|develop|code|launch")
_SOC = ("фейсбук|facebook|инстаграм|инстаграмм|instagram|инста|тикток|tiktok|одноклассники|соцсеть|"
        "вк|вконтакте|telegram|телеграм|телеграмм")
_WEB = "сайт|лендинг|приложение|магазин|портал|website|site|landing|app|store|portal"

LAYOUT: tuple[str, ...] = (
    "съезжать|съехать|уехать|разъехаться|разъезжаться|наезжать|налезать|перекрывать|обрезаться|"
    "вылезать|поехать|прыгать|дергаться|скакать", "кривой верстка", "криво … отображаться|показываться",
    "=misaligned", "=overlaps|=overlapping", "layout … broken|=off|=messed", "=cut off on",
)
"""A broken layout named by its symptom (a web development fix, not SEO)."""
_EDIT_VERBS = ("поменять|изменить|обновить|заменить|исправить|поправить|убрать|удалить|добавить|"
               "поставить|разместить|перенести|сдвинуть|увеличить|уменьшить|вставить|загрузить|"
               "выложить|залить")
_EDIT_VERBS_EN = "update|change|replace|swap|remove|add|put|move|edit|fix|correct"
_EDIT_OBJECTS = ("цена|прайс|стоимость|телефон|номер|адрес|контакты|реквизиты|часы|график|режим|"
                 "фото|фотография|картинка|изображение|меню|кнопка|шрифт|цвет|шапка|футер|подвал|"
                 "тариф|слайдер|виджет|попап|чат|акция|плашка|блок|товар|опечатка")
_EDIT_OBJECTS_EN = ("price|prices|phone|number|address|hours|photo|photos|image|images|picture|"
                    "pictures|menu|button|font|colour|color|colours|colors|footer|header|slider|"
                    "widget|popup|pop-up|chat|map")
SITE_EDITS: tuple[str, ...] = (
    f"{_EDIT_VERBS} … {_EDIT_OBJECTS}", f"{_EDIT_VERBS_EN} … {_EDIT_OBJECTS_EN}",
    "chat widget", "live chat", "онлайн чат", "чат на сайт",
)
"""Edits of what the site shows, phrased as a site edit («поменяйте цены в каталоге», "can you
update the phone number in the footer"); an SEO thing named in the same request wins
(«поменяйте телефон в карточке организации» is local SEO)."""

SERVICES: dict[str, tuple[str, tuple[str, ...], tuple[str, ...]]] = {
    "seo": ("SEO", (
        "seo", "сео", "поисковый продвижение", "продвижение сайта", "seo продвижение",
        "оптимизация сайта", "семантика", "семантический ядро", "ключевой слово", "ключи",
        "keyword research", "аудит", "audit", "ссылка", "ссылочный", "линкбилдинг",
        "link building", "backlink", "outreach", "индексация", "индекс", "index", "indexing",
        "=indexed", "мета тег", "метатег", "meta tag", "meta description", "мета описание", "title", "description", "тайтл",
        "canonical", "sitemap", "карта сайта", "robots", "hreflang", "=alt", "=h1", "=h2",
        "noindex", "nofollow", "микроразметка", "дубль", "redirect", "редирект", "позиция", "ranking",
        "rankings", "контент план", "content plan", "локальный seo", "local seo",
        "технический seo", "technical seo", "перелинковка", "internal linking", "schema",
        "разметка", "сниппет", "snippet", "яндекс бизнес", "карточка организации", "2гис",
        "google business profile", "google my business",
        # texts and links written for search are SEO work, not copywriting or PR
        "seo текст", "seo статья", "seo копирайтинг", "seo content", "seo copy", "seo article",
        "seo text", "текст под ключ|ключи|семантика", "гостевой пост", "guest post", "guest posting",
        "крауд", "крауд маркетинг", "crowd marketing", "крауд ссылка",
    ), ()),
    "serm": ("reputation (SERM)", (
        "serm", "репутация", "управление репутацией", "reputation management", "отзыв", "review",
        "reviews", "online reviews", "orm", "негатив", "негативный отзыв", "negative review",
        "репутационный", "работа с отзывами",
    ), ()),
    "ppc": ("context ads", (
        "контекстный реклама", "директ", "яндекс директ", "google ads", "adwords", "ppc",
        "paid search", "search ads", "поисковый реклама", "рся", "cpc кампания",
        "реклама в яндекс", "яндекс реклама", "реклама в google", "реклама в гугл",
        "performance max", "shopping ads", "merchant center", "bing ads", "google shopping",
        "ретаргетинг", "ремаркетинг", "retargeting", "remarketing", "медийный реклама",
        "display ads", "display advertising", "баннерный реклама", "реклама на картах",
        "yandex direct", "yandex ads", "реклама в|на поиск", "поисковый кампания",
        "search campaign", "=bids", "ставка в|на директ|google|гугл|яндекс",
        "гугл адс", "гугл реклама", "контекстолог", "ppc specialist", "google ads campaign",
        "кампания в директ|директе", "реклама в сетях", "гугл эдс",
    ), ("контекст",)),
    "ads": ("advertising", (
        "реклама", "рекламный кампания", "ads", "advertising", "ad campaign", "paid ads",
        "paid campaign", "платный трафик", "paid traffic",
    ), ()),
    "targeted": ("targeted ads", (
        "таргет", "таргетинг", "таргетированный реклама", "=targeting", "=targeted ads",
        "targeted advertising", "vk реклама", "реклама в|во вк|вконтакте",
        "tiktok|facebook|instagram|meta|linkedin|vk ad|ads", "tg ads", "telegram ads",
        "реклама в telegram|телеграм", "paid social", "mytarget", "майтаргет", "vk ads",
        "реклама в|во|на " + _SOC, "рекламный кампания в|во|на " + _SOC,
        "run|launch|start|set … tiktok|facebook|instagram|meta|linkedin|vk ad|ads|advertising|campaign",
        "таргетолог", "настроить … таргет", "social ads", "meta ads", "реклама в соцсетях",
    ), ()),
    "smm": ("SMM", (
        "smm", "смм", "social media", "соцсеть", "социальный сеть", "ведение соцсетей",
        "ведение|вести|продвигать|продвижение|раскрутить|оформить|оформление … соцсеть|группа|"
        "паблик|сообщество|канал|аккаунт|инстаграм|инстаграмм|вк|вконтакте|тикток|телеграм|"
        "телеграмм|фейсбук|ютуб|youtube|telegram|facebook|instagram",
        "manage|run|grow|handle … instagram|facebook|tiktok|linkedin|youtube|channel|account|page",
        "take over … instagram|facebook|tiktok|linkedin|youtube|channel|account|page|vk|group|telegram",
        "контент для соцсетей", "блогер", "influencer", "инфлюенсер", "телеграм канал",
        "telegram канал", "посты в", "пост для", "social media post", "=social posts",
        "контент план … " + _SOC + "|канал|группа|паблик|сторис",
        "content plan … instagram|facebook|tiktok|telegram|social|channel|linkedin",
        # the agency price-list words: running groups, bloggers and paid placements in channels
        "blogger", "influencer marketing", "влог", "посев", "посевы в телеграм", "закупка рекламы",
        "social media management", "community management", "комьюнити менеджмент",
        "smm менеджер", "smm manager", "social media manager", "ведение групп",
    ), (
        "instagram", "инстаграм", "инстаграмм", "инста", "insta", "группа вк", "группа вконтакте",
        "группа в вк", "группа в вконтакте", "сообщество вк", "паблик", "страница в вк", "вк",
        "вконтакте", "facebook", "tiktok", "тикток", "youtube", "ютуб", "linkedin", "pinterest",
        "сторис", "stories", "reels", "рилс", "пост", "post",
    )),
    "design": ("design", (
        "дизайн", "редизайн", "логотип", "лого", "logo", "баннер", "banner", "нарисовать",
        "draw", "redesign", "design", "макет", "иконка", "фирменный стиль", "брендбук",
        "brand book", "brandbook", "branding", "айдентика", "креатив", "creative", "визуал",
        "mockup", "обложка", "визитка", "листовка", "флаер", "буклет", "презентация",
        "инфографика", "иллюстрация", "icon", "illustration", "flyer", "brochure",
        "business card", "packaging", "упаковка", "этикетка", "ui", "ux", "графика",
        "graphic", "оформление сайта", "визуальный оформление", "фотошоп", "photoshop",
        "фирменный бланк", "корпоративный стиль", "brand identity", "visual identity",
        "brand guidelines", "style guide", "pitch deck", "slide deck", "infographic",
        "полиграфия", "плакат", "постер", "poster", "leaflet", "вывеска", "signage", "стикер",
        "стикерпак", "sticker", "мерч", "merch", "шаблон для сторис", "аватарка", "favicon",
        # a new look asked for without a design word: «покрасивее», "a fresh look"
        "fresh|new|modern|nicer|better look", "refresh|update … =look|=looks", "look nicer|better|prettier|"
        "modern|fresher", "=prettier", "красивее", "покрасивее", "посовременнее", "поярче",
        "внешний вид",
    ), ("картинка", "изображение", "image", "picture", "graphics")),
    "photo": ("photo and video", (
        "фотосъемка", "фотограф", "photography", "photoshoot", "photo shoot", "сфотографировать",
        "фотосессия", "видеосъемка", "съемка", "видеограф", "videographer", "video production",
        "монтаж", "смонтировать", "монтировать", "видеомонтаж", "ретушь", "обработать фото", "shoot",
        "предметный съемка", "product photo", "product photography", "video editing",
        "edit … video|videos|reel|reels|clip|footage", "промо ролик", "promo video",
        "explainer video", "анимация", "animation", "моушн", "motion design", "подкаст", "podcast",
        "снять … товар|видео|ролик|видеоролик|видеообзор|обзор|фото|клип",
    ), (
        "фото", "фотография", "фотки", "photo", "видео", "ролик", "видеоролик", "видеообзор",
        "video", "clip",
    )),
    "webdev": ("web development", (
        "сайт под ключ", "разработка … " + _WEB, "техподдержка|поддержка|сопровождение сайта",
        "website maintenance", "site maintenance", "maintain|support … site|website",
        "поддерживать|обслуживать … сайт", "push уведомление", "веб разработка", "web development",
        "website development", "app development", "web developer", "верстка", "сверстать",
        "программист", "crm", "битрикс24", "чат бот", "chatbot", "виджет", "плагин", "plugin",
        "интеграция с", "доработка сайта", "доработать сайт", "=make a|an|us … " + _WEB,
        # the price-list words of web work: integrations, bots, booking, a move to another CMS
        "integrate|integration … crm|1c|1с|hubspot|salesforce|amocrm|erp", "crm integration",
        "чатбот", "бот для|в telegram|телеграм|телеграмм|whatsapp|вк|сайт", "telegram bot",
        "whatsapp bot", "chat bot", "виджет записи", "форма записи", "online booking", "booking system",
        "booking widget", "корзина на сайт",
        "перенести|перенос|переехать|переезд|сменить … cms|движок|платформа|тильда|битрикс|wordpress|"
        "вордпресс|opencart|modx|joomla|shopify|webflow",
        "migrate|migration|move … cms|wordpress|shopify|webflow|tilda|bitrix|platform",
        "веб студия", "web studio", "=redo the site|website",
        # … and a shop's own machinery built onto the site: a cart, a checkout
        f"{_MAKE} … {_WEB}|форма|калькулятор|кабинет|квиз|бот|корзина|form|calculator|quiz|"
        "checkout|cart", "shopping cart",
        # edits to the site itself (its parts, its payments, its hosting), not to its SEO
        "кнопка", "button", "футер", "footer", "хедер", "header", "подвал сайта", "шапка сайта",
        "online payment", "payment gateway", "эквайринг", "прикрутить", "оплата картой", "оплата на сайт",
        "подключить|прикрутить … оплата|платеж|эквайринг",
        "прием оплата|платеж", "платежный модуль|система|шлюз",
        "перенести|переехать|сменить|поменять … хостинг|сервер",
        # the site's layout broken: «меню съезжает на мобильном», "the header overlaps"
        *LAYOUT,
        "move|=moved|migrate|=migrated … host|hosting|server",
    ), (
        "сайт", "лендинг", "landing page", "landing", "новый сайт", "new site", "new website",
        "website", "приложение", "мобильный приложение", "app", "mobile app", "интернет магазин",
        "online store", "личный кабинет", "форма заявки", "форма обратной связи", "contact form",
        "калькулятор", "квиз", "мобильный версия", "mobile version", "адаптив", "тильда", "tilda",
        "wordpress", "вордпресс", "форма", "form", "битрикс", "bitrix", "1с", "1c", "amocrm", "амо",
        "hubspot", "salesforce", "opencart", "modx", "joomla", "shopify", "webflow", "главный страница", "главный", "homepage", "home page",
    )),
    "copywriting": ("copywriting", (
        "копирайтинг", "copywriting", "копирайтер", "copywriter", "рерайт", "rewrite",
        "написать|писать|подготовить|переписать … статья|текст|пост|описание|контент",
        "write|draft … article|post|copy|content|description|text", "blog post", "blog article",
        "статья для блога", "статья в блог", "тексты для", "описание … товар|товаров|продукт",
        "product description", "content writing", "слоган", "нейминг", "slogan",
        "tagline", "копирайт", "продающий текст", "sales copy", "ad copy", "website copy",
    ), ("контент", "content", "статья", "article", "текст")),
    "marketplaces": ("marketplaces", (
        "маркетплейс", "авито", "ozon", "озон", "wildberries", "вайлдберриз", "яндекс маркет",
        "marketplace", "amazon", "etsy", "ebay", "вб", "wb", "мегамаркет", "сбермегамаркет",
        "avito",
        "карточка на|для маркетплейс|озон|ozon|wildberries|вайлдберриз|вб|wb|авито|avito",
    ), ()),
    # app store optimisation: an app's place in the stores' search is not the site's SEO
    "aso": ("ASO", (
        "aso", "app store optimization", "app store optimisation", "продвижение приложение",
        "higher|rank|ranking|rankings|top|топ|позиция|выше … app store", "app store … search|поиск|"
        "ranking|rankings|выдача|топ|позиция", "higher|rank|ranking|rankings|top|топ|позиция|выше … google play",
        "google play … search|поиск|ranking|rankings|выдача|топ|позиция",
        "поднять|продвинуть|продвигать … приложение … app|google|appstore|rustore|appgallery",
    ), ()),
    "translation": ("translation", (
        "перевести|перевод … на английский|немецкий|китайский|язык|сайт|текст|статья",
        "перевод сайта", "translate", "translation", "localization", "локализация",
    ), ()),
    "email": ("e-mail marketing", (
        "рассылка", "email рассылка", "e-mail маркетинг", "email маркетинг", "email marketing",
        "email campaign", "newsletter", "mailing", "письма для рассылки", "sms рассылка",
        "sms campaign", "триггерный письмо", "email цепочка", "цепочка писем", "drip campaign",
        "email automation", "email sequence", "welcome series", "mailchimp", "unisender",
        "sendpulse", "email template", "шаблон письма", "push рассылка", "whatsapp рассылка",
    ), ()),
    "analytics": ("analytics", (
        "аналитика", "веб аналитика", "сквозной аналитика", "google analytics", "ga4",
        "дашборд", "dashboard", "настроить|настройка … метрика|цель|ga4|аналитика|счетчик|коллтрекинг",
        "цель в метрике", "коллтрекинг", "call tracking", "google tag manager", "gtm",
        "tag manager", "looker studio", "conversion goal", "set … tracking|goal|ga4|analytics",
        "колтрекинг", "roistat", "ройстат", "calltouch", "коллтач", "end to end analytics",
        "datalens", "power bi", "utm метка", "utm tag", "bi отчет", "сквозняк",
    ), ()),
    "pr": ("PR", (
        "пиар", "pr", "публикация в сми", "press release", "пресс релиз", "сми",
        "pr campaign", "media coverage", "press coverage", "статья в журнал|издание|сми",
        "интервью в сми", "пиар кампания",
        # getting a person or a company into the media: pitched to editors, a podcast's guest
        "=the =press", "in|into =press", "pitch|pitching … editor|journalist|reporter|media|"
        "outlet|publication|podcast|host", "pitch … to … editor|journalist|reporter|media|host",
        "журналист", "гость|гостем … подкаст|эфир", "подкаст … гость|гостем",
        "guest … podcast|show", "podcast … guest",
    ), ()),
}
"""service key → (label shown in reasons, patterns that name it, objects it makes)."""

REQUEST_CUES: tuple[str, ...] = (
    "=можете", "=можешь", "=сможете", "=сможешь", "=могли бы", "=можно", "=нужно", "=нужен",
    "=нужна", "=нужны", "=надо", "=нам бы", "=хотим", "=хочу", "=хотелось бы", "=хотели бы",
    "=посчитаете", "=посчитайте", "=сделаете", "=возьметесь", "=ведете", "=займетесь",
    "=беретесь", "=делаете", "=к вам", "=подскажите", "=помогите", "=пожалуйста",
    "=не могли бы", "=можно вас попросить", "=хотим заказать", "=нужно сделать",
    "=требуется", "=сколько стоит", "=сколько будет стоить", "=сколько это", "=во сколько",
    "=обойдется", "=интересует", "=было бы здорово", "=было бы круто", "=если бы вы",
    "=не хотите", "=можете взять", "=нужна помощь", "=готовы", "=реально ли",
    "=есть возможность", "=есть ли у вас", "=у вас есть", "=кто у вас", "=кто может",
    "=нельзя ли", "=хорошо бы", "=неплохо бы", "=не помешало бы", "=давайте", "=закажем",
    "=заказать", "=надо бы", "=нужно бы", "=возможно ли", "=занимаетесь", "=были бы рады",
    "=буду благодарен", "=буду благодарна", "=будем благодарны", "=если не сложно",
    "=если вас не затруднит", "=прошу", "=просим", "=не подскажете",
    "=can you", "=could you", "=would you", "=will you", "=can we", "=could we",
    "=we need", "=we want", "=we'd like", "=i'd like", "=would like", "=please",
    "=do you do", "=do you guys", "=looking for", "=is it possible", "=need you", "=want you",
    "=able to", "=your team", "=do you offer", "=do you also", "=any chance",
    "=would it be possible", "=how much", "=quote", "=what would it cost", "=need someone",
    "=would love", "=we'd love", "=are you able", "=can you guys", "=could your",
    "=would you mind", "=we'd appreciate", "=it would be great if", "=do you have someone",
    "=does your agency", "=does your team", "=can someone", "=could someone", "=we're looking",
    "=help us", "=help with", "=if you could", "=wondering if", "=is there any way",
    "=any way you", "=we were hoping", "=we are hoping", "=we'd want", "=can we get",
    "=could we get", "=can i get", "=do you handle", "=do you provide", "=interested in",
    "=take care of", "=help me", "=we'd be grateful", "=looking to", "=need",
    "=let's", "=lets", "=let us",
    # the agency asked whether it does a job: «вы делаете…?», «возьмёшься?», "could you guys"
    "=вы делаете", "=делаете ли", "=оказываете", "=предоставляете", "=предлагаете",
    "=возьмешься", "=займешься", "=делаешь", "=ведешь", "=можно у вас", "=у вас можно",
    "=would you be able", "=are you guys", "=do you work on", "=what would you charge",
    "=what do you charge",
)
"""Words that make a sentence ask for work (matched as written: «можете», not «может»)."""

WISH_CUES: tuple[str, ...] = (
    # wishes and conditionals: «хотелось нам…», «было бы классно…», «а если нам…?»
    "=хотелось", "=хотели", "=хочется", "=хотим попробовать", "=было бы классно",
    "=было бы неплохо", "=было бы хорошо", "=было бы отлично", "=было бы супер", "=не помешает",
    "=а если нам", "=а если вам", "=а если вы", "=а если бы", "=а что если", "=может быть вы",
    "=нужен бы", "=нужна бы",
    # a proposal put as a question: «может, нам …?», "maybe you could …"
    "=может =нам", "=может =вам", "=может =стоит", "=maybe =we =could", "=maybe =you =could",
    "=would be great", "=would be nice", "=it'd be great", "=keen to", "=wondering whether",
    "=whether you could", "=whether you can", "=you guys do",
    # "is ASO something you do?", "is that something your team handles?"
    "=something =you", "=something =your",
    # «я бы хотела, чтобы вы …»: a wish for the agency's work
    "=хотела бы", "=хотел бы", "=бы хотела", "=бы хотел", "=бы хотели", "=чтобы вы",
    "=hoping to", "=hoping you", "=how about you", "=what if you", "=happy to pay", "=we're after",
    "=someone to", "=someone who", "=you also", "=take on", "=we would need",
    "=we'll need", "=we will need",
    # a price or a time asked for a job: «сколько возьмёте за…», «в какие сроки сделаете…»
    "=сколько возьмете", "=сколько берете", "=сколько будет", "=сколько займет",
    "=сколько по времени", "=в какие сроки", "=какие сроки", "=за сколько", "=почем",
    "=по деньгам", "=по стоимости", "=по срокам", "=оцените", "=просчитайте", "=какой бюджет",
    "=какая цена", "=какая стоимость", "=реально ли", "=это реально", "=реально сделать",
    "=your rates", "=your rate", "=pricing for", "=a quote", "=estimate for", "=ballpark",
    "=how long would", "=how long will", "=how soon", "=turnaround", "=timeline for", "=by when",
)
"""Words that ask for work only together with a service they name («было бы классно снять
ролик», "what's your rate for a logo?"): alone they are politeness or a wish («было бы
отлично!», "that would be great, thanks") and ask for nothing."""

REFERRALS: tuple[str, ...] = (
    "посоветовать|порекомендовать … кто|кого|кто-нибудь|кто-то|специалист|подрядчик|"
    "фрилансер|студия|агентство|исполнитель|контакт|дизайнер|фотограф|программист|разработчик|"
    "копирайтер|таргетолог|человек",
    "знать … хороший|толковый|надежный|проверенный|знакомый|кто-нибудь|кого-нибудь",
    "есть|нет … знакомый|контакт|проверенный",
    "recommend|refer|suggest … someone|anyone|somebody|anybody|a good|freelancer|designer|"
    "photographer|developer|agency|studio|copywriter",
    "know … anyone|someone|somebody|anybody|a good", "recommendation|recommendations for",
    # someone she has in mind ("anyone in mind?"; «есть на примете…?» is ``_in_mind``)
    "anyone|someone|somebody|anybody … =in =mind",
)
"""Asking her to *recommend* who could do a job («посоветуете, кто сделает логотип?», "do you
know a good photographer?") asks for her advice, not for the agency's work: a referral is no
out-of-scope request.  Asking who *at the agency* does it («кто у вас делает…») still is."""

_LEARN: frozenset[str] = frozenset({"know", "understand", "ask", "see", "check", "hear", "learn"})
_KNOW: frozenset[str] = frozenset({"know", "understand", "learn", "hear"})
_LEARN_RU: frozenset[str] = frozenset({"узнать", "уточнить", "спросить", "понять", "знать",
                                       "поинтересоваться", "выяснить", "напомнить"})
_WHETHER: frozenset[str] = frozenset({"do", "does", "did", "should", "ли"})

_PLEASANTRY: frozenset[str] = frozenset({"прощение", "извинение", "поблагодарить", "благодарить",
                                         "извиниться", "сказать", "thank", "apologize", "apologise"})

_HOLD: frozenset[str] = frozenset({"hold", "wait", "pause", "postpone", "park", "подождать",
                                   "отложить", "повременить", "притормозить", "пауза"})

SECOND_PERSON: frozenset[str] = frozenset({"вы", "вам", "вас", "ваш", "you", "your", "ты", "тебе"})

# A verb between a request and an object that keeps the object from being what is asked
# for: «посмотрите тайтлы на лендинге», "check whether the landing page is indexed".
# Russian verbs are known by their tag (``VERB``): every verb but these blocks; English
# ones by name.
_REACHING_RU: frozenset[str] = frozenset(
    ["сделать", "делать", "создать", "создавать", "разработать", "разрабатывать", "собрать", "сверстать", "переделать", "переделывать", "доработать", "дорабатывать", "запустить", "запускать", "заказать", "заказывать", "нарисовать", "рисовать", "написать", "писать", "подготовить", "готовить", "снять", "снимать", "смонтировать", "оформить", "обновить", "освежить", "переписать", "настроить", "настраивать", "вести", "взяться", "браться", "заниматься", "помочь", "мочь", "смочь", "хотеть", "хотеться", "быть", "стать", "организовать", "выйти", "перевести", "продвигать", "раскрутить", "подключить", "придумать", "разместить", "посчитать", "стоить", "заняться", "обойтись", "попросить", "просить", "давать", "нужный", "надо", "добавить", "поставить", "установить", "внедрить", "взять", "поработать"])
# A question in the second person asks for work when it asks about doing it («вы делаете
# логотипы?», "do you offer PPC?") — not «вы видели наш новый логотип?», "do you like it?".
_DOING_RU: frozenset[str] = frozenset(
    ["делать", "сделать", "заниматься", "взяться", "браться", "вести", "рисовать", "нарисовать", "разрабатывать", "разработать", "писать", "написать", "снимать", "снять", "настраивать", "настроить", "помочь", "мочь", "смочь", "предлагать", "оказывать", "работать", "поработать", "продвигать", "запускать", "запустить", "готовить", "подготовить", "организовать", "оформить", "взять"])
_DOING_EN: frozenset[str] = frozenset(
    ["offer", "handle", "make", "build", "design", "provide", "run", "manage", "help", "create", "write", "take", "work", "set", "shoot", "produce", "develop", "draft"])
_MAKING_RU: frozenset[str] = _REACHING_RU - {"быть", "стать", "хотеть", "хотеться", "нужный", "надо",
                                             "стоить", "обойтись", "давать", "просить", "попросить"}
_PERCEIVING: frozenset[str] = frozenset(
    ["видеть", "увидеть", "смотреть", "посмотреть", "знать", "помнить", "слышать", "думать", "считать", "получить", "понравиться", "нравиться", "заметить", "читать", "прочитать"])
# Looking at a thing is not ordering it: "can you check if the new banners slowed the page
# down?", «проверьте, не тормозит ли баннер» ask about SEO, even past a service's name.
_LOOKING: frozenset[str] = frozenset(
    ["check", "look", "see", "review", "verify", "compare", "analyze", "analyse", "audit", "test",
     "посмотреть", "смотреть", "проверить", "проверять", "глянуть", "оценить", "сравнить",
     "проанализировать"])
_INTO: frozenset[str] = frozenset({"в", "во", "на", "to", "into", "in"})
# where an object is, or what it is for («картинки для статей»): context, not the job
_PLACE: frozenset[str] = frozenset({"в", "во", "на", "in", "on", "at", "from", "из", "inside",
                                    "для", "for"})
_BLOCKING_EN: frozenset[str] = frozenset(
    ["check", "look", "see", "review", "audit", "analyz", "analys", "optimiz", "optimis", "verify", "confirm", "compar", "monitor", "track", "index", "crawl", "test", "move", "redirect", "submit", "explain", "tell", "send", "share", "know", "find", "fix", "remove", "link", "rank", "show", "ask"])

_SERVICE_SET = PhraseSet(
    [(key, p) for key, (_label, names, _objects) in SERVICES.items() for p in names]
    + [("~" + key, p) for key, (_label, _names, objects) in SERVICES.items() for p in objects]
    + [("!webdev", p) for p in SITE_EDITS]
    + [("cue", c) for c in REQUEST_CUES]
)
_WISH_SET = PhraseSet(("cue", c) for c in WISH_CUES)
_REFERRAL_SET = PhraseSet(("referral", p) for p in REFERRALS)
# «у вас», "your team": the job is asked of the agency, even with a referral word
_AGENCY_OWN: frozenset[str] = frozenset({"ваш", "ваши", "вашей", "вашего", "your", "yourselves"})
# A question of price or time asks whether the agency does the job it names before it
# («логотип сколько будет стоить?», "a logo — how much would you charge?")
_PRICE_TIME: frozenset[str] = frozenset(
    {"сколько", "почем", "стоить", "стоимость", "цена", "бюджет", "срок", "сроки", "обойтись",
     "much", "cost", "charge", "price", "pricing", "quote", "rate", "rates", "estimate", "long"})
_SPECIFIC_ADS = frozenset({"ppc", "targeted", "smm"})


def service_key(label: str) -> str:
    """The key of a service label shown in reasons ("" when none is)."""
    return next((k for k, (lab, _n, _o) in SERVICES.items() if lab == label), "")


def service_label(key: str) -> str:
    """The label of a service key (the key itself when unknown)."""
    return SERVICES[key][0] if key in SERVICES else key


def _services(words: Sequence[Word]) -> list[Hit]:
    """Every service hit of one sentence, by position, the longest first where two start
    together ("facebook ads" before "facebook"); a hit inside a longer one is dropped
    («контент план» is SEO, not «контент»)."""
    hits = sorted((h for h in _SERVICE_SET.find(words) if not h.cue),
                  key=lambda h: (h.start, -(h.end - h.start)))
    out: list[Hit] = []
    for h in hits:
        if h.cat.startswith("!"):
            continue
        if own_staff(words, h.start) or spans_proposal(words, h.start, h.end):
            continue  # «нашему программисту», «подготовьте КП — сколько постов»
        if out and h.end <= out[-1].end and h.start >= out[-1].start and h != out[-1]:
            continue
        out.append(h)
    # A site edit spans its verb and its object («обновите meta description на странице
    # цен»): what it spans stays named.
    edits = [h for h in hits if h.cat.startswith("!")]
    return sorted(out + edits, key=lambda h: (h.start, -(h.end - h.start))) if edits else out


def _key(h: Hit) -> str:
    return h.cat.lstrip("~!")


def find_services(words: list[Word]) -> list[tuple[str, str]]:
    """(service key, matched phrase) for every service named in one sentence."""
    return [(_key(h), h.label) for h in _services(words)]


def service_spans(words: list[Word]) -> list[tuple[int, int]]:
    """(first word, end) of every service named in one sentence."""
    return [(h.start, h.end) for h in _services(words)]


def _looking_after(words: Sequence[Word], j: int) -> bool:
    """"look after", "see to": taking care of a thing, not looking at it."""
    nxt = words[j + 1].raw if j + 1 < len(words) else ""
    return (words[j].lemma, nxt) in (("look", "after"), ("see", "to"))


def _blocks(w: Word) -> bool:
    """A verb that is not one of making or asking («посмотрите», "check")."""
    if w.flags & VERB:
        return w.lemma not in _REACHING_RU
    return w.lemma in _BLOCKING_EN


def _cues(words: Sequence[Word], question: bool, hits: list[Hit]) -> list[tuple[int, int]]:
    """(start, end) of every request cue in one sentence."""
    out: list[tuple[int, int]] = []
    for h in hits:
        if not h.cue:
            continue
        if any(w.raw in _WHETHER for w in words[max(0, h.start - 2):h.start]):
            continue  # "do we need to…", «нужно ли» ask whether, not for work
        if h.end < len(words) and words[h.end].raw == "ли":
            continue  # «надо ли нам делать отдельный сайт?»: whether it is needed (advice)
        if h.end + 1 < len(words) and words[h.end].raw == "to" and words[h.end + 1].raw in _LEARN:
            continue  # "I'd like to know …" asks a question, not for work
        if h.end < len(words) and (words[h.end].raw in _KNOW or words[h.end].lemma in _LEARN_RU):
            continue  # «хотела бы уточнить …», "do you happen to know …"
        if not question and h.start > 0 and words[h.start - 1].flags & NEG and not h.own_negations:
            continue  # «баннер не нужен», «это не к вам» (but «вы не могли бы…?» asks)
        if h.end < len(words) and words[h.end].lemma in _PLEASANTRY:
            continue  # «прошу прощения», «хочу поблагодарить»
        out.append((h.start, h.end))
    out += [(i, i) for i, w in enumerate(words) if w.flags & IMPR]  # the verb is looked at too
    hold = [i for i, w in enumerate(words) if w.lemma in _HOLD or w.raw in _HOLD] if out else []
    if hold:  # "let's put it on hold", «давайте отложим»: asks to stop work, not for it
        out = [(a, b) for a, b in out if not any(a <= j <= a + 8 for j in hold)]
    if question:
        out += [(i, i + 1) for i, w in enumerate(words)
                if w.flags & YOU and w.flags & VERB and not w.flags & PAST and w.lemma not in _PERCEIVING]
        if not out and any(w.raw in SECOND_PERSON for w in words) and _doing(words):
            i = next(i for i, w in enumerate(words) if w.raw in SECOND_PERSON)
            out.append((i, i + 1))
    return sorted(out)


def _doing(words: Sequence[Word]) -> bool:
    """A verb of doing work in the sentence (the question is about the agency doing it)."""
    return any(w.lemma in _DOING_RU or w.lemma in _MAKING_RU or w.raw in _DOING_EN for w in words)


def _to_agency(words: Sequence[Word]) -> bool:
    """«…это к вам?», «у вас есть…?»: a question whether the agency does it."""
    raws = [w.raw for w in words]
    return any(a in ("к", "у") and b in ("вам", "вас") for a, b in zip(raws, raws[1:], strict=False))


_ACQUAINTANCE = frozenset({"знакомый", "знакомая"})


def _in_mind(words: Sequence[Word]) -> bool:
    """«у вас есть на примете…?», "do you have anyone in mind?": someone she knows of, who is
    never the agency itself (as an acquaintance is not)."""
    raws = [w.raw for w in words]
    return any((a, b) in (("на", "примете"), ("in", "mind")) for a, b in zip(raws, raws[1:], strict=False))


def _referral(words: Sequence[Word]) -> bool:
    """Whether a sentence asks her to recommend someone else for a job (``REFERRALS``).
    «у вас нет знакомого видеографа?» is one too: an acquaintance is never the agency, nor
    is someone she has in mind («у вас есть на примете…?»)."""
    known = any(w.lemma in _ACQUAINTANCE or w.raw in _ACQUAINTANCE for w in words) or _in_mind(words)
    if not known and (any(w.raw in _AGENCY_OWN for w in words) or _to_agency(words)):
        return False
    return bool(_REFERRAL_SET.find(words)) or _on_her_mind(words)


def _on_her_mind(words: Sequence[Word]) -> bool:
    """«есть на примете…?» (a pair of words tested by hand: «на» is too common a first
    word for the phrase index)."""
    raws = [w.raw for w in words]
    return any(a == "на" and b == "примете" for a, b in zip(raws, raws[1:], strict=False))


def referral(words: Sequence[Word]) -> bool:
    """Whether a sentence asks for a referral (the message's other wishes are then the
    job of whoever she recommends: «…знакомого видеографа? Хотим ролик про лагерь»)."""
    return _referral(words)


def request_of(words: list[Word], question: bool) -> tuple[bool, list[tuple[str, str]]]:
    """Whether one sentence asks for work (see the module docstring), and the service it
    asks for: the first one named after the request word (an object only if no other
    verb stands between), else — in a question to the agency — the last one before it
    («а логотип обновить — это к вам?»).  Other services in the sentence are context
    ("while you're looking at the blog — could you redesign the header?").  Advertising
    in general gives way to the kind of ads the sentence names («рекламу в Директе»)."""
    if question and who_does_it(words):
        return False, []  # «тексты вы пишете или мы?»: who does the job, not an order of it
    if question and by_what_means(words):
        return True, []  # «руками надо или есть плагин?»: a question of how, no service ordered
    all_hits = _SERVICE_SET.find(words)
    cues = _cues(words, question, all_hits)
    wish = not cues  # only a wish or a price asks: it needs the service it names
    if wish:
        cues = _cues(words, question, _WISH_SET.find(words))
        if not cues and feasibility(words, question):
            cues = [(0, 0)]  # «такое прикрутить реально?»: the job named anywhere in it
        if not cues and question:
            cues = proposal(words, _REACHING_RU)  # «Может, запустим рекламу в Директе?»
        if not cues:
            return False, []
    at, scan = cues[0]
    if _referral(words):
        # «посоветуете, кто сделает…?»: her advice asked, not the agency's work
        return not wish, []
    named = _services(words)
    chosen: Hit | None = None
    for h in named:
        if h.start < at:
            continue
        if _key(h) != "seo" and any((words[j].lemma in _LOOKING or words[j].raw in _LOOKING)
                                    and not _looking_after(words, j) for j in range(scan, h.start)):
            continue
        if h.cat.startswith("~") and (any(_blocks(words[j]) for j in range(scan, h.start))
                                      or (h.start > 0 and words[h.start - 1].raw in _PLACE)):
            continue  # «посмотрите тайтлы на лендинге», «в статье поправьте title»
        if h.start > 0 and words[h.start - 1].raw == "для":
            continue  # «картинки для статей в блоге»: what the job is for, not the job
        chosen = h
        break
    priced = question and any(w.lemma in _PRICE_TIME or w.raw in _PRICE_TIME for w in words[at:])
    if chosen is None and question and (priced or (_doing(words) or _to_agency(words)) and any(
            w.raw in SECOND_PERSON or w.flags & YOU for w in words)):
        # «а логотипы вы рисуете?», «Директ вы ведёте?»: the service before the question
        before = [h for h in named if h.start < at]
        chosen = before[-1] if before else None
    if chosen is None and question and any(
            words[a].raw == "something" and any(w.raw in _SOMETHING_DONE for w in words[b:b + 3])
            for a, b in cues):
        # "is local SEO something you do?": the service the question opens with
        before = [h for h in named if h.start < at and not h.cat.startswith("!")]
        chosen = before[-1] if before else None
    if chosen is None:
        chosen = _fixed_before(words, cues, named)
    if chosen is None and any(words[a].raw in NEEDS and not any(
            w.flags & VERB for w in words[a + 1:a + 4]) for a, _b in cues):
        # «баннеры для акции нужны к пятнице»: the need told after what is needed (not
        # «открываю сайт, и надо нажимать …»: a need to do something, said of no object)
        before = [h for h in named if h.start < at and not h.cat.startswith("!")]
        chosen = before[-1] if before else None
    if chosen is None:
        chosen = _object_before(words, cues, named)
    if chosen is None:
        return not wish, []
    if chosen.cat.startswith("!"):
        # «поменяйте телефон в карточке организации», «добавьте баннер»: a site edit is
        # the service only when it names nothing more specific (an SEO thing first)
        chosen = next((h for h in named if _key(h) == "seo"), None) or next(
            (h for h in named if h.start >= chosen.start and not h.cat.startswith(("!", "~"))), chosen)
    elif chosen.cat.startswith("~"):
        # «добавьте новые статьи в карту сайта»: the object goes into an SEO thing
        chosen = next((h for h in named if _key(h) == "seo" and h.start >= chosen.end and any(
            words[j].raw in _INTO for j in range(chosen.end, h.start))), chosen)
    if _key(chosen) == "copywriting":
        # «напишите SEO-тексты», «тексты под ключи»: a text written for search is SEO work
        # (an SEO phrase of two or more words inside the order; "write product descriptions"
        # stays copywriting)
        chosen = next((h for h in all_hits if h.cat == "seo" and h.end - h.start > 1
                       and chosen.start <= h.start < chosen.end + 1), chosen)
        if _key(chosen) == "copywriting" and any(
                w.raw == "под" and words[j + 1].raw in ("seo", "сео", "поиск", "продвижение")
                for j, w in enumerate(words[chosen.end:-1], chosen.end)):
            # «тексты для страниц городов под SEO», "texts for SEO": written for search
            chosen = Hit("seo", "SEO texts", chosen.start, chosen.end)
    if _key(chosen) == "ads":
        chosen = next((h for h in named if _key(h) in _SPECIFIC_ADS and h.start >= chosen.start
                       and not h.cat.startswith("~")), chosen)
    return True, [(_key(chosen), chosen.label)]


FIX_VERBS: frozenset[str] = frozenset(
    ["поправить", "исправить", "починить", "пофиксить", "переделать", "вернуть", "fix", "sort",
     "repair"])
"""Verbs that ask to repair what the sentence (or the one before) names as broken."""


_MAKING_AFTER = frozenset({"поделать", "заказать", "замутить"})
OBJECT_VERB_REACH = 3
"""How far after the request word the verb of an object told first may stand: «логотип
надо бы обновить», and with a manner between, «баннер можно чуть светлее сделать»."""


# "is X something you do / offer / can help with?" (not "something you made / noticed")
_SOMETHING_DONE = frozenset({"do", "offer", "handle", "help", "can", "could", "know", "provide",
                             "cover", "manage", "would", "take", "work", "guys", "folks"})


def _object_before(words: Sequence[Word], cues: list[tuple[int, int]], named: list[Hit]) -> Hit | None:
    """«сторис в инстаграм под праздники нам бы поделать», «логотип надо бы обновить»: the
    object told first, then the request and a verb of making with nothing after it — the
    service named before, in the same clause."""
    at, scan = cues[0]
    verb = next((j for j in range(scan, min(len(words), scan + OBJECT_VERB_REACH))
                 if words[j].lemma in _MAKING_RU or words[j].lemma in _MAKING_AFTER), -1)
    if verb < 0 or any(h.start > verb for h in named):
        return None
    before = [h for h in named if h.start < at and not h.cat.startswith("!")
              and not any(words[j].flags & BREAK for j in range(h.start, at))]
    return before[-1] if before else None


def _fixed_before(words: Sequence[Word], cues: list[tuple[int, int]], named: list[Hit]) -> Hit | None:
    """«меню съезжает на мобильном — поправьте»: a request to fix, after the broken part of
    the site it names (web development only: «сменили дизайн, трафик упал — исправьте»
    asks to fix the traffic, not the design)."""
    first = cues[0][0]
    fix = next((i for i in range(first, len(words))
                if words[i].lemma in FIX_VERBS or words[i].raw in FIX_VERBS), -1)
    if fix < 0:
        return None
    before = [h for h in named if h.start < fix and _key(h) == "webdev"]
    return before[-1] if before else None


def fix_request(words: Sequence[Word]) -> bool:
    """Whether a sentence asks to fix something without naming it («Поправьте, пожалуйста»)."""
    return any(w.flags & IMPR and w.lemma in FIX_VERBS for w in words) or any(
        w.raw in ("fix", "repair") for w in words)


def broken_part(words: list[Word]) -> list[tuple[str, str]]:
    """The broken part of the site a sentence names («поле телефона не принимает +7»,
    «меню съезжает»), as the service that fixes it (web development), or none."""
    return [(_key(h), h.label) for h in _services(words) if _key(h) == "webdev"][-1:]


def is_request(words: list[Word], question: bool) -> bool:
    """Whether one sentence asks for work (see :func:`request_of`)."""
    return request_of(words, question)[0]


def contract_services(services: Iterable[str]) -> frozenset[str]:
    """The service keys a project's ``services`` strings name (unknown strings: none).

    A string that names a service is read by its names only («аудит сайта» is SEO, not web
    development); an object alone names its service ("content" → copywriting).
    Advertising in general (``ads``) is in a contract that has context or targeted ads;
    ``IMPLIES`` adds what a service includes (a content plan: its articles).
    """
    from inscope.rules.lexicon import words_of

    out: set[str] = set()
    for s in services:
        hits = _services(words_of(s))
        # «аудит сайта» is an audit (the site is what it is done to); «content» alone is
        # the service its object names.
        named = [h for h in hits if not h.cat.startswith("~")] or hits
        out.update(_key(h) for h in named)
        out.update(k for h in named for k in IMPLIES.get(h.label, ()))
    if out & {"ppc", "targeted"}:
        out.add("ads")
    return frozenset(out)


IMPLIES: dict[str, tuple[str, ...]] = {"контент план": ("copywriting",), "content plan": ("copywriting",)}
"""Contract services that include another: a content plan is sold to be written (its
articles are part of it), so «контент-план» in ``services`` covers copywriting too."""
