"""Escalation to the account manager, end to end on the demo workspace (issue 6).

``Workspace.escalate`` queues the note, the client's message, the project and a link;
a sync round drains the outbox through the real connectors; the assertions look at
what arrived on the sandbox side: the AM's private chat in the Telegram sandbox, the
SMTP sink, a comment @mentioning the AM on the Trello card.  Then the AM answers in
the thread and the escalation resolves itself.
"""

from __future__ import annotations

import asyncio
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from inscope.actions import ActionError
from inscope.store import Store, StoreError
from inscope.workspace import Workspace
from sandbox.demo.wire import tg_user
from sandbox.trello_server import Limits
from tests.helpers import demo_services

NOTE = "Клиент просит новый сайт — это вне договора, обсудите допродажу"


class Demo:
    """The demo workspace, its store and ONE sync engine on one event loop, as the TUI runs it.

    The Trello sandbox enforces Trello's rate limit (100 requests / 10 s per token);
    a handful of rounds in two seconds would spend it, and the connector would honour
    the 429 by backing off — correct, but not what these tests are about — so the
    limit is raised for this module.
    """

    def __init__(self, home: Path) -> None:
        self.ws = Workspace.open(home=home, demo=True)
        demo_services(self.ws).trello.limits = Limits(key_max=100_000, token_max=100_000)
        self.store = self.ws.store()
        self.loop = asyncio.new_event_loop()
        self.engine = self.ws.engine(self.store)

    def sync(self) -> Any:
        """One sync round: fetch every source, drain the outbox."""
        report = self.loop.run_until_complete(self.engine.sync_all())
        assert not report.errors, report.errors
        return report

    def close(self) -> None:
        self.loop.run_until_complete(self.engine.aclose())
        self.loop.close()
        self.store.close()
        self.ws.close()


@pytest.fixture(scope="module")
def demo(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Demo]:
    """One demo workspace for the module (opening + the first sync take ~4 s)."""
    d = Demo(tmp_path_factory.mktemp("demo"))
    try:
        d.sync()
        yield d
    finally:
        d.close()


def pick(store: Store, source: str, *, skip: set[int]) -> int:
    """A thread of ``source`` in an active project that is not escalated yet."""
    for (tid,) in store.conn.execute(
        "SELECT t.id FROM threads t JOIN projects p ON p.id = t.project_id WHERE t.source = ? "
        "AND p.status = 'active' AND t.state != 'escalated' AND t.last_client_at IS NOT NULL "
        "ORDER BY t.id", (source,)):
        if tid not in skip:
            skip.add(tid)
            return int(tid)
    raise AssertionError(f"no {source} thread in the demo")


def set_channel(ws: Workspace, project: str, channel: str) -> Any:
    cfg = ws.project_cfg(project)
    assert cfg is not None
    cfg.account_manager.escalate_via = channel
    return cfg.account_manager


USED: set[int] = set()


def escalate_and_deliver(d: Demo, tid: int) -> None:
    ws, store = d.ws, d.store
    out = ws.actions(store).escalate([tid], NOTE).message
    assert out.startswith("escalated to ")
    th = store.thread(tid)
    assert th.state == "escalated" and th.escalated_to
    assert [r.id for r in store.outbox(("queued",)) if r.kind == "escalation" and r.thread_id == tid]
    report = d.sync()
    assert report.sent >= 1
    (esc,) = [e for e in store.escalations(tid) if e["resolved_at"] is None]
    assert esc["delivery"] == "sent" and esc["note"] == NOTE
    # Until resolved it is in the Escalated view and not in the Inbox.
    assert tid in [i for i, _, _ in store.view_index("escalated")]
    assert tid not in [i for i, _, _ in store.view_index("inbox")]


def client_text(store: Store, tid: int) -> str:
    return next(m.text for m in reversed(store.messages(tid)) if m.role == "client")


def test_escalation_via_telegram_reaches_the_am_private_chat(demo: Demo) -> None:
    ws, store = demo.ws, demo.store
    tid = pick(store, "telegram", skip=USED)
    th = store.thread(tid)
    am = set_channel(ws, th.project, "telegram")
    escalate_and_deliver(demo, tid)
    services = demo_services(ws)
    sent = services.telegram.sent(int(am.telegram))
    assert sent, "nothing arrived in the AM's private chat"
    text = sent[-1]["text"]
    assert NOTE in text and th.project in text
    assert client_text(store, tid)[:60] in text
    assert th.url and th.url in text


def test_escalation_via_email_reaches_the_smtp_sink(demo: Demo) -> None:
    ws, store = demo.ws, demo.store
    tid = pick(store, "telegram", skip=USED)
    th = store.thread(tid)
    am = set_channel(ws, th.project, "email")
    services = demo_services(ws)
    before = len(services.sink.messages)
    escalate_and_deliver(demo, tid)
    new = services.sink.messages[before:]
    assert [m.rcpt_tos for m in new] == [[am.email]]
    msg = new[0].message()
    body = msg.get_body(("plain",))
    assert body is not None
    text = body.get_content()
    assert NOTE in text and th.project in text and client_text(store, tid)[:60] in text
    assert "Escalation" in str(msg["Subject"])


def test_escalation_via_trello_mentions_the_am_on_the_card(demo: Demo) -> None:
    ws, store = demo.ws, demo.store
    tid = pick(store, "trello", skip=USED)
    th = store.thread(tid)
    am = set_channel(ws, th.project, "trello")
    escalate_and_deliver(demo, tid)
    services = demo_services(ws)
    card = store.conversation_of(tid)[1]
    comments = [a.text for a in services.trello.comments_on(card)]
    posted = [c for c in comments if NOTE in c]
    assert len(posted) == 1, comments
    assert posted[0].startswith(f"@{am.trello} ")
    # Our own comment comes back on the next fetch as my message; it does not end the escalation.
    demo.sync()
    assert store.thread(tid).state == "escalated"


def test_am_answer_in_the_thread_resolves_the_escalation(demo: Demo) -> None:
    ws, store = demo.ws, demo.store
    tid = pick(store, "telegram", skip=USED)
    th = store.thread(tid)
    set_channel(ws, th.project, "telegram")
    escalate_and_deliver(demo, tid)
    services = demo_services(ws)
    cfg = ws.project_cfg(th.project)
    assert cfg is not None
    am = next(p for p in services.world.ams if p.name == cfg.account_manager.name)
    chat = int(store.conversation_of(tid)[1].split(":")[0])
    services.telegram.post(chat, from_user=tg_user(am), text="Беру на себя, обсужу с клиентом допродажу")
    demo.sync()
    after = store.thread(tid)
    assert after.state == "open" and after.escalated_to == ""
    assert all(e["resolved_at"] is not None for e in store.escalations(tid))
    assert tid not in [i for i, _, _ in store.view_index("escalated")]
    assert tid in [i for i, _, _ in store.view_index("all")]
    # The automatic resolution is not an undoable user action.
    kinds = [r[0] for r in store.conn.execute(
        "SELECT kind FROM events WHERE thread_id = ? ORDER BY id", (tid,))]
    assert kinds[-1] == "resolved_by_am"
    with pytest.raises(StoreError, match="not escalated"):
        store.resolve_escalation(tid)


def test_project_without_a_reachable_am_refuses(tmp_path: Path, demo: Demo) -> None:
    ws, store = demo.ws, demo.store
    tid = pick(store, "email", skip=USED)
    th = store.thread(tid)
    cfg = ws.project_cfg(th.project)
    assert cfg is not None
    am = cfg.account_manager
    saved = (am.telegram, am.email, am.trello, am.escalate_via)
    am.telegram = am.email = am.trello = am.escalate_via = ""
    try:
        with pytest.raises(ActionError, match="no way to reach"):
            ws.actions(store).escalate([tid], NOTE)
    finally:
        am.telegram, am.email, am.trello, am.escalate_via = saved
    assert store.thread(tid).state != "escalated"
