"""Whose emergency it is, and who is handling it: the thread-level lexicon of urgency (pure).

An emergency word says *what* fails; whether it breaks through the reply windows also
depends on *whose* it is and on what the thread says after it.  ``ENTRIES`` are
``inscope.rules.lexicon`` patterns that ``inscope.rules.signals`` compiles with the rest
of its lexicon (one pass over a sentence):

- ``others`` — the failure is someone else's: sites in general or other people's («у части
  сайтов трафик просел», "many sites lost traffic", «у кого рухнул трафик» in a
  newsletter's headline), another client's or another team's, an internal system of the
  client's office (the VPN, the intranet, the office mail), a social page gone quiet («группа
  ВКонтакте умерла») — not the project's site, its
  search or its ads (``inscope.rules.emergency.emergency_of`` reads nothing in such a
  sentence);
- ``handled`` — a later message that someone else took it on: the client's developer, the
  host, a support desk, a colleague naming who is on it («наш программист уже
  разбирается», "the hosting company is looking into it", «передали хостеру»); a bare
  "we're working on it" names no one and is not this (the client still waits on us);
- ``resolved`` and ``works`` (added to the fixes of ``inscope.rules.emergency``) — a false
  alarm, a failure on the reporter's own side or one that passed by itself, told later
  («отбой», "false positive", "it was my wifi", «само прошло», "it went away"), or that it
  is fine again («ожил», «всё ок», "looks fine").

``inscope.rules.urgency`` reads them per thread: the last word on a failure wins.
"""

from __future__ import annotations

_PARTY_RU = ("программист|разработчик|хостинг|хостер|провайдер|поддержка|техподдержка|админ|"
             "администратор|сисадмин|подрядчик|айтишник")
_PARTY_EN = ("developer|developers|dev|devs|host|hosting|hoster|provider|support|sysadmin|"
             "admin|contractor|engineers|engineer")
_ON_IT_RU = "заниматься|разбираться|чинить|исправлять|смотреть|решать|восстанавливать|поднимать"
# told as done: «передали программисту» (not «напишите программисту»: that asks her)
_TOLD_RU = ("=передал|=передала|=передали|=написал|=написала|=написали|=сообщил|=сообщила|"
            "=сообщили|=позвонил|=позвонила|=позвонили")

ENTRIES: list[tuple[str, str]] = [
    # sites in general, other people's, another client's or team's, the office's systems
    *(("others", p) for p in (
        "у часть|многий|некоторый|ряд … сайт|магазин|проект|компания",
        "часть|многий|некоторый сайт|магазин … просесть|упасть|потерять|пострадать|рухнуть",
        "у кто рухнуть|упасть|просесть|лечь|пострадать|сайт|трафик|позиция",
        "другой клиент|проект|команда|отдел|агентство", "у другой клиент|проект|команда|отдел",
        "=some|=many|=several|=other|=most =sites|=websites|=stores|=shops|=businesses",
        "=lots =of =sites|=websites", "=sites|=websites in … =niche|=industry|=niches",
        "=other =people's", "=another =client's|=client|=customer's|=team's|=agency's",
        "=other =clients|=teams|=agencies",
        "внутренний система|портал|сервис|crm|почта|сеть|чат|база",
        "корпоративный почта|портал|чат|сеть|vpn", "=intranet", "=vpn",
        "=internal =tool|=tools|=system|=systems|=portal|=dashboard|=wiki|=crm",
        # a social page gone quiet («группа в соцсети умерла», "the channel is dead"): no
        # one posts there, which is not the site failing
        "группа|сообщество|паблик|канал|аккаунт … умереть|мертвый|загнуться|заглохнуть|зачахнуть",
        "=group|=community|=channel … =dead|=died|=quiet",
    )),
    # someone else took it on: the client's developer, the host, a support desk
    *(("handled", p) for p in (
        f"{_PARTY_RU} … уже … {_ON_IT_RU}", f"{_PARTY_RU} уже {_ON_IT_RU}",
        f"{_PARTY_RU} {_ON_IT_RU}", f"{_PARTY_RU} … работать над", f"{_TOLD_RU} … {_PARTY_RU}",
        f"{_PARTY_RU} в курс",
        f"{_PARTY_EN} … =is|=are|=were =fixing|=investigating|=looking|=working|=restoring|=sorting|=aware",
        f"{_PARTY_EN} … =on =it", f"=passed|=forwarded|=escalated|=reported … {_PARTY_EN}",
        f"=contacted|=called|=emailed|=pinged … {_PARTY_EN}",
    )),
    # a false alarm or a failure on the reporter's side, told later: ends what it reported
    *(("resolved", p) for p in (
        "=отбой", "ложный срабатывание", "=false =positive", "=never =mind", "=nevermind",
        "=panic =over", "=my =bad", "дело быть в мой", "дело быть у я", "проблема быть у я",
        "проблема быть на мой сторона",
        "=it =was =my =internet|=wifi|=wi-fi|=connection|=browser|=cache|=vpn",
        "это у я быть|интернет|кэш|браузер|впн|vpn",
        # it passed by itself: «само починилось», "it went away", "resolved itself"
        "сам починиться|пройти|заработать|восстановиться", "=went =away", "=resolved|=fixed|=sorted =itself",
    )),
    # it is fine again, said later («ожил», «всё ок», "looks fine now"): ends the site down
    *(("works", p) for p in ("=ожил|=ожило|=ожили", "=все|=всё =ок|=норм|=хорошо",
                             "=looks|=seems =fine|=ok|=okay|=good|=normal")),
]
"""(category, pattern): added to the signals lexicon (``inscope.rules.signals``)."""
