"""The lines mail clients put above quoted and forwarded text, in the languages our users meet.

Pure regular expressions and small predicates over one (possibly re-joined) line;
:mod:`connectors.email.replies` decides what the lines mean in context.

* **Attribution** ("quote header") — the line a client writes above the quote:
  ``On Mon, … Ann <a@x> wrote:``, ``… пользователь "bob@x" <bob@x> написал:``,
  Mail.ru ``Вторник, 30 сентября 2017, 18:30 +04:00 от Alexander L <a@x>:`` (and
  its English ``… from …:`` form), Yandex ``30.09.2017, 18:30, "Ann" <a@x>:``,
  ``Am … schrieb …:``, ``Le … a écrit :``, ``Op … schreef …:``, ``Il … ha scritto:``,
  ``W dniu … napisał:``, ``Den … skrev:``, ``Em … escreveu:``, ``… kirjoitti:`` …
  Clients wrap it over two or three lines; the caller joins lines before matching.
* **Separators**: ``-----Original Message-----`` and its translations (history
  follows), ``---------- Forwarded message ----------`` / ``Begin forwarded
  message:`` and translations (a forwarded message follows).
* **Header blocks**: Outlook's ``From: / Sent: / To: / Subject:`` (``От: /
  Отправлено: / Кому: / Тема:``, ``Von: / Gesendet:`` …), which stand for the
  whole quoted or forwarded message when there are no ``>`` marks.

Ordering of the languages follows who writes to our users: Russian and English
first, then the major European languages.
"""

from __future__ import annotations

import re

__all__ = [
    "ATTRIBUTION_MAX_LINES",
    "VERB_LAST",
    "is_attribution",
    "is_original_separator",
    "is_forward_separator",
    "is_forward_end",
    "header_field",
    "is_forward_subject",
]

# Clients wrap a long attribution (name + address + date) over at most three lines.
ATTRIBUTION_MAX_LINES = 3
_MAX_LEN = 400  # a longer "line" is prose that happens to end in "wrote:"

# The verb of "X wrote:" — Russian and English first, then European languages.
_VERBS = (
    r"написал(?:а|\(а\))?|написала|пишет|писал(?:а|\(а\))?|написав(?:ла)?"
    r"|wrote|writes|has\s+written|sent"
    r"|schrieb|hat\s+geschrieben|geschrieben"
    r"|a\s+écrit|écrit|a\s+ecrit"
    r"|ha\s+scritto|scrisse"
    r"|escribió|escribio|ha\s+escrito"
    r"|escreveu"
    r"|schreef|het\s+volgende\s+geschreven|heeft\s+geschreven|geschreven"
    r"|napisał(?:a|\(a\))?|pisze"
    r"|napsal(?:a)?"
    r"|skrev|skrivit"
    r"|kirjoitti"
    r"|đã\s+viết|yazdı"
)
_ADDR = r"[\w.+'-]+@[\w-]+(?:\.[\w-]+)+"
_TIME = r"\d{1,2}[:.]\d{2}"

_ATTRIBUTION = [
    # "… wrote:" / "… написал(а):" at the end (Gmail, Apple, Thunderbird, Android ru, …);
    # also "---- John wrote ----" and "-----On … wrote-----".
    re.compile(rf"^[-\s]*(?:.*\S\s+)?(?:{_VERBS})\s*(?::|-{{2,}})?\s*-*\s*$", re.IGNORECASE),
    # The verb in the middle: "Op 13-02-2014 3:18 schreef Julius <j@x>:", "Am … schrieb X <…>:".
    re.compile(
        rf"^(?:On|Op|Am|Le|El|Il|Em|Dne|Den|På|W\s+dniu|В|Vào)\s.*\b(?:{_VERBS})\b.*:\s*$",
        re.IGNORECASE,
    ),
    # Mail.ru: "Вторник, 30 сентября 2017, 18:30 +04:00 от Alexander L <a@x>:" (and "from").
    re.compile(rf"^.*{_TIME}(?::\d{{2}})?(?:\s*[+-]\d{{2}}:?\d{{2}})?,?\s+(?:от|from)\s+.{{1,160}}:\s*$",
               re.IGNORECASE),
    # Date, time, then an address, then ":" — Yandex "30.09.2017, 18:30, "Ann" <a@x>:",
    # Gmail ru "пт, 30 сент. 2017 г. в 18:30, Ann <a@x>:", "2014-10-17 11:28 GMT+03:00 Ann <a@x>:".
    re.compile(rf"^.*\d.*{_TIME}.*{_ADDR}\s*>?\)?\s*:\s*$", re.IGNORECASE),
    # The Bat!: "Вы писали 30 сентября 2017 г., 18:30:" / "You wrote on 30.09.2017, 18:30:".
    re.compile(r"^(?:Вы\s+писали|You\s+wrote)\b.*\d.*:\s*$", re.IGNORECASE),
    # Old Gmail: "2011/4/7 Nathan <support@example.com>" (no colon).
    re.compile(rf"^\d{{4}}/\d{{1,2}}/\d{{1,2}}\s+.*<{_ADDR}>\s*:?\s*$", re.IGNORECASE),
]

_ORIGINAL = re.compile(
    r"^[\s>]*-{2,}\s*(?:Original\s+Message|Reply\s+Message|Ursprüngliche\s+Nachricht|Antwort\s+Nachricht"
    r"|Исходное\s+сообщение|Оригинальное\s+сообщение|Message\s+d'origine|Messaggio\s+originale"
    r"|Mensaje\s+original|Mensagem\s+original|Oorspronkelijk\s+bericht|Oprindelig\s+meddelelse"
    r"|Originalmeddelande|Ursprungligt\s+meddelande|Opprinnelig\s+melding|Alkuperäinen\s+viesti"
    r"|Wiadomość\s+oryginalna|Oryginalna\s+wiadomość|Původní\s+zpráva|Origineel\s+bericht)\s*-{2,}\s*$",
    re.IGNORECASE,
)

_FORWARD = re.compile(
    r"^[\s>]*(?:-{2,}\s*(?:Forwarded\s+message|Forwarded\s+Message|Пересылаемое\s+сообщение"
    r"|Перенаправленное\s+сообщение|Переадресованное\s+сообщение|Пересланное\s+сообщение"
    r"|Weitergeleitete\s+Nachricht|Message\s+transféré|Messaggio\s+inoltrato|Mensaje\s+reenviado"
    r"|Mensagem\s+encaminhada|Doorgestuurd\s+bericht|Wiadomość\s+przekazana|Przekazana\s+wiadomość"
    r"|Videresendt\s+(?:melding|meddelelse)|Vidarebefordrat\s+meddelande|Välitetty\s+viesti"
    r"|Přeposlaná\s+zpráva)\s*-*"
    r"|(?:Begin\s+forwarded\s+message|Forwarded\s+message|Начало\s+переадресованного\s+сообщения"
    r"|Начало\s+пересылаемого\s+сообщения|Anfang\s+der\s+weitergeleiteten\s+Nachricht"
    r"|Début\s+du\s+message\s+réexpédié|Inizio\s+messaggio\s+inoltrato"
    r"|Comienzo\s+del\s+mensaje\s+reenviado|Início\s+da\s+mensagem\s+reencaminhada)\s*:)\s*$",
    re.IGNORECASE,
)
_FORWARD_END = re.compile(
    r"^[\s>]*-{2,}\s*(?:Конец\s+пересылаемого\s+сообщения|End\s+of\s+forwarded\s+message"
    r"|Ende\s+der\s+weitergeleiteten\s+Nachricht)\s*-*\s*$",
    re.IGNORECASE,
)

# Header-block field names → the field they stand for.
_FIELDS: dict[str, str] = {}
for _field, _names in {
    "from": "From|От|От кого|Отправитель|Von|De|Da|Van|Od|Fra|Från|Lähettäjä|Remetente|Afzender|Feladó",
    "date": "Date|Sent|Дата|Отправлено|Datum|Gesendet|Envoyé|Inviato|Enviado|Enviada|Fecha|Data"
            "|Verzonden|Wysłano|Sendt|Skickat|Lähetetty|Päivämäärä",
    "to": "To|Кому|An|À|A|Para|Aan|Do|Til|Till|Vastaanottaja|Destinatario|Pour",
    "cc": "Cc|Копия|Kopie|Copie|Cc\u00a0",
    "subject": "Subject|Тема|Betreff|Objet|Sujet|Oggetto|Asunto|Assunto|Onderwerp|Temat|Emne|Ämne|Aihe|Předmět",
    "other": "Reply-To|Répondre à|Antwort an|Ответить|Attachments|Вложения",
}.items():
    for _n in _names.split("|"):
        _FIELDS[_n.casefold()] = _field
_FIELD_RE = re.compile(
    r"^[\s>]*\*?\s*(" + "|".join(sorted((re.escape(n) for n in _FIELDS), key=len, reverse=True))
    + r")\s*:\s*\*?(?:\s+(.*?))?\s*$",
    re.IGNORECASE,
)

_FWD_SUBJECT = re.compile(r"^\s*(?:\[[^\]]{1,40}\]\s*)?(?:fwd?|fw|пересл|переслано|wg|tr|rv|enc|doorst)\s*:",
                          re.IGNORECASE)


# Last words of the verbs above: a cheap first test (this runs on every line of every body).
VERB_LAST = frozenset(
    ["написал", "написала", "написал(а)", "пишет", "писал", "писала", "писал(а)", "написав", "написавла", "wrote", "writes", "written", "sent", "schrieb", "geschrieben", "écrit", "ecrit", "scritto", "scrisse", "escribió", "escribio", "escrito", "escreveu", "schreef", "geschreven", "napisał", "napisała", "napisał(a)", "pisze", "napsal", "napsala", "skrev", "skrivit", "kirjoitti", "viết", "yazdı"]
)


def is_attribution(line: str) -> bool:
    """True when ``line`` (one line, or up to three joined by spaces) is a quote header."""
    s = line.rstrip()
    if not s or (s[-1] not in ":->" and s.rsplit(None, 1)[-1].casefold() not in VERB_LAST):
        return False
    s = " ".join(s.split())
    if len(s) > _MAX_LEN or s.startswith(">"):
        return False
    if not any(p.match(s) for p in _ATTRIBUTION):
        return False
    # "… wrote:" alone is ordinary prose ("Here is what she wrote:"): a header also names
    # a person by address or a date/time, or opens with the client's "On …" word.
    return bool(re.search(rf"{_ADDR}|\d|^[-\s]*(?:On|Am|Le|Op|El|Il|Em|Den|På|W dniu)\s", s)
                or re.search(rf"^[-\s]*\S+(?:\s+\S+){{0,4}}\s+(?:{_VERBS})\s*-{{2,}}", s, re.IGNORECASE))


def is_original_separator(line: str) -> bool:
    """``-----Original Message-----`` and translations: quoted history follows."""
    return "--" in line and bool(_ORIGINAL.match(line))


def is_forward_separator(line: str) -> bool:
    """``---------- Forwarded message ----------`` / ``Begin forwarded message:`` and translations."""
    return ("--" in line or line.rstrip().endswith(":")) and bool(_FORWARD.match(line))


def is_forward_end(line: str) -> bool:
    """``-------- Конец пересылаемого сообщения --------`` (Yandex) and kin."""
    return "--" in line and bool(_FORWARD_END.match(line))


def header_field(line: str) -> tuple[str, str] | None:
    """``"От: Иван <i@x>"`` → ``("from", "Иван <i@x>")``; ``None`` if it is no header field."""
    if ":" not in line[:40]:
        return None
    m = _FIELD_RE.match(line)
    if m is None:
        return None
    return _FIELDS[m.group(1).casefold()], (m.group(2) or "").strip().strip("*").strip()


def is_forward_subject(subject: str) -> bool:
    """``Fwd:`` / ``FW:`` / ``Пересл:`` / ``WG:`` … — the message is a forward."""
    return bool(_FWD_SUBJECT.match(subject or ""))
