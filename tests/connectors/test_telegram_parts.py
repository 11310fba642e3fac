"""The Telegram connector's parts on their own, without a server: the reply splitter,
UTF-16 entity slicing, the offset cursor, chat migrations and the update parser."""

from __future__ import annotations

import logging

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from connectors.base import ChatMigrated, Item, SourceEvent
from connectors.telegram.chats import Chats
from connectors.telegram.cursor import next_cursor, offset_of
from connectors.telegram.mapping import UpdateParser, utf16_slice
from connectors.telegram.text import MAX_TEXT, split_text

GROUP = -1001234567890


def parser(chats: Chats | None = None) -> UpdateParser:
    return UpdateParser("tg", chats or Chats(None), handles={"maria_seo"}, me_ids={77},
                        bot_id=7000001)


def message(text: str, **extra: object) -> dict[str, object]:
    return {"message_id": 5, "date": 1767900000, "text": text,
            "chat": {"id": GROUP, "type": "supergroup", "title": "Ромашка"},
            "from": {"id": 111, "first_name": "Иван"}, **extra}


# --- splitting replies ------------------------------------------------------------------------

_reply_text = st.lists(st.sampled_from(["a", "я", "😀", " ", "\n", "\n\n", "слово "]),
                       max_size=200).map("".join)


@settings(max_examples=200, deadline=None)
@given(_reply_text, st.integers(min_value=8, max_value=120))
def test_split_keeps_every_word_in_order_and_every_part_within_the_limit(text: str, limit: int) -> None:
    parts = split_text(text, limit)
    assert all(0 < len(p) <= limit and p == p.strip() for p in parts)
    # Cuts only ever happen at whitespace or inside an over-long word: nothing lost, nothing moved.
    assert "".join("".join(parts).split()) == "".join(text.split())


def test_split_counts_code_points_not_utf16_units() -> None:
    # An emoji is 2 UTF-16 units but 1 character for sendMessage's 4096 limit.
    assert split_text("😀" * MAX_TEXT) == ["😀" * MAX_TEXT]
    assert [len(p) for p in split_text("😀" * (MAX_TEXT + 1))] == [MAX_TEXT, 1]


# --- UTF-16 entity offsets ------------------------------------------------------------------------


def test_utf16_slice_counts_astral_characters_twice() -> None:
    text = "😀😀 @maria_seo привет"
    encoded = text.encode("utf-16-le", errors="surrogatepass")
    # Python index of "@" is 3; in UTF-16 units it is 5 (two emoji of two units each + space).
    assert utf16_slice(encoded, 5, 10) == "@maria_seo"
    assert utf16_slice(encoded, 3, 10) != "@maria_seo"


@pytest.mark.parametrize(("offset", "length"), [(-1, 3), (0, 0), (0, 999), (True, 3), ("0", 3), (0, None)])
def test_utf16_slice_rejects_impossible_entities(offset: object, length: object) -> None:
    assert utf16_slice("@ivan".encode("utf-16-le"), offset, length) is None


def test_mention_after_emoji_is_found_and_is_me() -> None:
    text = "😀 @maria_seo и @other"
    msg = message(text, entities=[{"type": "mention", "offset": 3, "length": 10},
                                  {"type": "mention", "offset": 16, "length": 6}])
    it = parser().parse_message(msg, [], "agency_bot", raw=msg)
    assert it is not None and it.mentions == ("maria_seo", "other") and it.mentions_me


# --- the offset cursor ------------------------------------------------------------------------------


def test_offset_cursor(caplog: pytest.LogCaptureFixture) -> None:
    assert offset_of(None, "tg") is None and offset_of("", "tg") is None
    assert offset_of("42", "tg") == 42
    with caplog.at_level(logging.WARNING, logger="connectors.telegram"):
        assert offset_of("garbage", "tg") is None
    assert "unreadable cursor" in caplog.text
    assert next_cursor(41, "7") == "42", "one past the newest update confirms the batch"
    assert next_cursor(None, "7") == "7", "nothing came: the cursor stays"


# --- chats and migrations ---------------------------------------------------------------------------


def test_migration_keeps_following_the_chat_under_its_new_id() -> None:
    chats = Chats({-4002})
    assert chats.follows(-4002) and not chats.follows(-1004002)
    assert chats.migrate(-4002, -1004002) == ChatMigrated(old="-4002", new="-1004002")
    assert chats.follows(-1004002) and chats.current(-4002) == -1004002
    assert chats.current(-1) == -1


def test_migration_service_message_is_an_event_not_an_item() -> None:
    chats = Chats({-4002})
    events: list[SourceEvent] = []
    msg = {"message_id": 9, "date": 1767900000, "migrate_to_chat_id": -1004002,
           "chat": {"id": -4002, "type": "group", "title": "Группа"}}
    assert parser(chats).parse_message(msg, events, "", raw=msg) is None
    assert events == [ChatMigrated(old="-4002", new="-1004002")]
    assert chats.follows(-1004002)


def test_forum_topic_is_its_own_conversation_titled_by_the_topic() -> None:
    p = parser()
    created = {"message_id": 10, "date": 1767900000, "message_thread_id": 10,
               "forum_topic_created": {"name": "Отчёты"},
               "chat": {"id": GROUP, "type": "supergroup", "title": "Ромашка", "is_forum": True}}
    items: list[Item] = []
    p.parse_update({"update_id": 1, "message": created}, items, [], [], "")
    assert items == [], "the topic's creation is a service message"
    msg = message("в теме", message_thread_id=10, is_topic_message=True,
                  reply_to_message={"message_id": 10, "forum_topic_created": {"name": "Отчёты"}})
    it = p.parse_message(msg, [], "", raw=msg)
    assert it is not None and it.conversation == f"{GROUP}:10" and it.reply_to is None
    assert it.conversation_title == "Ромашка · Отчёты" and it.meta["topic_id"] == 10
    assert it.url == "https://t.me/c/1234567890/10/5"


def test_bot_membership_changes_are_notes() -> None:
    notes: list[str] = []
    upd = {"update_id": 3, "my_chat_member": {"chat": {"id": GROUP, "title": "Ромашка"},
                                              "new_chat_member": {"status": "kicked"}}}
    parser().parse_update(upd, [], [], notes, "")
    assert notes == [f"bot removed from Ромашка ({GROUP})"]
