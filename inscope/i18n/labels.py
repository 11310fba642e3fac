"""The interface's names for stored values: priorities, thread states, project statuses,
relevance, sources — marked for the catalog, translated when shown.

The stored values and the ``--json`` output keep the English keys (a machine interface);
only what a person reads goes through :func:`label`.
"""

from __future__ import annotations

from collections.abc import Mapping

from inscope.i18n import N_, _
from inscope.model import UNSORTED

PRIORITY: Mapping[str, str] = {"urgent": N_("urgent"), "high": N_("high"),
                               "normal": N_("normal"), "low": N_("low")}
STATE: Mapping[str, str] = {"open": N_("open"), "answered": N_("answered"),
                            "snoozed": N_("snoozed"), "escalated": N_("escalated"),
                            "done": N_("done"), "noise": N_("noise")}
PROJECT_STATUS: Mapping[str, str] = {"active": N_("active"), "paused": N_("paused"),
                                     "unpaid": N_("unpaid")}
RELEVANCE: Mapping[str, str] = {"mine": N_("mine"), "watch": N_("watch"), "noise": N_("noise")}
# Roles as the CLI prints them ("[am]"); their English is the stored value.
ROLE: Mapping[str, str] = {"client": N_("client"), "me": N_("me"), "team": N_("team"),
                           "am": N_("am"), "bot": N_("bot"), "unknown": N_("unknown")}
OUTBOX_STATE: Mapping[str, str] = {
    "scheduled": N_("scheduled"), "queued": N_("queued"), "sending": N_("sending"),
    "sent": N_("sent"), "failed": N_("failed"), "unknown": N_("unknown"),
    "cancelled": N_("cancelled")}
OUTBOX_KIND: Mapping[str, str] = {"reply": N_("reply"), "escalation": N_("escalation"),
                                  "notice": N_("notice")}


PROJECT: Mapping[str, str] = {UNSORTED: N_("Unsorted")}
"""The one project name inscope gives itself; the user's are data."""


def project_name(name: str) -> str:
    """A project's name as shown: the user's as written, inscope's own in the interface language."""
    return label(PROJECT, name)


def label(table: Mapping[str, str], key: str) -> str:
    """``key``'s name in the interface language (an unknown key is shown as it is)."""
    name = table.get(key)
    return _(name) if name is not None else key
UNDONE: Mapping[str, str] = {
    "done": N_("done"), "reopen": N_("reopen"), "snooze": N_("snooze"),
    "priority": N_("priority"), "escalate": N_("escalate"), "resolve": N_("resolve"),
    "reply": N_("reply"), "project_status": N_("project_status"), "relevance": N_("relevance"),
    "followup": N_("followup")}
"""The kinds of action ``undo`` takes back (what "undone: …" names; the English is the kind)."""
SOURCE_STATE: Mapping[str, str] = {
    "ok": N_("ok"), "idle": N_("idle"), "syncing": N_("syncing"), "error": N_("error"),
    "backoff": N_("backoff"), "disabled": N_("disabled")}
"""A source's sync state as the header shows it."""
