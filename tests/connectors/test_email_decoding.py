"""The decoding helpers directly: encoded words as mailers break them, charset choice, and the
indexed header lookup the parser uses (it must answer exactly as the stdlib's scan)."""

from __future__ import annotations

import email

from connectors.email import charsets, mime


def test_encoded_words_as_mailers_break_them() -> None:
    raw8 = "=?koi8-r?Q?" + "Счёт".encode("koi8-r").decode("ascii", "surrogateescape") + "?="
    assert charsets.decode_words(raw8) == "Счёт"
    assert charsets.decode_words("=?koi8-r?Q?=22?=Andrey Borzenkov=?koi8-r?Q?=22=20?=") == '"Andrey Borzenkov" '
    assert charsets.decode_words("=?utf-8?B?0J/RgNC4?= =?utf-8?B?0LLQtdGC?=") == "Привет"
    assert charsets.decode_words("a =?utf-8?Q?b?= c") == "a b c"  # text between words stays
    assert charsets.decode_words("=?iso-8859-1?q?line=0Dbreak?=") == "linebreak"


def test_declared_charset_first_corrected_only_by_the_bytes() -> None:
    assert charsets.decode_guess("Grüße".encode("cp1252"), "iso-8859-1") == "Grüße"
    assert charsets.decode_guess(b"local\x85", "iso-8859-1") == "local…"  # the label means windows-1252
    assert charsets.decode_guess("✿ ok".encode(), "iso-8859-1") == "✿ ok"  # UTF-8 under a Latin label
    assert charsets.decode_guess("Отчёт готов".encode("cp1251"), "iso-8859-1") == "Отчёт готов"
    assert charsets.decode_guess("divulgação".encode("latin-1"), "utf-8") == "divulgação"  # strays
    assert charsets.decode_guess("é è ç, voilà".encode("latin-1")) == "é è ç, voilà"  # undeclared Western
    assert charsets.decode_guess("Акт подписан".encode("koi8-r")) == "Акт подписан"  # undeclared Russian
    assert charsets.decode_guess("РАССЫЛКА".encode("koi8-r"), "koi8-r", trust_label=True) == "РАССЫЛКА"


def test_indexed_header_lookup_answers_like_the_stdlib() -> None:
    raw = (b"Subject: one\r\nsubject: two\r\nContent-Type: text/plain; charset=koi8-r\r\n"
           b"X-A: 1\r\n\r\nbody\r\n")
    fast = email.message_from_bytes(raw, policy=mime.MEMO_POLICY)
    slow = email.message_from_bytes(raw, policy=email.policy.default)
    for name in ("subject", "SUBJECT", "content-type", "x-a", "missing"):
        assert str(fast.get(name)) == str(slow.get(name))
    fast.replace_header("X-A", "2")  # edited in place: the index must not answer the old value
    assert str(fast.get("x-a")) == "2"
    del fast["subject"]
    fast["Subject"] = "three"
    assert str(fast.get("subject")) == "three"
