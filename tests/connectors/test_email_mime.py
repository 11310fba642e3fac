"""The message corpus (tests/email_corpus/) parsed to the exact expected text, plus the
recovery paths of connectors.email.mime and a hypothesis fuzz of the MIME path."""

from __future__ import annotations

import email
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from connectors.base import SourceContext
from connectors.email import mime
from connectors.email.common import EmailCore
from connectors.email.threads import ThreadIndex, strip_prefixes

CORPUS = Path(__file__).parent / "email_corpus"

# file → (subject, from name, from address, displayed text)
EXPECTED: dict[str, tuple[str, str, str, str]] = {
    "01_koi8r_encoded_words.eml": ("Счёт за март", "Иван Петров", "ivan@client.ru",
                                   "Добрый день!\nПришлите, пожалуйста, счёт за март."),
    "02_cp1251_quoted_printable.eml": ("Вопрос по рекламе", "Ольга", "olga@shop.ru",
                                       "Здравствуйте, Анна!\nКогда запустим рекламу в Директе?"),
    "03_raw_8bit_cp1251_headers.eml": ("Срочно: сайт не открывается", "Сергей Иванов", "sergey@zavod.ru",
                                       "Сайт не открывается с утра, посмотрите, пожалуйста."),
    "04_raw_8bit_koi8_headers.eml": ("Отчёт по позициям за неделю", "Мария Соколова", "maria@client.ru",
                                     "Где отчёт по позициям?"),
    "05_no_charset_utf8.eml": ("Правки на сайте", "Petr", "petr@client.ru",
                               "Поправьте, пожалуйста, заголовок на главной."),
    "06_no_content_type_cp1251.eml": ("Akt", "", "buh@zavod.ru", "Акт подписан, оригинал отправили почтой."),
    "07_x_unknown_charset.eml": ("Banner", "Dmitry K.", "dk@shop.ru", "Баннер согласован, запускайте."),
    "08_mislabel_koi8_is_cp1251.eml": ("Budget", "Irina", "irina@client.ru",
                                       "Бюджет на апрель увеличиваем до ста тысяч."),
    "09_mislabel_cp1251_is_koi8.eml": ("Re: Budget", "Irina", "irina@client.ru",
                                       "Уточнение: только для поиска, сети не трогаем."),
    "10_html_only.eml": ("Mockup", "Design Team", "design@client.ru",
                         "Добрый день!\n\nПосмотрите новый макет: [ссылка](https://client.ru/mockup)"
                         "\n\n  * шапка\n  * подвал"),
    "11_multipart_alternative.eml": ("Meeting", "Ivan", "ivan@client.ru", "Созвон в четверг в 15:00."),
    "12_alternative_empty_plain.eml": ("Links", "Ivan", "ivan@client.ru",
                                       "Список страниц для robots.txt во вложении."),
    "13_bad_date.eml": ("Hello", "Ivan", "ivan@client.ru", "Just checking in."),
    "14_msgid_no_brackets.eml": ("Id", "Ivan", "ivan@client.ru", "No brackets here."),
    "15_long_references.eml": ("Re: Long thread", "Ivan", "ivan@client.ru", "Thread number thirty-one."),
    "16_gmail_reply_quoted.eml": ("Re: Landing page", "John Smith", "john@example-client.com",
                                  "Looks good, ship it."),
    "17_russian_reply_signature.eml": ("Re: Счёт за март", "Иван Петров", "ivan@client.ru",
                                       "Спасибо, оплатили."),
    "18_outlook_reply.eml": ("RE: Вопрос по рекламе", "Ольга", "olga@shop.ru",
                             "Договорились, ждём запуск в понедельник."),
    "19_attachments.eml": ("Договор и логотип", "", "buh@zavod.ru", "Договор и логотип во вложении."),
    "20_html_cp1251_qp.eml": ("Audit", "Kirill", "kirill@zavod.ru", "Привет!\nНужен аудит сайта."),
    "21_no_message_id.eml": ("Daily report", "Robot", "noreply@client.ru", "Visits: 1204"),
    "22_mobile_signature.eml": ("Фото для сайта", "Maria", "maria@client.ru", "Фото загрузила на диск."),
    "23_base64_koi8_body.eml": ("План", "Ivan", "ivan@client.ru", "План работ на апрель согласован."),
    "24_adjacent_encoded_words.eml": ("Новые ключевые слова", "Ivan", "ivan@client.ru", "See the list."),
    "25_stacked_prefixes_reply_to.eml": ("Re: RE: Ответ: Fwd: Макеты", "Ivan", "ivan@client.ru", "Ok."),
    "26_mailru_attribution.eml": ("Re: Sitemap", "Petr", "petr@client.ru", "Карту сайта обновили."),
}


def load(name: str) -> bytes:
    return (CORPUS / name).read_bytes()


def ctx(**options: Any) -> SourceContext:
    return SourceContext(account="mail", kind="maildir", options=options, secret=lambda n: None,
                         me_name="Anna Smirnova", me_emails=("anna@agency.test",))


def test_corpus_is_complete() -> None:
    assert sorted(p.name for p in CORPUS.glob("*.eml")) == sorted(EXPECTED)
    assert len(EXPECTED) >= 20


@pytest.mark.parametrize("name", sorted(EXPECTED))
def test_corpus_message_parses_to_expected(name: str) -> None:
    subject, from_name, from_addr, text = EXPECTED[name]
    p = mime.parse(load(name))
    assert not p.unparsed
    assert p.subject == subject
    assert (p.from_name, p.from_addr) == (from_name, from_addr)
    assert p.text == text
    assert "\ufffd" not in p.full_text + p.subject + p.from_name


def test_memoized_headers_parse_like_policy_default() -> None:
    # Parse the corpus twice (cold, then every header value a memo hit) in an order where
    # messages share header values, and against the plain policy.default parse.
    mime._fetch_header.cache_clear()
    for _round in range(2):
        for name in sorted(EXPECTED):
            raw = load(name)
            assert mime.parse(raw) == mime.parse(raw, reference=True), name
    assert mime._fetch_header.cache_info().hits > 0


def test_raw_round_trips_bytes() -> None:
    for name in EXPECTED:
        raw = load(name)
        assert mime.raw_bytes(mime.raw_text(raw)) == raw
    junk = bytes(range(256))
    assert mime.raw_bytes(mime.raw_text(junk)) == junk


def test_quoted_history_kept_in_full_text() -> None:
    p = mime.parse(load("16_gmail_reply_quoted.eml"))
    assert "> Here is the new landing page." in p.full_text
    p = mime.parse(load("17_russian_reply_signature.eml"))
    assert "С уважением," in p.full_text and "С уважением" not in p.text
    p = mime.parse(load("18_outlook_reply.eml"))
    assert p.full_text.endswith("Запустим в понедельник.")


def test_attachments_listed_with_name_and_size() -> None:
    p = mime.parse(load("19_attachments.eml"))
    assert p.attachments == [
        {"name": "Договор.pdf", "size": 9 + 1024, "type": "application/pdf"},
        {"name": "logo.png", "size": 108, "type": "image/png"},
    ]


def test_ids_dates_and_references() -> None:
    assert mime.parse(load("14_msgid_no_brackets.eml")).message_id == "<abc123.456@mail.client.ru>"
    assert mime.parse(load("13_bad_date.eml")).date is None
    assert mime.parse(load("01_koi8r_encoded_words.eml")).date == datetime(2024, 3, 11, 7, 15, tzinfo=UTC)
    p = mime.parse(load("15_long_references.eml"))
    assert len(p.references) == 30
    assert p.references[0] == "<ref00.thread@client.ru>"
    assert p.in_reply_to == ["<ref29.thread@client.ru>"]
    assert mime.parse(load("25_stacked_prefixes_reply_to.eml")).reply_to == [("Office", "office@client.ru")]


def test_items_from_corpus() -> None:
    core = EmailCore(ctx())
    fallback = datetime(2024, 4, 1, 12, 0, tzinfo=UTC)
    items = {n: core.make_item(load(n), fallback_date=fallback, where={"maildir_key": n}) for n in sorted(EXPECTED)}
    it = items["13_bad_date.eml"]
    assert it.created_at == fallback and it.meta["date_fallback"] is True
    it = items["15_long_references.eml"]
    assert it.conversation == "<ref00.thread@client.ru>" and it.conversation_title == "Long thread"
    it = items["25_stacked_prefixes_reply_to.eml"]
    assert it.conversation_title == "Макеты"
    assert it.meta["reply_to"] == ["Office <office@client.ru>"] and it.meta["cc"] == ["Boss <boss@client.ru>"]
    # Threading: 17 answers Anna's reply to 01 → same conversation as 01; 09 answers 08.
    assert items["17_russian_reply_signature.eml"].conversation == "<koi8-01@client.ru>"
    assert items["09_mislabel_cp1251_is_koi8.eml"].conversation == items["08_mislabel_koi8_is_cp1251.eml"].conversation
    # No Message-ID: a stable hash of the bytes.
    a = items["21_no_message_id.eml"].external_id
    assert a.startswith("sha256:") and a == EmailCore(ctx()).make_item(
        load("21_no_message_id.eml"), fallback_date=None, where={}).external_id
    it = items["03_raw_8bit_cp1251_headers.eml"]
    assert it.author.name == "Сергей Иванов" and it.author.email == "sergey@zavod.ru" and not it.author.is_me
    assert it.routes == ("email:sergey@zavod.ru", "email_domain:zavod.ru")
    assert it.mentions_me  # Anna is in To
    assert it.meta["full_text"] == it.text and it.raw == mime.raw_text(load("03_raw_8bit_cp1251_headers.eml"))
    assert items["19_attachments.eml"].meta["attachments"][0]["name"] == "Договор.pdf"


def test_my_own_message_routes_to_recipient() -> None:
    raw = (b"From: Anna <anna@agency.test>\r\nTo: Ivan <ivan@client.ru>\r\nSubject: Re: X\r\n"
           b"Message-ID: <mine@agency.test>\r\n\r\nHi\r\n")
    it = EmailCore(ctx()).make_item(raw, fallback_date=None, where={})
    assert it.author.is_me
    assert it.routes == ("email:ivan@client.ru", "email_domain:client.ru")


def test_unparseable_message_is_kept(monkeypatch: pytest.MonkeyPatch) -> None:
    raw = load("02_cp1251_quoted_printable.eml")

    def boom(*a: Any, **k: Any) -> Any:
        raise RuntimeError("parser exploded")

    monkeypatch.setattr(email, "message_from_bytes", boom)
    p = mime.parse(raw)
    assert p.unparsed
    assert p.text.startswith(f"[unparsed message, {len(raw)} bytes]\n")
    assert p.subject == "Вопрос по рекламе" and p.from_addr == "olga@shop.ru"
    it = EmailCore(ctx()).make_item(raw, fallback_date=None, where={})
    assert it.meta["unparsed"] is True and it.external_id == "<cp1251-02@shop.ru>"
    assert mime.raw_bytes(it.raw) == raw


def test_decode_guess() -> None:
    text = "Съешь же ещё этих мягких французских булок"
    for cs in ("cp1251", "koi8-r", "utf-8"):
        assert mime.decode_guess(text.encode(cs)) == text
        assert mime.decode_guess(text.encode(cs), "x-unknown") == text
    assert mime.decode_guess(text.encode("koi8-r"), "windows-1251") == text
    assert mime.decode_guess("привет".encode("mac-cyrillic"), "x-mac-cyrillic") == "привет"


def test_trim_keeps_inline_answers() -> None:
    t = "> Can you fix it?\nYes, today.\n> And the banner?\nTomorrow."
    assert mime.trim_quoted(t) == t
    assert mime.trim_quoted("> only a quote") == "> only a quote"


def test_thread_subject_fallback_same_client_side_only() -> None:
    ti = ThreadIndex()
    root = ti.resolve(message_id="<a@x>", in_reply_to=[], references=[], subject="Отчёт", client="ivan@client.ru")
    # A reply from the same company whose mailer dropped the headers joins the thread.
    assert ti.resolve(message_id="<b@x>", in_reply_to=[], references=[], subject="Ответ: отчёт",
                      client="olga@client.ru") == root
    # Another client with the same subject does not.
    assert ti.resolve(message_id="<c@x>", in_reply_to=[], references=[], subject="Re: Отчёт",
                      client="petr@other.ru") == "<c@x>"
    # At public webmail domains the address, not the domain, is the client.
    ti.resolve(message_id="<d@x>", in_reply_to=[], references=[], subject="Сайт", client="a@mail.ru")
    assert ti.resolve(message_id="<e@x>", in_reply_to=[], references=[], subject="Re: Сайт",
                      client="b@mail.ru") == "<e@x>"
    # A message answering <b@x> by In-Reply-To only follows b into a's thread.
    assert ti.resolve(message_id="<f@x>", in_reply_to=["<b@x>"], references=[], subject="?",
                      client="ivan@client.ru") == root
    # Without a reply prefix, the same subject is a new conversation.
    assert ti.resolve(message_id="<g@x>", in_reply_to=[], references=[], subject="Отчёт",
                      client="ivan@client.ru") == "<g@x>"


def test_strip_prefixes() -> None:
    assert strip_prefixes("Re: RE: Ответ: Fwd: Макеты") == "Макеты"
    assert strip_prefixes("Re[2]: [client-list] FW: Итоги") == "Итоги"
    assert strip_prefixes("Research results") == "Research results"


_HEADER_NAMES = st.sampled_from(
    [b"Subject", b"From", b"To", b"Cc", b"Date", b"Message-ID", b"References", b"In-Reply-To",
     b"Content-Type", b"Content-Transfer-Encoding", b"Content-Disposition", b"Reply-To", b"MIME-Version"]
)
_VALUES = st.one_of(
    st.binary(max_size=80),
    st.sampled_from([b"multipart/mixed; boundary=\"b\"", b"text/html; charset=x-unknown",
                     b"text/plain; charset=koi8-r", b"base64", b"quoted-printable", b"=?utf-8?B?0J/=?=",
                     b"=?koi8-r?Q?=F0=?=", b"<a@b> <c@d", b"\"\xd0\x98\" <@>", b"attachment; filename*=UTF-8''%ZZ",
                     b"Mon, 99 Foo 2024 99:99:99 +9999", b"message/rfc822"]),
)


@settings(max_examples=300, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(
    headers=st.lists(st.tuples(_HEADER_NAMES, _VALUES), max_size=10),
    body=st.one_of(
        st.binary(max_size=400),
        st.sampled_from([b"--b\r\nContent-Type: text/plain\r\n\r\nx\r\n--b--", b"--b\r\n\r\n--b",
                         b"<html><p>\xff\xfe</p>", b"=\r\n=ZZ", b"////"]),
    ),
)
def test_fuzz_mime_never_raises(headers: list[tuple[bytes, bytes]], body: bytes) -> None:
    raw = b"".join(n + b": " + v.replace(b"\n", b" ") + b"\r\n" for n, v in headers) + b"\r\n" + body
    p = mime.parse(raw)
    assert isinstance(p.text, str) and isinstance(p.subject, str)
    assert p == mime.parse(raw, reference=True)  # the header memo changes nothing
    it = EmailCore(ctx()).make_item(raw, fallback_date=None, where={})
    assert it.external_id and it.conversation
    assert mime.raw_bytes(it.raw) == raw
