"""The reply-parsing libraries we compared our extraction with, behind one signature.

Each adapter takes ``(text, subject)`` and returns ``(answer, forwarded blocks)``
as :mod:`tests.connectors.public_mail.scoring` expects.  They are imported
lazily: the libraries are the ``eval`` extra, not app dependencies.

* quotequail (``unwrap``: answer above/below a reply or forward header, the
  forwarded message's From and text; else ``quote``: the unquoted parts);
* mail-parser-reply (``EmailReplyParser.parse_reply``, every language it has);
* email-reply-parser (``EmailReplyParser.parse_reply``; it has no notion of forwards).
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

Result = tuple[str, list[dict[str, str]]]


def quotequail(text: str, subject: str) -> Result:
    import quotequail as qq

    u: dict[str, Any] | None = qq.unwrap(text)
    if u:
        answer = "\n\n".join(x for x in (u.get("text_top", ""), u.get("text_bottom", "")) if x)
        if u.get("type") == "forward":
            return answer, [{"author": str(u.get("from", "")), "text": str(u.get("text", ""))}]
        return answer, []
    parts = qq.quote(text)
    return "\n".join(t for keep, t in parts if keep).strip(), []


def mail_parser_reply(text: str, subject: str) -> Result:
    from mailparser_reply import EmailReplyParser
    from mailparser_reply.constants import MAIL_LANGUAGES

    parser = EmailReplyParser(languages=[k for k in MAIL_LANGUAGES if k != "david"])
    return str(parser.parse_reply(text=text) or ""), []


def email_reply_parser(text: str, subject: str) -> Result:
    from email_reply_parser import EmailReplyParser

    return str(EmailReplyParser.parse_reply(text) or ""), []


LIBRARIES: dict[str, Callable[[str, str], Result]] = {
    "quotequail 0.5.4": quotequail,
    "mail-parser-reply 1.36": mail_parser_reply,
    "email-reply-parser 0.5.12": email_reply_parser,
}
