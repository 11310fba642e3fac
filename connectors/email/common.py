"""What the IMAP and Maildir connectors share: raw message → ``Item``, the thread
index, the parent cache used to build replies, and the reply/send flow.

Cursor entries of both connectors record, per synced message, its external id,
conversation and flags (``[ext_id, conversation, flags]``).  That makes the
cursor self-sufficient: it is committed with the items it covers, as invariant 3
(docs/architecture.md, Invariants) requires; it rebuilds the thread index after
a restart, it is the baseline for flag diffs, and it names the conversation of a
message that has since vanished so the deletion lands in the right thread.
"""

from __future__ import annotations

import re
from collections import OrderedDict
from collections.abc import Iterable
from datetime import UTC, datetime
from email.message import EmailMessage
from typing import Any

from connectors.base import (
    Author,
    ConversationsJoined,
    Item,
    Outgoing,
    PermanentSendError,
    SendResult,
    SourceContext,
    utc,
)
from connectors.options import Opt

from . import mime, oauth
from .smtp import ParentInfo, build_message, smtp_account
from .threads import ThreadIndex, strip_prefixes

SEND_OPTIONS: dict[str, Opt] = {
    "smtp": Opt("str", "the kind = \"smtp\" account that sends this account's replies"),
    "smtp_host": Opt("str", "inline SMTP server (instead of smtp = …)"),
    "smtp_port": Opt("int", "inline SMTP port (default 587, or 465 with smtp_tls = \"ssl\")", min=1),
    "smtp_tls": Opt("str", "inline SMTP TLS", choices=("starttls", "ssl", "none")),
    "smtp_user": Opt("str", "inline SMTP login (secret: smtp_password, else password)"),
    "smtp_cafile": Opt("str", "a CA bundle that signs the SMTP server's certificate"),
    "from": Opt("str", "the From address of replies"),
    "email": Opt("str", "this mailbox's address (a From fallback)"),
    "from_name": Opt("str", "the display name of replies (default [me] name)"),
    **oauth.OPTIONS,
}
"""Options every receiving e-mail account takes for sending its replies."""

THREAD_OPTIONS: dict[str, Opt] = {
    "subject_threading": Opt("bool", "a \"Re:\" without References/In-Reply-To joins the conversation of the "
                             "same subject from the same client side (default true)"),
}
"""Threading options of every receiving e-mail account."""

PARENT_CACHE = 5000  # replies go to recent mail; older parents are re-read from the server


def me_address(ctx: SourceContext) -> str:
    """The From address of this account: option ``from``, ``email``, the ``from`` of the
    SMTP account that sends for it, an address-shaped ``user`` (of this account, then of
    the SMTP account), else the first of ``[me].emails``."""
    o = ctx.options
    ref = smtp_account(ctx)
    s = ctx.other_accounts.get(ref, {}) if ref else {}
    for cand in (o.get("from"), o.get("email"), s.get("from"), o.get("user"), o.get("smtp_user"), s.get("user")):
        if isinstance(cand, str) and "@" in cand:
            return cand.strip().lower()
    if ctx.me_emails:
        return ctx.me_emails[0].lower()
    return ""


_AUTH_PASS = re.compile(
    r"\b(dkim|spf|dmarc)\s*=\s*pass\b[^;]*?\b(?:header\.d|header\.i|header\.from|smtp\.mailfrom)"
    r"\s*=\s*@?(?:[^\s;@]*@)?([a-z0-9.-]+)", re.IGNORECASE)


def verified_mine(p: mime.Parsed, where: dict[str, Any], sent_folders: frozenset[str],
                  my_emails: set[str]) -> bool:
    """Is a message whose From is one of my addresses verifiably mine?

    Yes when it was read from a Sent folder, when it never went through a mail server (no
    ``Received``: a copy my own client filed), or when the receiving server's topmost
    ``Authentication-Results`` records a DKIM, SPF or DMARC pass for my domain.  A message
    delivered from outside without that is someone using my address.
    """
    if where.get("folder") in sent_folders or where.get("sent"):
        return True
    if p.received == 0:
        return True
    mine = {e.rpartition("@")[2].lower() for e in my_emails if "@" in e}
    for _method, domain in _AUTH_PASS.findall(p.auth_results):
        d = domain.lower().rstrip(".")
        if any(d == m or d.endswith("." + m) for m in mine):
            return True
    return False


class EmailCore:
    """Shared state and helpers; the connectors subclass it."""

    kind = "email"

    def __init__(self, ctx: SourceContext) -> None:
        self.ctx = ctx
        self.account = ctx.account
        self.me_addr = me_address(ctx)
        ref = smtp_account(ctx)
        smtp_name = (ctx.other_accounts.get(ref, {}) if ref else {}).get("from_name")
        self.me_name = str(ctx.options.get("from_name") or smtp_name or ctx.me_name or "")
        self.me_emails = {e.lower() for e in ctx.me_emails} | ({self.me_addr} if self.me_addr else set())
        self._tokens: oauth.TokenSource | None = None
        self.threads = self.new_thread_index()
        self.parents: OrderedDict[str, ParentInfo] = OrderedDict()
        name = (ctx.me_name or "").strip()
        # "Me" is the config default, not a name anybody writes in a message.
        self._name_re = (
            re.compile(rf"(?<!\w){re.escape(name)}(?!\w)", re.IGNORECASE)
            if name and name.lower() != "me" and len(name) >= 3
            else None
        )

    def sent_folders(self) -> frozenset[str]:
        """Folders whose messages are my own sent mail (IMAP knows its Sent folder)."""
        return frozenset()

    def new_thread_index(self) -> ThreadIndex:
        """An empty thread index with this account's threading options."""
        return ThreadIndex(subject_fallback=bool(self.ctx.options.get("subject_threading", True)))

    # -- sign-in -------------------------------------------------------------------------

    def oauth_tokens(self) -> oauth.TokenSource | None:
        """This account's OAuth2 token source (``auth = "oauth2"``), made once; else ``None``."""
        o = self.ctx.options
        if str(o.get("auth") or "password") != "oauth2":
            return None
        if self._tokens is None:
            ctx = self.ctx

            def save(name: str, value: str) -> None:
                if ctx.save_secret is not None:
                    ctx.save_secret(ctx.account, name, value)

            self._tokens = oauth.token_source(ctx.account, o, ctx.secret, save_secret=save,
                                              verify=oauth.verify_for(o))
        return self._tokens

    # -- items ---------------------------------------------------------------------------

    def make_item(
        self,
        raw: bytes,
        *,
        fallback_date: datetime | None,
        where: dict[str, Any],
        flags: Iterable[str] = (),
        conversation: str | None = None,
    ) -> Item:
        """Parse ``raw`` and normalize it; ``where`` is the location meta (uid/folder or key)."""
        p = mime.parse(raw)
        ext_id = p.message_id or mime.raw_hash(raw)
        claims_me = bool(p.from_addr) and p.from_addr in self.me_emails
        # A From of mine is public and trivially forged: mine only when it is verifiable
        # (my Sent folder, a copy never delivered by a server, or my domain's DKIM / SPF /
        # DMARC pass recorded by the receiving server).
        is_me = claims_me and verified_mine(p, where, self.sent_folders(), self.me_emails)
        if is_me:
            client_addrs = [a for _n, a in p.to if a not in self.me_emails] or [a for _n, a in p.to]
        else:
            client_addrs = [p.from_addr] if p.from_addr else []
        if conversation is None:
            conversation = self.threads.resolve(
                message_id=ext_id,
                in_reply_to=p.in_reply_to,
                references=p.references,
                subject=p.subject,
                client=client_addrs[0] if client_addrs else "",
                date=p.date.timestamp() if p.date else None,
            )
        else:
            self.threads.conv_of[ext_id] = conversation
        routes: list[str] = []
        for a in client_addrs:
            for r in (f"email:{a}", f"email_domain:{a.rpartition('@')[2]}"):
                if r not in routes:
                    routes.append(r)
        recipients = [a for _n, a in p.to + p.cc]
        # To and Cc differ: Cc alone is "for your information", not addressed to me.
        to_me = any(a in self.me_emails for _n, a in p.to)
        cc_me = not to_me and any(a in self.me_emails for _n, a in p.cc)
        mentions_me = to_me or any(e in p.full_text.lower() for e in self.me_emails)
        if not mentions_me and self._name_re is not None:
            mentions_me = bool(self._name_re.search(p.full_text)) or any(
                self._name_re.search(n) for n, _a in p.to
            )
        created = p.date or fallback_date or datetime.now(UTC)
        flag_list = sorted(set(flags))
        meta: dict[str, Any] = {
            "subject": p.subject,
            "from": _fmt(p.from_name, p.from_addr),
            "to": [_fmt(n, a) for n, a in p.to],
            "cc": [_fmt(n, a) for n, a in p.cc],
            "to_me": to_me,
            "cc_me": cc_me,
            "reply_to": [_fmt(n, a) for n, a in p.reply_to],
            "message_id": p.message_id,
            "in_reply_to": p.in_reply_to,
            "references": p.references,
            "flags": flag_list,
            "attachments": p.attachments,
            "full_text": p.full_text,
            **where,
        }
        # What the text leaves out, kept for the detail pane: the quoted history (shown
        # collapsed, one key away) and the forwarded messages as structured blocks.
        if p.quoted:
            meta["quoted"] = p.quoted
        if p.forwarded:
            meta["forwarded"] = p.forwarded
            meta["answer"] = p.answer  # the text without the rendered forwards, to render them apart
        if p.date is None:
            meta["date_fallback"] = True  # Date missing/bad: INTERNALDATE or file time used
        if p.unparsed:
            meta["unparsed"] = True
        if claims_me and not is_me:
            meta["claims_me"] = True  # "From: me", not verifiably: never answers a thread
        author_id = p.from_addr or (p.from_name or "unknown")
        item = Item(
            source="email",
            account=self.account,
            external_id=ext_id,
            conversation=conversation,
            conversation_title=strip_prefixes(p.subject) or "(no subject)",
            author=Author(id=author_id, name=p.from_name or p.from_addr or "unknown",
                          email=p.from_addr, is_me=is_me),
            text=p.text,
            created_at=utc(created),
            reply_to=p.in_reply_to[0] if p.in_reply_to else (p.references[-1] if p.references else None),
            mentions=tuple(recipients),
            mentions_me=mentions_me,
            routes=tuple(routes),
            meta=meta,
            raw=mime.storable_raw(raw),
        )
        self.remember_parent(
            ParentInfo(
                message_id=ext_id,
                subject=p.subject,
                from_name=p.from_name,
                from_addr=p.from_addr,
                reply_to=list(p.reply_to),
                references=list(p.references),
                in_reply_to=list(p.in_reply_to),
                folder=str(where.get("folder", "")),
                uid=int(where.get("uid", 0) or 0),
                key=str(where.get("maildir_key", "")),
            )
        )
        return item

    def take_events(self, items: list[Item] | None = None) -> list[ConversationsJoined]:
        """The conversation joins since the last call, as events for the batch; ``items``
        of that batch made before a join are moved to the surviving key."""
        joins = self.threads.take_joins()
        if joins and items:
            for it in items:
                it.conversation = self.threads.canonical(it.conversation)
        return [ConversationsJoined(absorbed=a, into=b) for a, b in joins]

    def deleted_item(self, ext_id: str, conversation: str, where: dict[str, Any]) -> Item:
        """A tombstone: the store keeps the old text and marks the message deleted."""
        self.parents.pop(ext_id, None)
        conversation = self.threads.canonical(conversation)  # it may have been joined since
        return Item(
            source="email",
            account=self.account,
            external_id=ext_id,
            conversation=conversation,
            conversation_title="",
            author=Author(id="", name=""),
            text="",
            created_at=datetime.now(UTC),
            deleted=True,
            meta={"message_id": ext_id, "deleted_from": where},
        )

    def remember_parent(self, info: ParentInfo) -> None:
        self.parents[info.message_id] = info
        self.parents.move_to_end(info.message_id)
        while len(self.parents) > PARENT_CACHE:
            self.parents.popitem(last=False)

    # -- sending -------------------------------------------------------------------------

    async def find_parent(self, message_id: str) -> ParentInfo | None:
        """Re-read a parent that is not in the cache (overridden per connector)."""
        return None

    async def compose(self, out: Outgoing) -> tuple[EmailMessage, ParentInfo | None]:
        """Build the message for ``out``: a reply to ``out.reply_to`` or a fresh message
        to ``out.target["email"]`` (escalations)."""
        if not self.me_addr:
            raise PermanentSendError(f"account {self.account!r}: no From address (set [me].emails or option from)")
        target = out.target.get("email") if out.target else None
        if target:
            return build_message(out, me_name=self.me_name, me_addr=self.me_addr, parent=None,
                                 to=[("", target)]), None
        parent: ParentInfo | None = None
        if out.reply_to:
            parent = self.parents.get(out.reply_to) or await self.find_parent(out.reply_to)
        if parent is None:
            raise PermanentSendError("the message being answered is no longer in the mailbox")
        return build_message(out, me_name=self.me_name, me_addr=self.me_addr, parent=parent), parent

    def sent_result(self, out: Outgoing, msg: EmailMessage | bytes, where: dict[str, Any]) -> SendResult:
        """SendResult for a delivered message; replies carry our own item for the thread."""
        raw = msg if isinstance(msg, bytes) else msg.as_bytes()
        conv = None if out.target.get("email") else out.conversation
        item = self.make_item(raw, fallback_date=out.created_at, where={**where, "sent": True},
                              flags=("\\Seen",), conversation=conv)
        return SendResult(remote_id=item.external_id, item=None if out.target.get("email") else item)


def _fmt(name: str, addr: str) -> str:
    if name and addr:
        return f"{name} <{addr}>"
    return addr or name
