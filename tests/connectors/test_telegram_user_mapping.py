"""Real Telethon TL objects → Items: the mapping of connectors/telegram_user/mapping.py.

Every message here is a ``telethon.tl.types`` object built with the constructor Telethon
itself uses when it deserializes Telegram's answer, so the fields are the ones the real
library hands over.  What this does not prove: that Telegram fills those fields the way
these tests do (e.g. when it sets ``mentioned``, or the exact reply header of a forum).
"""

from __future__ import annotations

from datetime import timedelta
from typing import Any

from telethon import types, utils

from connectors.base import ChatMigrated, SourceEvent
from connectors.telegram_user.fetch import short_to_message
from connectors.telegram_user.mapping import MessageMapper, media_info
from connectors.telegram_user.peers import Peers, chat_info
from tests.connectors.telegram_user_fake import IVAN, ME, T0, basic_group, channel, topic_reply

CHAN = channel(1234567890, "ТехноМаркет", forum=True, username="technomarket")
GROUP = utils.get_peer_id(types.PeerChat(77))


def mapper() -> MessageMapper:
    peers = Peers()
    for e in (CHAN, IVAN, ME):
        peers.learn(e)
    peers.chats[utils.get_peer_id(CHAN)] = chat_info(CHAN)
    return MessageMapper("me", peers, me_id=ME.id, me_name="Мария", handles={"maria_seo", "masha"})


def msg(text: str = "", **kw: Any) -> Any:
    kw.setdefault("id", 10)
    kw.setdefault("peer_id", types.PeerChannel(CHAN.id))
    kw.setdefault("from_id", types.PeerUser(IVAN.id))
    return types.Message(date=T0, message=text, **kw)


def test_mentions_use_utf16_offsets_and_mark_me() -> None:
    text = "👍🏻 @masha глянь, и @ivan_client тоже"
    # "👍🏻 " is 4 UTF-16 units + a space: @masha starts at 5.
    ents = [types.MessageEntityMention(offset=5, length=6),
            types.MessageEntityMention(offset=21, length=12)]
    it = mapper().item(msg(text, entities=ents))
    assert it is not None and it.mentions == ("masha", "ivan_client") and it.mentions_me


def test_mention_by_name_of_my_user_id() -> None:
    it = mapper().item(msg("Мария, посмотри", entities=[
        types.MessageEntityMentionName(offset=0, length=5, user_id=ME.id)]))
    assert it is not None and it.mentions_me and it.mentions == ("maria_seo",)


def test_telegram_mentioned_flag_counts_but_not_on_my_own_messages() -> None:
    m = mapper()
    a = m.item(msg("ответ тебе", mentioned=True))
    b = m.item(msg("моё", out=True, mentioned=True))
    assert a is not None and a.mentions_me
    assert b is not None and b.author.is_me and not b.mentions_me


def test_forum_topic_conversation_and_reply_inside_it() -> None:
    m = mapper()
    m.peers.topics[(utils.get_peer_id(CHAN), 5)] = "Отчёты"
    plain = m.item(msg("в теме", reply_to=topic_reply(5)))
    reply = m.item(msg("ответ", id=11, reply_to=topic_reply(5, 10)))
    general = m.item(msg("в General", id=12))
    cid = utils.get_peer_id(CHAN)
    assert plain is not None and plain.conversation == f"{cid}:5" and plain.reply_to is None
    assert plain.conversation_title == "ТехноМаркет · Отчёты"
    assert plain.url == "https://t.me/technomarket/5/10"
    assert reply is not None and reply.conversation == f"{cid}:5" and reply.reply_to == f"{cid}:10"
    assert general is not None and general.conversation == str(cid)


def test_quote_and_reply_to_another_chat() -> None:
    it = mapper().item(msg("да", reply_to=types.MessageReplyHeader(
        reply_to_msg_id=3, reply_to_peer_id=types.PeerChannel(42), quote_text="цитата")))
    assert it is not None and it.reply_to is None
    assert it.meta["quote"] == "цитата"
    assert it.meta["external_reply"] == {"chat": utils.get_peer_id(types.PeerChannel(42)),
                                         "message_id": 3}


def test_edited_hidden_edit_and_control_characters() -> None:
    m = mapper()
    e = m.item(msg("правка\x1b[31m", edit_date=T0 + timedelta(minutes=3)))
    hidden = m.item(msg("реакция", edit_date=T0 + timedelta(minutes=3), edit_hide=True))
    assert e is not None and e.edited_at == T0 + timedelta(minutes=3) and e.text == "правка[31m"
    assert hidden is not None and hidden.edited_at is None


def test_anonymous_admin_posts_as_the_chat() -> None:
    it = mapper().item(msg("объявление", from_id=types.PeerChannel(CHAN.id)))
    assert it is not None and it.author.name == "ТехноМаркет" and not it.author.is_me


def test_media_kinds() -> None:
    def doc(*attrs: Any, mime: str = "application/octet-stream") -> Any:
        return types.MessageMediaDocument(document=types.Document(
            id=1, access_hash=1, file_reference=b"", date=T0, mime_type=mime, size=1000, dc_id=2,
            attributes=list(attrs)))

    photo = types.MessageMediaPhoto(photo=types.Photo(
        id=1, access_hash=1, file_reference=b"", date=T0, dc_id=2,
        sizes=[types.PhotoSize(type="m", w=320, h=240, size=20_000),
               types.PhotoSizeProgressive(type="y", w=1280, h=960, sizes=[1000, 90_000])]))
    assert media_info(photo)[1][0]["file_size"] == 90_000
    assert media_info(doc(types.DocumentAttributeAudio(duration=7, voice=True)))[0] == "[voice]"
    assert media_info(doc(types.DocumentAttributeVideo(duration=3, w=1, h=1, round_message=True)))[0] == "[video_note]"
    assert media_info(doc(types.DocumentAttributeSticker(alt="😀", stickerset=types.InputStickerSetEmpty())))[0] == "[sticker: 😀]"
    assert media_info(types.MessageMediaGeo(geo=types.GeoPointEmpty()))[0] == "[location]"
    poll = types.MessageMediaPoll(
        poll=types.Poll(id=1, question=types.TextWithEntities(text="Когда созвон?", entities=[]),
                        answers=[], hash=0),
        results=types.PollResults())
    assert media_info(poll)[0] == "[poll: Когда созвон?]"
    assert media_info(types.MessageMediaWebPage(webpage=types.WebPageEmpty(id=1))) == ("", [])
    it = mapper().item(msg("", media=photo))
    assert it is not None and it.text == "[photo]" and it.meta["attachments"][0]["downloadable"]


def test_service_messages_name_topics_and_report_migrations() -> None:
    m = mapper()
    ev: list[SourceEvent] = []
    cid = utils.get_peer_id(CHAN)
    m.service(types.MessageService(id=5, peer_id=types.PeerChannel(CHAN.id), date=T0,
                                   action=types.MessageActionTopicCreate(title="Счета", icon_color=1)), ev)
    assert m.peers.topics[(cid, 5)] == "Счета"
    m.service(types.MessageService(id=9, peer_id=types.PeerChat(77), date=T0,
                                   action=types.MessageActionChatMigrateTo(channel_id=CHAN.id)), ev)
    assert ev == [ChatMigrated(old="-77", new=str(cid))]
    assert m.item(types.MessageService(id=6, peer_id=types.PeerChannel(CHAN.id), date=T0,
                                       action=types.MessageActionPinMessage())) is None


def test_short_chat_update_becomes_a_message_like_telethon_builds_it() -> None:
    upd = types.UpdateShortChatMessage(id=3, from_id=IVAN.id, chat_id=77, message="привет", pts=1,
                                       pts_count=1, date=T0)
    m = mapper()
    m.peers.chats[-77] = chat_info(basic_group(77, "Старая группа"))
    it = m.item(short_to_message(upd, ME.id))
    assert it is not None and it.external_id == "-77:3" and it.author.name == "Иван"
    assert it.url == "" and it.meta["chat_type"] == "group"


def test_tombstone_keeps_the_conversation() -> None:
    t = mapper().tombstone(utils.get_peer_id(CHAN), 10, 5, T0)
    assert t.deleted and t.conversation == f"{utils.get_peer_id(CHAN)}:5" and t.text == ""


def test_group_constant_is_the_marked_basic_group_id() -> None:
    assert GROUP == -77
