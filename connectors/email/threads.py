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

Independent of sync order: every id a message names (References, In-Reply-To)
is placed in the message's conversation too, as a "ghost" until that message
arrives, so a parent synced after its reply finds the reply's conversation.  When
a message links two conversations that were started apart (a reply synced before
its parent, each keyed by a different id), the later one is *joined* into the
earlier: :meth:`ThreadIndex.take_joins` hands the ``(absorbed, into)`` pairs to
the connector, which reports them as :class:`connectors.base.ConversationsJoined`
so the store merges the two threads in the batch's transaction.  A conversation
keyed by a message's own id also moves to that message's root (its first
References id) when the root has not been seen, so conversation keys always point
as far up the thread as is known — and a restart, which keeps keys but not the
ghosts, still joins the root when it arrives.  Joins are remembered (an alias
table persisted with the subjects) so later messages and tombstones use the
surviving key.

``ThreadIndex`` keeps the lookup tables.  Its message → conversation map is
rebuilt from the connector cursor (which already lists every synced message with
its conversation), and only the small subject / alias table is serialized separately.
"""

from __future__ import annotations

import functools
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


@functools.lru_cache(maxsize=4096)
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


# Alias entries share the subject table (one persisted str → str map); subject keys always
# contain a NUL between client and subject, alias keys start with this marker instead.
ALIAS = "\x01"


class ThreadIndex:
    """Message-ID → conversation, (client side, subject) → conversation, joined → surviving."""

    def __init__(self, *, subject_fallback: bool = True) -> None:
        self.subject_fallback = subject_fallback
        self.conv_of: dict[str, str] = {}
        # Per (client side, subject): the conversations that can anchor a header-less reply,
        # with their dates, and the header-less replies that found none dated before them yet
        # (joined when one arrives).  In memory: after a restart the persisted first anchor
        # of each subject stands for all of them.
        self._anchors: dict[str, list[tuple[float, str]]] = {}
        self._orphans: dict[str, list[tuple[float, str]]] = {}
        self.by_subject: dict[str, str] = {}
        self.aliases: dict[str, str] = {}  # absorbed conversation → the one it joined
        # Subject entries added since the last take_new_subjects(): a connector journals
        # just these instead of re-serializing the whole table with every batch.
        self._new_subjects: dict[str, str] = {}
        self._joins: list[tuple[str, str]] = []

    def load(self, subjects: dict[str, str], messages: Iterable[tuple[str, str]]) -> None:
        """Restore from the serialized subject table and (message id, conversation) pairs."""
        for k, v in subjects.items():
            if k.startswith(ALIAS):
                self.aliases[k[1:]] = v
            else:
                self.by_subject[k] = v
        for mid, conv in messages:
            conv = self.canonical(conv)
            self.conv_of.setdefault(mid, conv)
            # A conversation's key is an id of the thread (its root as far as known): the
            # message with that id joins it when it arrives, restart or not.
            self.conv_of.setdefault(conv, conv)

    def dump_subjects(self) -> dict[str, str]:
        return {**self.by_subject, **{ALIAS + k: v for k, v in self.aliases.items()}}

    def take_new_subjects(self) -> dict[str, str]:
        """Subject (and alias) entries added by :meth:`resolve` since the previous call."""
        out, self._new_subjects = self._new_subjects, {}
        return out

    def take_joins(self) -> list[tuple[str, str]]:
        """``(absorbed, into)`` conversation pairs joined since the previous call, in order."""
        out, self._joins = self._joins, []
        return out

    def canonical(self, conv: str) -> str:
        """The surviving key of a conversation that may have been joined into another."""
        seen = 0
        while conv in self.aliases and seen < 64:  # bounded: a corrupt table must not hang a sync
            conv = self.aliases[conv]
            seen += 1
        return conv

    def _anchor_before(self, sk: str, when: float) -> str | None:
        """The latest anchor of ``sk`` dated at or before ``when`` (the persisted one, dated
        unknown, when this run has seen none)."""
        anchors = self._anchors.get(sk)
        if not anchors:
            return self.by_subject.get(sk)
        earlier = [a for a in anchors if a[0] <= when]
        return max(earlier)[1] if earlier else None

    def _join(self, absorbed: str, into: str) -> None:
        if absorbed == into or not absorbed or not into:
            return
        self.aliases[absorbed] = into
        self._new_subjects[ALIAS + absorbed] = into
        self._joins.append((absorbed, into))
        for k, v in self.by_subject.items():
            if v == absorbed:
                self.by_subject[k] = into
                self._new_subjects[k] = into

    def resolve(
        self,
        *,
        message_id: str,
        in_reply_to: list[str],
        references: list[str],
        subject: str,
        client: str,
        date: float | None = None,
    ) -> str:
        """The conversation key for a message; records it (and the ids it names) for later
        messages, joining conversations this message proves to be one (see module doc).

        ``date`` (a timestamp; ``None``: unknown) places a header-less reply: it joins the
        latest conversation of its subject and client side that started before it, so the
        result is the same whatever order the mail is synced in."""
        chain = [x for x in [*references, *in_reply_to] if x and x != message_id]
        known_self = self.canonical(self.conv_of[message_id]) if message_id in self.conv_of else None
        linked = [self.canonical(self.conv_of[x]) for x in chain if x in self.conv_of]
        conv: str | None = known_self or (linked[0] if linked else None)
        if conv is not None:
            for other in dict.fromkeys(linked):
                self._join(other, conv)  # this message links them: one conversation
        root = chain[0] if chain else None
        if conv is None and root is not None:
            conv = self.canonical(root)
        elif conv is not None and root is not None and conv == message_id and root not in self.conv_of:
            # The conversation was keyed by this message (its reply came first); the message
            # names an unseen root: move the key up the thread so the root joins when it comes.
            self._join(conv, root)
            conv = root
        skey = subject_key(subject)
        ckey = client_key(client)
        sk = f"{ckey}\x00{skey}" if ckey and skey else ""
        headerless_reply = not chain and bool(sk) and is_reply_subject(subject) and self.subject_fallback
        when = date if date is not None else (float("inf") if headerless_reply else float("-inf"))
        if conv is None and headerless_reply:
            anchor = self._anchor_before(sk, when)
            if anchor is not None:
                conv = self.canonical(anchor)
        if conv is None:
            conv = message_id
        if message_id:
            self.conv_of[message_id] = conv
        for x in chain:
            self.conv_of.setdefault(x, conv)  # ghosts: the parents this message names
        if headerless_reply:
            if conv == message_id:
                self._orphans.setdefault(sk, []).append((when, conv))
        elif sk and conv:
            # Any message but a header-less reply can anchor its subject (that one may be the
            # reply of any thread).  The first anchor is persisted: after a restart it stands in.
            self._anchors.setdefault(sk, []).append((when, conv))
            if sk not in self.by_subject:
                self.by_subject[sk] = conv
                self._new_subjects[sk] = conv
            waiting = self._orphans.get(sk, [])
            for orphan in [o for o in waiting if o[0] >= when]:
                waiting.remove(orphan)
                self._join(self.canonical(orphan[1]), conv)
        return conv
