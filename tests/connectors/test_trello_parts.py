"""The Trello connector's parts on their own, without a server: the cursor, comment mapping,
tombstones and the edit/delete memory."""

from __future__ import annotations

import json
from datetime import UTC, datetime

import httpx
import pytest

from connectors.base import SourceError
from connectors.trello.cursor import BoardState, Cursor
from connectors.trello.mapping import CardInfo, comment_item, dedup, deleted_item, parse_action
from connectors.trello.transport import TrelloApi, credentials

ME = "5f0000000000000000000001"
CLIENT = "5f0000000000000000000002"
CARD = "5f80880e8078885d1f805fb9"
BOARD = "5f73f0000000000000000000"


def action(text: str, *, aid: str = "5ff8e79124603064c207e0e3", author: str = CLIENT) -> dict[str, object]:
    return {"id": aid, "type": "commentCard", "date": "2026-01-08T23:15:29.289Z",
            "idMemberCreator": author,
            "data": {"text": text, "card": {"id": CARD, "name": "Заказ №42", "shortLink": "AVXyuBVm"},
                     "board": {"id": BOARD}},
            "memberCreator": {"id": author, "username": "ivan_client", "fullName": "Иван Петров"}}


# --- the cursor -------------------------------------------------------------------------------------


def test_cursor_round_trip_keeps_positions_gaps_and_memory() -> None:
    c = Cursor(me_id=ME, me_username="maria_seo", boards_at=1700000000.5, recheck_at=1700000100.0)
    c.boards["b1"] = BoardState(last="5ff8e79124603064c207e0e3")
    c.boards["b2"] = BoardState(last="5ff8e79124603064c207e0ff", gap_open=True, gap_lo=None,
                                gap_before="5ff8e79124603064c207e000")
    p = parse_action(action("текст"))
    assert p is not None
    c.remember(p, "b1", mentions_me=True)
    d = Cursor.loads(c.dumps())
    assert d == c
    assert d.boards["b2"].gap_open and d.boards["b2"].gap_lo is None, "a backfill gap survives"
    assert not d.boards["b1"].gap_open


def test_cursor_without_gap_writes_no_gap_and_garbage_starts_over() -> None:
    assert BoardState(last="x").to_json() == {"last": "x"}
    assert Cursor.loads(json.dumps({"v": 99, "me": [ME, "m"]})) == Cursor(), "another version"
    assert Cursor.loads('{"v": 1, "boards": {"b": "not an object"}}').boards == {"b": BoardState()}


def test_remember_and_forget_the_recheck_window() -> None:
    c = Cursor()
    old = parse_action(action("старый", aid="5ff8e79124603064c207e001"))
    new = parse_action(action("новый", aid="5ff8e79124603064c207e002"))
    assert old is not None and new is not None
    c.remember(old, BOARD, mentions_me=False)
    c.remember(new, BOARD, mentions_me=True)
    card_id, board_id, _h, created, mentioned = c.seen[new.id]
    assert (card_id, board_id, created, mentioned) == (CARD, BOARD, int(new.date.timestamp()), 1)
    assert c.seen[old.id][2] != c.seen[new.id][2], "different texts, different hashes"
    c.forget_before(new.date.timestamp())  # both created at the window's edge: forgotten
    assert c.seen == {}


# --- mapping ----------------------------------------------------------------------------------------


def test_comment_item_on_my_card_with_an_at_card_mention() -> None:
    p = parse_action(action("@card посмотрите, пожалуйста"))
    assert p is not None
    card = CardInfo(name="Заказ №42 (новое имя)", url="https://trello.com/c/AVXyuBVm/42", members=(ME, CLIENT))
    it = comment_item(p, account="trello", board_id=BOARD, card=card, me=(ME, "Maria_SEO"),
                      my_handles=set(), usernames={CLIENT: "ivan_client"}, board_name="Клиенты")
    assert it.mentions == ("card",) and it.mentions_me, "@card notifies every member of the card"
    assert it.members == (ME, "ivan_client", "me", ME)
    assert it.conversation == CARD and it.conversation_title == "Заказ №42 (новое имя)"
    assert it.url == card.url and it.routes == (f"trello_board:{BOARD}",)
    assert it.meta == {"board_id": BOARD, "board": "Клиенты", "me_on_card": True}
    assert not it.author.is_me and it.author.handle == "ivan_client"
    assert it.edited_at is None


def test_comment_item_off_the_card_falls_back_to_the_action() -> None:
    p = parse_action(action("@maria_seo глянь", author=ME))
    assert p is not None
    it = comment_item(p, account="trello", board_id=BOARD, card=None, me=(ME, "maria_seo"),
                      my_handles=set(), usernames={}, board_name="", edited=True)
    assert it.mentions_me and it.author.is_me and it.members == ()
    assert it.conversation_title == "Заказ №42" and it.url == "https://trello.com/c/AVXyuBVm"
    assert it.edited_at is not None, "an edit found by the recheck is marked edited"


def test_tombstone_and_dedup_keep_the_latest_word() -> None:
    p = parse_action(action("было"))
    assert p is not None
    created = datetime(2026, 1, 8, tzinfo=UTC).timestamp()
    gone = deleted_item(account="trello", board_id=BOARD, comment_id=p.id, card_id=CARD,
                        created=created, mentioned=True, card=None, me_id=ME)
    assert gone.deleted and gone.text == "" and gone.mentions_me and gone.meta["me_on_card"] is False
    live = comment_item(p, account="trello", board_id=BOARD, card=None, me=(ME, ""), my_handles=set(),
                        usernames={}, board_name="")
    assert dedup([live, gone]) == [gone]


# --- transport ----------------------------------------------------------------------------------------


async def test_auth_is_a_header_and_never_in_the_url() -> None:
    seen: list[httpx.Request] = []

    def handler(req: httpx.Request) -> httpx.Response:
        seen.append(req)
        return httpx.Response(200, json={"id": ME})

    key, token = "partsTestKey0123456789", "partsTestToken0123456789"
    api = TrelloApi("trello", key, token, {"api_base": "https://api.example/1"},
                    transport=httpx.MockTransport(handler))
    try:
        assert await api.get("/members/me", fields="id") == {"id": ME}
    finally:
        await api.aclose()
    (req,) = seen
    assert req.headers["authorization"] == f'OAuth oauth_consumer_key="{key}", oauth_token="{token}"'
    assert key not in str(req.url) and token not in str(req.url)


def test_missing_credentials_are_fatal() -> None:
    with pytest.raises(SourceError) as ei:
        credentials("trello", "k" * 32, None)
    assert ei.value.fatal and "inscope connect trello" in str(ei.value)
