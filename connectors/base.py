"""The connector protocol and the normalized records every connector speaks.

A connector knows its wire protocol and nothing else: not the store, not the
triage rules, not the UI.  The core (``inscope.sync``) calls ``fetch`` with the
last cursor it committed, stores the returned ``Batch`` *and* its new cursor in
one transaction, as invariant 3 (docs/architecture.md, Invariants) requires, and
drains the outbox through ``send`` / ``reconcile`` (invariant 2, same place).

Besides the required :class:`Connector` protocol, a connector may have optional
capabilities, each a runtime-checkable protocol the engine tests with
``isinstance``: :class:`PushWait` (the server can wake us, e.g. IMAP IDLE) and
:class:`LongPoll` (``fetch`` itself waits for news, e.g. Telegram ``getUpdates``), :class:`MarksRead`
(the source keeps read receipts the engine should send when the user opens or closes a
thread) and :class:`DownloadsMedia` (attachments are fetched only when asked for).
Things a source reports besides items travel as typed :data:`SourceEvent` values.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import Any, Literal, Protocol, TypeAlias, runtime_checkable

Source = Literal["trello", "telegram", "email", "demo"]


@dataclass(frozen=True, slots=True)
class Author:
    """Who wrote an item, as the source names them."""

    id: str
    name: str
    handle: str = ""  # @username on Trello / Telegram, without the "@"
    email: str = ""
    is_me: bool = False  # written by the user (or, on Telegram, by our bot)
    is_bot: bool = False


@dataclass(slots=True)
class Item:
    """One message-like thing from a source, normalized.

    ``external_id`` is stable and unique within ``account``; re-delivering the
    same item (a crash before the cursor moved) is an idempotent upsert.
    ``conversation`` groups items into one thread: a Trello card id, a Telegram
    ``chat_id`` or ``chat_id:topic_id``, an e-mail thread root Message-ID.
    ``routes`` are the keys the core matches against config to find the project,
    e.g. ``("trello_board:5f73…",)``, ``("telegram_chat:-100123",)``,
    ``("email:ivan@client.ru", "email_domain:client.ru")``.
    """

    source: Source
    account: str
    external_id: str
    conversation: str
    conversation_title: str
    author: Author
    text: str
    created_at: datetime  # aware, UTC
    edited_at: datetime | None = None
    deleted: bool = False
    reply_to: str | None = None  # external_id of the item this answers, same account
    mentions: tuple[str, ...] = ()  # handles / addresses mentioned in the text
    mentions_me: bool = False
    url: str = ""  # deep link to the original (card, t.me link, …)
    routes: tuple[str, ...] = ()
    members: tuple[str, ...] = ()  # e.g. Trello card idMembers (for "I'm on the card")
    meta: dict[str, Any] = field(default_factory=dict)  # per-source extras (subject, attachments…)
    raw: str = ""  # the payload as received (JSON text or the raw MIME), kept for re-parsing


@dataclass(frozen=True, slots=True)
class ChatMigrated:
    """A conversation changed its key at the source: ``old`` is now ``new``.

    A Telegram group upgraded to a supergroup gets a new chat id; the core re-keys
    the stored threads (and the project mapping) so history stays in one thread.
    Applied before the items of the same batch, which already use ``new``.
    """

    old: str
    new: str


@dataclass(frozen=True, slots=True)
class ConversationsJoined:
    """Two conversations turned out to be one: ``absorbed`` is now part of ``into``.

    E-mail: a reply synced before its parent started a conversation of its own; the
    parent (or a later message naming both) links them.  The core merges the stored
    threads — messages, outbox, escalations, snooze/done state — into ``into``'s, in the
    transaction of the same batch, whose items already use ``into``.
    """

    absorbed: str
    into: str


SourceEvent: TypeAlias = ChatMigrated | ConversationsJoined
"""Everything a source can report besides items.  Widen this union with each new
event type; the sync engine dispatches on it exhaustively, so mypy names every
place that must learn the new case."""


@dataclass(slots=True)
class Batch:
    """What one ``fetch`` returns.

    ``cursor`` is the opaque position to pass to the next ``fetch``; it is
    committed together with ``items``.  ``more`` asks the caller to fetch again
    right away (a backfill that is not finished).  ``events`` are structural
    changes the core acts on (a chat migration), applied before ``items``.
    ``notes`` are human-readable status lines only (e.g. "3 comments edited")
    for the status bar / doctor; nothing parses them.
    """

    items: list[Item]
    cursor: str | None
    more: bool = False
    notes: list[str] = field(default_factory=list)
    events: list[SourceEvent] = field(default_factory=list)


@dataclass(frozen=True, slots=True)
class Outgoing:
    """A reply (or an escalation note) to deliver, as read from the outbox.

    ``key`` is the idempotency key (stable across retries and restarts).
    ``conversation`` / ``reply_to`` are the thread's conversation key and the
    external id of the message being answered.  ``target`` carries channel
    specifics for escalations (e.g. ``{"chat_id": "-100…"}`` or
    ``{"email": "anna@agency.ru"}``); for replies it is empty.

    ``progress`` is what an earlier attempt of a multi-part send recorded (e.g. the
    remote ids of the parts already delivered); a connector that sends in parts calls
    ``on_progress`` after each part so the core keeps it durable, and resumes from it
    instead of posting delivered parts again.
    """

    key: str
    account: str
    conversation: str
    text: str
    reply_to: str | None = None
    subject: str = ""
    target: dict[str, str] = field(default_factory=dict)
    created_at: datetime = field(default_factory=lambda: datetime.now(UTC))
    progress: dict[str, Any] = field(default_factory=dict)
    on_progress: Callable[[dict[str, Any]], None] | None = None


@dataclass(frozen=True, slots=True)
class ReplyLimit:
    """How long a reply a source takes: ``max_chars`` (longer is refused by the remote),
    or parts of ``part_chars`` delivered at ``parts_per_minute`` (so long ones take time)."""

    max_chars: int | None = None
    part_chars: int | None = None
    parts_per_minute: float | None = None


@dataclass(frozen=True, slots=True)
class SendResult:
    """Proof of delivery: the remote id of what was posted (and the item, if known)."""

    remote_id: str
    item: Item | None = None  # our own message as it now exists remotely, stored in the thread


class ReconcileUnknown(Exception):
    """Raised by ``reconcile`` when the remote cannot tell whether a send happened."""


class SourceError(Exception):
    """A failure that the sync loop turns into a visible account status.

    ``retry_after`` (seconds) asks for a pause before the next attempt;
    ``fatal`` disables the account until the user fixes it (e.g. a revoked token).
    The message must never contain a secret.
    """

    def __init__(self, message: str, *, retry_after: float | None = None, fatal: bool = False):
        super().__init__(message)
        self.retry_after = retry_after
        self.fatal = fatal


class MaybeSentError(SourceError):
    """A send whose outcome is unknown (the request went out, the answer was lost): the
    engine must reconcile before retrying, or the reply could be posted twice."""


class PermanentSendError(SourceError):
    """A send that must not be retried (e.g. the chat is gone): the outbox row becomes failed."""


@runtime_checkable
class Connector(Protocol):
    """What the sync engine needs from a source."""

    kind: str  # "trello" | "telegram" | "imap" | "maildir" | "smtp" | "demo"
    account: str  # account name from config

    async def fetch(self, cursor: str | None) -> Batch:
        """Return what is new since ``cursor`` (``None``: first run, backfill)."""
        ...

    async def send(self, out: Outgoing) -> SendResult:
        """Deliver ``out``; raise ``SourceError`` (retryable) or ``PermanentSendError``."""
        ...

    async def reconcile(self, out: Outgoing) -> SendResult | None:
        """After a crash mid-send: the remote copy if it was delivered, ``None`` if it
        certainly was not, or raise ``ReconcileUnknown`` if that cannot be known."""
        ...

    async def aclose(self) -> None:
        """Release sockets and files."""
        ...


@runtime_checkable
class PushWait(Protocol):
    """A connector the server can wake: the engine waits in ``wait`` instead of sleeping
    out the poll interval, and fetches as soon as it returns."""

    async def wait(self, timeout: float) -> bool:
        """Block up to ``timeout`` seconds; True as soon as the remote reports a change,
        False on timeout.  Must not be called concurrently on one connector."""
        ...


@runtime_checkable
class LongPoll(Protocol):
    """A connector whose ``fetch`` itself waits up to ``poll_timeout`` seconds for news:
    when that is positive the engine fetches again right away instead of pausing."""

    poll_timeout: float


@runtime_checkable
class MarksRead(Protocol):
    """A connector whose source shows what the user has read (a Telegram user account).

    ``mark_read_on`` says which user actions mark a conversation read at the source:
    ``"done"`` (closing the thread), ``"open"`` (opening it, and closing it) or
    ``"never"``.  The engine calls ``mark_read`` after such an action with the newest
    message the user could have seen then; marking is idempotent and monotonic.
    """

    mark_read_on: str

    async def mark_read(self, conversation: str, up_to: str) -> None:
        """Mark ``conversation`` read up to the item ``up_to`` (an ``external_id``);
        raise ``SourceError`` if the source cannot be told now."""
        ...


@runtime_checkable
class DownloadsMedia(Protocol):
    """A connector that lists attachments in ``Item.meta["attachments"]`` and fetches
    one only when asked (Telegram media: no download happens during sync)."""

    async def download(self, external_id: str, directory: Path) -> Path:
        """Save the media of item ``external_id`` into ``directory``; returns the file."""
        ...


@dataclass(frozen=True, slots=True)
class SourceContext:
    """Everything a connector factory gets: its non-secret options from ``[[accounts]]``,
    a secret lookup (keyring / env, resolved by the core) and who "me" is.

    Each module named in ``connectors.registry`` exposes ``build(ctx: SourceContext) -> Connector``.
    """

    account: str
    kind: str
    options: dict[str, Any]
    secret: Callable[[str], str | None]  # secret("token") → value or None
    me_name: str = "Me"
    me_handles: tuple[str, ...] = ()
    me_emails: tuple[str, ...] = ()
    signature: str = ""  # prefix for replies sent by a bot on the user's behalf
    data_dir: Path | None = None
    other_accounts: dict[str, dict[str, Any]] = field(default_factory=dict)  # name → options
    other_secret: Callable[[str, str], str | None] | None = None  # (account, name) → value
    # (account, name, value): keep a secret the source handed out (a rotated OAuth2 refresh token)
    save_secret: Callable[[str, str, str], None] | None = None


_SECRET_PATTERNS: list[re.Pattern[str]] = []


def register_secret(value: str) -> None:
    """Remember a secret so ``redact`` removes it from any text (logs, errors, status)."""
    if value and len(value) >= 6:
        _SECRET_PATTERNS.append(re.compile(re.escape(value)))


def redact(text: str) -> str:
    """Replace every registered secret, and anything shaped like a bot token, with ``***``."""
    for pat in _SECRET_PATTERNS:
        text = pat.sub("***", text)
    # Telegram bot tokens live in URL paths: /bot123456:AA…/method
    return _BOT_TOKEN_RE.sub(r"\1***", text)


_BOT_TOKEN_RE = re.compile(r"(/bot)\d+:[A-Za-z0-9_-]+")


def utc(dt: datetime) -> datetime:
    """Normalize to an aware UTC datetime (naive input is taken as UTC)."""
    if dt.tzinfo is None:
        return dt.replace(tzinfo=UTC)
    return dt.astimezone(UTC)

