"""Which links from a source may be handed to the browser.

A thread's link comes from the server (a Trello card's ``url``, a chat's username), so it
is data like any other text: ``o`` must never pass ``--remote-debugging-port=9222
file:///etc/shadow`` to ``$BROWSER``.  Only a plain ``https://`` URL on one of the
source's own hosts is opened; everything else is refused with the reason.
"""

from __future__ import annotations

from urllib.parse import urlsplit

KNOWN_HOSTS: dict[str, tuple[str, ...]] = {
    "trello": ("trello.com",),
    "telegram": ("t.me", "telegram.me"),
    "demo": ("trello.com", "t.me"),
}
"""Source → the hosts (and their subdomains) its links may point at."""


def refuse_reason(url: str, source: str) -> str:
    """Why ``url`` must not be opened for a thread of ``source`` ("" when it may)."""
    hosts = KNOWN_HOSTS.get(source, ())
    if not hosts:
        return f"{source} threads have no web link"
    if not url or url != url.strip() or any(ch.isspace() or ord(ch) < 32 or ord(ch) == 127 for ch in url):
        return "the link is empty or has spaces or control characters"
    try:
        parts = urlsplit(url)
        port = parts.port
    except ValueError:
        return "the link is not a valid URL"
    if parts.scheme != "https":
        return "only https:// links are opened"
    host = (parts.hostname or "").rstrip(".")
    if parts.username or parts.password or port not in (None, 443):
        return "the link carries a login or a port"
    if not any(host == h or host.endswith("." + h) for h in hosts):
        return f"the link points at {host or 'no host'}, not at {' or '.join(hosts)}"
    return ""


def safe_url(url: str, source: str) -> str | None:
    """``url`` when it may be opened for a thread of ``source``, else ``None``."""
    return None if refuse_reason(url, source) else url
