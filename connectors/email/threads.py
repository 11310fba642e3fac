"""E-mail conversations: which thread root a message belongs to.

The conversation key is a thread *root* Message-ID:

1. a message whose References / In-Reply-To name a message we already placed
   joins that message's conversation (first match in References order, then
   In-Reply-To) — this also follows a client whose mailer dropped References;
2. otherwise the first References id (RFC 5322 keeps the root first when
   trimming), else the In-Reply-To id;
3. a message without either header but with a reply-style subject
   ("Re:", "Ответ:", "Fwd:" …) joins an existing conversation with the same
   normalized subject *on the same client side* (sender domain; the full
   address for public webmail domains where a domain says nothing);
4. else its own Message-ID starts a new conversation.

``ThreadIndex`` keeps the two lookup tables.  Its message → conversation map is
rebuilt from the connector cursor (which already lists every synced message with
its conversation), and only the small subject table is serialized separately.
"""

from __future__ import annotations

import re
from collections.abc import Iterable

# "Re:", "RE :", "Re[2]:", "Fwd:", "FW:", "Ответ:", "Отв:", "Пересл:", "AW:", "WG:", "SV:" …
_PREFIX = re.compile(
    r"^\s*(?:re|fwd?|aw|wg|sv|vs|ответ|отв|пересл|переслано|ha)\s*(?:\[\d+\]|\(\d+\))?\s*:\s*",
    re.IGNORECASE,
)
_TAG = re.compile(r"^\s*\[[^\]]{1,40}\]\s*")  # "[client-list] " list tags

PUBLIC_DOMAINS = frozenset(
    {
        "gmail.com", "googlemail.com", "yandex.ru", "ya.ru", "yandex.com", "yandex.by",
        "yandex.kz", "mail.ru", "bk.ru", "list.ru", "inbox.ru", "internet.ru", "rambler.ru",
        "outlook.com", "hotmail.com", "live.com", "icloud.com", "me.com", "yahoo.com",
        "proton.me", "protonmail.com", "gmx.com", "gmx.de", "ukr.net", "tut.by",
    }
)


def strip_prefixes(subject: str) -> str:
    """``"Re: RE: Ответ: Fwd: Отчёт"`` → ``"Отчёт"`` (list tags dropped too)."""
    s = " ".join(subject.split())
    while True:
        new = _PREFIX.sub("", s, count=1)
        new = _TAG.sub("", new, count=1) if new != s else new
        if new == s:
            return s.strip()
        s = new


def is_reply_subject(subject: str) -> bool:
    """True when the subject starts with a reply/forward prefix."""
    return bool(_PREFIX.match(subject or ""))


def subject_key(subject: str) -> str:
    """Case- and space-insensitive form of the subject without prefixes."""
    return strip_prefixes(subject).casefold().replace("ё", "е")


def client_key(addr: str) -> str:
    """Who "the client side" is for subject matching: the domain, or the address at webmail."""
    addr = addr.strip().lower()
    domain = addr.rpartition("@")[2]
    if not domain:
        return ""
    return addr if domain in PUBLIC_DOMAINS else domain


class ThreadIndex:
    """Message-ID → conversation, and (client side, subject) → conversation."""

    def __init__(self) -> None:
        self.conv_of: dict[str, str] = {}
        self.by_subject: dict[str, str] = {}
        # Subject entries added since the last take_new_subjects(): a connector journals
        # just these instead of re-serializing the whole table with every batch.
        self._new_subjects: dict[str, str] = {}

    def load(self, subjects: dict[str, str], messages: Iterable[tuple[str, str]]) -> None:
        """Restore from the serialized subject table and (message id, conversation) pairs."""
        self.by_subject.update(subjects)
        for mid, conv in messages:
            self.conv_of.setdefault(mid, conv)

    def dump_subjects(self) -> dict[str, str]:
        return dict(self.by_subject)

    def take_new_subjects(self) -> dict[str, str]:
        """Subject entries added by :meth:`resolve` since the previous call."""
        out, self._new_subjects = self._new_subjects, {}
        return out

    def resolve(
        self,
        *,
        message_id: str,
        in_reply_to: list[str],
        references: list[str],
        subject: str,
        client: str,
    ) -> str:
        """The conversation key for a message; records it for later messages."""
        known = self.conv_of.get(message_id) if message_id else None
        conv: str | None = known
        if conv is None:
            for ref in [*references, *in_reply_to]:
                if ref in self.conv_of:
                    conv = self.conv_of[ref]
                    break
        if conv is None and (references or in_reply_to):
            conv = references[0] if references else in_reply_to[0]
        skey = subject_key(subject)
        ckey = client_key(client)
        sk = f"{ckey}\x00{skey}" if ckey and skey else ""
        if conv is None and sk and is_reply_subject(subject):
            conv = self.by_subject.get(sk)
        if conv is None:
            conv = message_id
        if message_id:
            self.conv_of[message_id] = conv
        if sk and conv and sk not in self.by_subject:
            # First writer wins: the thread root's subject keeps pointing at the root.
            self.by_subject[sk] = conv
            self._new_subjects[sk] = conv
        return conv
