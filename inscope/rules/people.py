"""Who is who: sets of people described by handles, e-mails, domains, ids and names (pure)."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass

from connectors.base import Author
from inscope.config import AccountManager


def norm_handle(s: str) -> str:
    return s.strip().lstrip("@").casefold()


@dataclass(frozen=True, slots=True)
class People:
    """A set of people described by handles, e-mails, domains, ids and names."""

    handles: frozenset[str] = frozenset()
    emails: frozenset[str] = frozenset()
    domains: frozenset[str] = frozenset()
    ids: frozenset[str] = frozenset()
    names: frozenset[str] = frozenset()

    @classmethod
    def parse(cls, specs: Iterable[str]) -> People:
        """Classify config strings: ``a@b.c`` e-mail; ``@handle``; ``b.c`` / ``@b.c``
        domain; digits id; anything else a handle *or* a display name."""
        handles: set[str] = set()
        emails: set[str] = set()
        domains: set[str] = set()
        ids: set[str] = set()
        names: set[str] = set()
        for raw in specs:
            s = raw.strip()
            if not s:
                continue
            low = s.casefold()
            if "@" in low[1:]:
                emails.add(low)
            elif "." in low and " " not in low:
                domains.add(low.lstrip("@"))
            elif low.startswith("@"):
                handles.add(low[1:])
            elif low.lstrip("-").isdigit():
                ids.add(low)
            else:
                handles.add(low)
                names.add(" ".join(low.split()))
        return cls(frozenset(handles), frozenset(emails), frozenset(domains), frozenset(ids),
                   frozenset(names))

    @classmethod
    def of_am(cls, am: AccountManager) -> People:
        """The account manager: name, telegram (chat id or @handle), e-mail, trello user."""
        specs = [am.email, am.trello and "@" + am.trello.lstrip("@")]
        tg = am.telegram.strip()
        if tg:
            specs.append(tg if tg.lstrip("-").isdigit() else "@" + tg.lstrip("@"))
        p = cls.parse(s for s in specs if s)
        name = " ".join(am.name.casefold().split())
        return cls(p.handles, p.emails, p.domains, p.ids, p.names | ({name} if name else set()))

    def __bool__(self) -> bool:
        return bool(self.handles or self.emails or self.domains or self.ids or self.names)

    def __or__(self, other: People) -> People:
        return People(self.handles | other.handles, self.emails | other.emails,
                      self.domains | other.domains, self.ids | other.ids,
                      self.names | other.names)

    def matches(self, a: Author) -> bool:
        if a.handle and norm_handle(a.handle) in self.handles:
            return True
        if a.email:
            email = a.email.strip().casefold()
            if email in self.emails:
                return True
            if self.domains and domain_in(email.rpartition("@")[2], self.domains):
                return True
        if a.id and self.ids:
            aid = a.id.strip().casefold()
            if aid in self.ids or aid.rpartition(":")[2] in self.ids:
                return True
        return bool(a.name) and " ".join(a.name.casefold().split()) in self.names


def domain_in(domain: str, domains: frozenset[str]) -> bool:
    """``mail.client.ru`` is in ``{"client.ru"}``: a parent domain owns its subdomains."""
    while domain:
        if domain in domains:
            return True
        _, _, domain = domain.partition(".")
    return False
