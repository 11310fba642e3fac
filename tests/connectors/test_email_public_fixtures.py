"""Reply extraction and decoding on real public mail (tests/connectors/public_mail/).

The public archives are downloaded on first use (``pip download``, cached in
``~/.cache/inscope-fixtures``).  Without a network the public cases are skipped
with the reason; under ``CI=true`` that is a failure instead — CI reaches PyPI,
so a skip there would hide a broken fixture set.  The cases we wrote ourselves
need no download and always run.
"""

from __future__ import annotations

import os
from typing import Any

import pytest

from connectors.base import SourceContext
from connectors.email import mime
from connectors.email.common import EmailCore
from tests.connectors.public_mail import loader, scoring

REPLY_CASES = loader.load_cases("replies.toml")
DECODING_CASES = loader.load_cases("decoding.toml")
OWN_REPLIES = [c for c in REPLY_CASES if c["source"] == "own"]
OWN_DECODING = [c for c in DECODING_CASES if c["source"] == "own"]


@pytest.fixture(scope="module")
def public_fixtures() -> None:
    problems = loader.fetch_all()
    if not problems:
        return
    if os.environ.get("CI") == "true":
        pytest.fail("public mail fixtures could not be fetched under CI: " + "; ".join(problems))
    pytest.skip("public mail fixtures not downloadable here: " + "; ".join(problems))


@pytest.mark.parametrize("case", OWN_REPLIES, ids=[c["id"] for c in OWN_REPLIES])
def test_reply_extraction_own_fixture(case: dict[str, Any]) -> None:
    (result,) = scoring.score_replies(cases=[case])
    assert result.ok, (result.got, result.want)


def test_reply_extraction_scores_on_public_mail(public_fixtures: None) -> None:
    groups = scoring.by_group(scoring.score_replies())
    for name, need in (("English", 0.95), ("Russian", 0.95), ("overall", 0.90)):
        passed, total = groups[name]
        assert total >= 20 and passed / total >= need, (name, passed, total)


@pytest.mark.parametrize("case", OWN_DECODING, ids=[c["id"] for c in OWN_DECODING])
def test_decoding_own_fixture(case: dict[str, Any]) -> None:
    (result,) = scoring.score_decoding([case])
    assert result.ok, result.problems


def test_decoding_public_mail_without_mojibake(public_fixtures: None) -> None:
    results = scoring.score_decoding()
    assert len(results) >= 30
    assert [r.id for r in results if not r.ok] == []


def test_public_fixture_hashes_are_checked(public_fixtures: None) -> None:
    case = dict(REPLY_CASES[0], sha256="0" * 64)
    with pytest.raises(loader.FixtureMismatch):
        loader.case_bytes(case)


def test_threading_matches_notmuch_in_both_sync_orders(public_fixtures: None) -> None:
    from tests.connectors.public_mail import threads_vs_notmuch

    result = threads_vs_notmuch.compare_with_notmuch()
    if isinstance(result, str):
        if os.environ.get("CI") == "true":
            pytest.fail(result)
        pytest.skip(result)
    assert result.messages >= 150 and result.notmuch_threads < result.messages  # there are threads to find
    assert result.orders == {"oldest first": (result.notmuch_threads, True),
                             "newest first": (result.notmuch_threads, True)}, result.differences
    # Our subject fallback (which notmuch does not have) groups more, the same way in both orders.
    assert result.subjects_order_independent


def test_item_meta_carries_quoted_history_and_forwards() -> None:
    case = next(c for c in REPLY_CASES if c["id"] == "own-ru-forward-correction")
    raw = ("From: Anna <anna@agency.ru>\r\nTo: roman@agency.ru\r\nSubject: Fwd: Re: Бюджет\r\n"
           "Message-ID: <fwd@agency.ru>\r\nContent-Type: text/plain; charset=utf-8\r\n\r\n"
           + case["text"].replace("\n", "\r\n")).encode()
    p = mime.parse(raw)
    assert p.forwarded == [{"author": "Иван Петров <ivan@client.ru>", "date": "Fri, 29 Sep 2017 at 18:30",
                            "subject": "Re: Бюджет", "text": "Поправка: не 200, а 150 тысяч."}]
    # The forwarded correction is in the displayed text, the quote it answered is one key away.
    assert p.text.startswith("FYI\n\n---------- Forwarded: Иван Петров <ivan@client.ru>")
    assert "Поправка: не 200, а 150 тысяч." in p.text and "Подтверждаете" not in p.text
    assert "> Подтверждаете 200 тысяч?" in p.quoted
    ctx = SourceContext(account="mail", kind="maildir", options={}, secret=lambda _n: None,
                        me_emails=("roman@agency.ru",))
    it = EmailCore(ctx).make_item(raw, fallback_date=None, where={})
    assert it.text == p.text and it.meta["answer"] == "FYI"
    assert it.meta["forwarded"] == p.forwarded and it.meta["quoted"] == p.quoted
