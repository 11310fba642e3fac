"""The sandbox Trello server behaves like the real REST API, over loopback."""

from __future__ import annotations

import threading
import time
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta

import httpx
import pytest

from sandbox.server import ServerThread
from sandbox.trello_server import (
    Board,
    Card,
    Limits,
    Member,
    TrelloWorld,
    create_app,
    object_id_time,
)

KEY = "sandboxkey0123456789"
TOKEN = "sandboxtoken0123456789"
HEADER = {"Authorization": f'OAuth oauth_consumer_key="{KEY}", oauth_token="{TOKEN}"'}
T0 = datetime(2026, 2, 1, 10, 0, tzinfo=UTC)


@dataclass
class S:
    world: TrelloWorld
    http: httpx.Client
    me: Member
    other: Member
    board: Board
    card: Card


@pytest.fixture
def s() -> Iterator[S]:
    world = TrelloWorld()
    me = world.add_member("maria_seo", "Мария", token=TOKEN, key=KEY)
    other = world.add_member("ivan", "Иван", token="othertoken123", key=KEY)
    board = world.add_board("Клиенты", members=[me, other])
    card = world.add_card(board, "Заказ", members=[me], at=T0)
    with ServerThread(create_app(world)) as srv, \
            httpx.Client(base_url=srv.url + "/1", headers=HEADER) as http:
        yield S(world, http, me, other, board, card)


def actions(s: S, **params: object) -> list[dict[str, object]]:
    r = s.http.get(f"/boards/{s.board.id}/actions", params=params)  # type: ignore[arg-type]
    assert r.status_code == 200, r.text
    out: list[dict[str, object]] = r.json()
    return out


def test_both_auth_forms_and_plain_text_401(s: S) -> None:
    assert s.http.get("/members/me").json()["username"] == "maria_seo"
    base = str(s.http.base_url).rstrip("/")
    r = httpx.get(base + "/members/me", params={"key": KEY, "token": TOKEN})
    assert r.status_code == 200 and r.json()["id"] == s.me.id
    assert s.world.requests[-1].auth == "query"
    for params, body in [({}, "invalid key"), ({"key": "nope", "token": TOKEN}, "invalid key"),
                         ({"key": KEY}, "invalid token"), ({"key": KEY, "token": "bad"}, "invalid token")]:
        r = httpx.get(base + "/members/me", params=params)
        assert (r.status_code, r.text) == (401, body)
        assert r.headers["content-type"].startswith("text/plain")
    r = httpx.get(base + "/members/me", headers={"Authorization": f'OAuth oauth_consumer_key="{KEY}", oauth_token="x"'})
    assert (r.status_code, r.text) == (401, "invalid token")


def test_not_found_and_invalid_id_are_plain_text(s: S) -> None:
    r = s.http.get("/cards/" + "0" * 24)
    assert r.status_code == 404 and r.headers["content-type"].startswith("text/plain")
    assert r.text == "Could not find the card"
    r = s.http.get("/boards/xyz/actions")
    assert (r.status_code, r.text) == (400, "invalid id")
    r = s.http.get("/no/such/route")
    assert r.status_code == 404 and r.text == "The requested resource was not found."


def test_ids_carry_creation_time_and_sort_by_it(s: S) -> None:
    a = s.world.add_comment(s.card, s.other, "x", at=T0 + timedelta(hours=1))
    b = s.world.add_comment(s.card, s.other, "y", at=T0)
    assert len(a.id) == 24 and int(a.id, 16) >= 0
    assert object_id_time(a.id) == T0 + timedelta(hours=1) and object_id_time(b.id) == T0
    assert b.id < a.id


def test_listing_filter_order_limit_since_before_page(s: S) -> None:
    ids = [s.world.add_comment(s.card, s.other, f"c{i}", at=T0 + timedelta(minutes=i)).id for i in range(10)]
    s.world.add_action(s.card, s.other, "updateCard", at=T0 + timedelta(minutes=30),
                       data={"old": {"idList": "x"}})
    everything = actions(s)  # default filter is all
    assert {a["type"] for a in everything} == {"commentCard", "updateCard", "createCard"}
    got = actions(s, filter="commentCard")
    assert [a["id"] for a in got] == ids[::-1]  # newest first
    assert [a["id"] for a in actions(s, filter="commentCard", limit=3)] == ids[9:6:-1]
    assert [a["id"] for a in actions(s, filter="commentCard", limit=3, page=1)] == ids[6:3:-1]
    assert [a["id"] for a in actions(s, filter="commentCard", since=ids[6])] == ids[9:6:-1]
    assert [a["id"] for a in actions(s, filter="commentCard", before=ids[3])] == ids[2::-1]
    assert [a["id"] for a in actions(s, filter="commentCard", since=ids[2], before=ids[5])] == [ids[4], ids[3]]
    by_date = actions(s, filter="commentCard", since="2026-02-01T10:07:00Z", before="2026-02-01T10:09:00.000Z")
    assert [a["id"] for a in by_date] == [ids[8], ids[7]]
    assert s.http.get(f"/boards/{s.board.id}/actions", params={"limit": 1001}).status_code == 400
    assert s.http.get(f"/boards/{s.board.id}/actions", params={"since": "yesterday"}).status_code == 400
    s.world.since_inclusive = True
    assert [a["id"] for a in actions(s, filter="commentCard", since=ids[8])] == [ids[9], ids[8]]


def test_action_shape_and_member_creator(s: S) -> None:
    s.world.add_comment(s.card, s.other, "@maria_seo привет 👋", at=T0)
    a = actions(s, filter="commentCard")[0]
    assert a["type"] == "commentCard" and a["idMemberCreator"] == s.other.id
    assert a["date"] == "2026-02-01T10:00:00.000Z"
    data = a["data"]
    assert isinstance(data, dict)
    assert data["text"] == "@maria_seo привет 👋"
    assert data["card"] == {"id": s.card.id, "name": "Заказ", "idShort": 1, "shortLink": s.card.short_link}
    assert data["board"]["id"] == s.board.id
    mc = a["memberCreator"]
    assert isinstance(mc, dict)
    assert {"id", "username", "fullName", "initials", "avatarHash"} <= set(mc)
    assert "memberCreator" not in actions(s, filter="commentCard", memberCreator="false")[0]


def test_edit_changes_text_in_place_and_delete_vanishes(s: S) -> None:
    a = s.world.add_comment(s.card, s.other, "v1", at=T0)
    b = s.world.add_comment(s.card, s.other, "bye", at=T0 + timedelta(seconds=1))
    s.world.edit_comment(a.id, "v2")
    s.world.delete_comment(b.id)
    listed = actions(s, filter="all")
    assert all(x["type"] not in ("updateComment", "deleteComment") for x in listed)
    comments = [x for x in listed if x["type"] == "commentCard"]
    assert [x["data"]["text"] for x in comments] == ["v2"]  # type: ignore[index]
    assert "dateLastEdited" in comments[0]["data"]  # type: ignore[operator]
    assert actions(s, filter="updateComment,deleteComment") == []


def test_post_comment_three_ways_and_counters(s: S) -> None:
    path = f"/cards/{s.card.id}/actions/comments"
    r1 = s.http.post(path, json={"text": "json ✅"})
    r2 = s.http.post(path, data={"text": "форма"})
    r3 = s.http.post(path, params={"text": "query"})
    for r in (r1, r2, r3):
        assert r.status_code == 200 and r.json()["type"] == "commentCard"
        assert r.json()["memberCreator"]["id"] == s.me.id
    assert [c.text for c in s.world.comments_on(s.card)] == ["json ✅", "форма", "query"]
    assert s.world.posts_per_card[s.card.id] == 3
    assert s.http.post(path, json={}).status_code == 400
    assert s.http.post(f"/cards/{'0' * 24}/actions/comments", json={"text": "x"}).status_code == 404


def test_put_and_delete_own_comment_only(s: S) -> None:
    mine = s.http.post(f"/cards/{s.card.id}/actions/comments", json={"text": "oops"}).json()
    theirs = s.world.add_comment(s.card, s.other, "theirs")
    r = s.http.put(f"/actions/{mine['id']}", json={"text": "fixed"})
    assert r.status_code == 200 and r.json()["data"]["text"] == "fixed"
    assert s.http.put(f"/actions/{theirs.id}", json={"text": "x"}).status_code == 401
    r = s.http.put(f"/cards/{s.card.id}/actions/{mine['id']}/comments", params={"text": "again"})
    assert r.status_code == 200 and s.world.actions[mine["id"]].text == "again"
    assert s.http.delete(f"/actions/{mine['id']}").status_code == 200
    assert s.http.get(f"/actions/{mine['id']}").status_code == 404
    assert [c.text for c in s.world.comments_on(s.card)] == ["theirs"]


def test_boards_cards_members_endpoints(s: S) -> None:
    closed = s.world.add_board("Old", members=[s.me], closed=True)
    s.world.add_board("Not mine", members=[s.other])
    names = {b["name"] for b in s.http.get("/members/me/boards", params={"filter": "open"}).json()}
    assert names == {"Клиенты"}
    every = {b["id"] for b in s.http.get("/members/me/boards").json()}
    assert closed.id in every
    cards = s.http.get(f"/boards/{s.board.id}/cards", params={"fields": "id,name,idMembers"}).json()
    assert cards == [{"id": s.card.id, "name": "Заказ", "idMembers": [s.me.id]}]
    members = s.http.get(f"/boards/{s.board.id}/members").json()
    assert {m["username"] for m in members} == {"maria_seo", "ivan"}
    card = s.http.get(f"/cards/{s.card.id}").json()
    assert card["url"].startswith("https://trello.com/c/") and card["idBoard"] == s.board.id
    private = s.world.add_board("Private", members=[s.other])
    assert s.http.get(f"/boards/{private.id}/actions").status_code == 401


def test_rate_limit_headers_token_window_and_429_body(s: S) -> None:
    now = [0.0]
    s.world.clock = lambda: now[0]
    s.world.limits = Limits(token_max=5, key_max=7)
    r = s.http.get(f"/boards/{s.board.id}")
    assert r.headers["x-rate-limit-api-token-max"] == "5"
    assert r.headers["x-rate-limit-api-token-remaining"] == "4"
    assert r.headers["x-rate-limit-api-key-interval-ms"] == "10000"
    statuses = [s.http.get(f"/boards/{s.board.id}").status_code for _ in range(5)]
    assert statuses == [200, 200, 200, 200, 429]
    r = s.http.get(f"/boards/{s.board.id}")
    assert r.status_code == 429
    assert r.json() == {"error": "API_TOKEN_LIMIT_EXCEEDED", "message": "Rate limit exceeded"}
    # Another token on the same key still has its own budget ... until the key's runs out.
    other = {"Authorization": f'OAuth oauth_consumer_key="{KEY}", oauth_token="othertoken123"'}
    r = s.http.get(f"/boards/{s.board.id}", headers=other)
    assert r.status_code == 429 and r.json()["error"] == "API_KEY_LIMIT_EXCEEDED"
    now[0] = 10.5  # next window
    assert s.http.get(f"/boards/{s.board.id}").status_code == 200


def test_key_lockout_after_many_429s(s: S) -> None:
    now = [0.0]
    s.world.clock = lambda: now[0]
    s.world.limits = Limits(token_max=2, key_max=1000, key_lockout_after=3)
    codes = [s.http.get("/cards/" + s.card.id).status_code for _ in range(6)]
    assert codes == [200, 200, 429, 429, 429, 429]
    other = {"Authorization": f'OAuth oauth_consumer_key="{KEY}", oauth_token="othertoken123"'}
    r = s.http.get(f"/boards/{s.board.id}", headers=other)  # fresh token, but the key is locked
    assert r.status_code == 429 and r.json()["error"] == "API_KEY_LIMIT_EXCEEDED"
    now[0] = 11.0
    assert s.http.get(f"/boards/{s.board.id}", headers=other).status_code == 200


def test_members_route_bucket(s: S) -> None:
    s.world.limits = Limits(members_max=2)
    codes = [s.http.get("/members/me").status_code for _ in range(3)]
    assert codes == [200, 200, 429]
    r = s.http.get("/members/me")
    assert r.json()["error"] == "RATE_LIMIT_EXCEEDED"
    assert s.http.get(f"/boards/{s.board.id}").status_code == 200  # other routes unaffected


def test_fault_switch(s: S) -> None:
    s.world.faults.rate_limit(2)
    assert [s.http.get("/members/me").status_code for _ in range(3)] == [429, 429, 200]
    s.world.faults.error(1, 502)
    r = s.http.get("/members/me")
    assert r.status_code == 502
    s.world.faults.truncate(1)
    r = s.http.get("/members/me")
    with pytest.raises(ValueError):
        r.json()
    s.world.faults.slow(1, 0.3)
    t = time.perf_counter()
    assert s.http.get("/members/me").status_code == 200
    assert time.perf_counter() - t >= 0.3
    s.world.faults.error(1, 500, match="/comments")
    assert s.http.get("/members/me").status_code == 200  # not matching: untouched
    r = s.http.post(f"/cards/{s.card.id}/actions/comments", json={"text": "x"})
    assert r.status_code == 500 and s.world.posts_per_card[s.card.id] == 0
    s.world.faults.truncate(1, match="/comments")
    r = s.http.post(f"/cards/{s.card.id}/actions/comments", json={"text": "applied"})
    assert s.world.posts_per_card[s.card.id] == 1  # applied before the reply broke


def test_request_log_keeps_method_path_query(s: S) -> None:
    s.http.get(f"/boards/{s.board.id}/actions", params={"filter": "commentCard", "limit": 5})
    last = s.world.requests[-1]
    assert (last.method, last.path, last.status, last.auth) == (
        "GET", f"/1/boards/{s.board.id}/actions", 200, "header")
    assert last.query == "filter=commentCard&limit=5"
    assert s.world.request_count("GET", "/actions") == 1


def test_seeding_20k_comments_is_fast_and_listing_uses_bisect(s: S) -> None:
    cards = [s.world.add_card(s.board, f"card {i}") for i in range(20)]
    t = time.perf_counter()
    for i in range(20_000):
        s.world.add_comment(cards[i % 20], s.other, f"m{i}", at=T0 + timedelta(seconds=i))
    seeded = time.perf_counter() - t
    assert seeded < 3.0, seeded
    t = time.perf_counter()
    page = actions(s, filter="commentCard", limit=1000, before=s.world.boards[s.board.id].action_ids[500])
    # The 500 oldest actions: the first card's createCard (at T0) and comments m0..m498
    # (the 20 new cards were created "now", after every seeded comment).
    assert [a["data"]["text"] for a in page] == [f"m{i}" for i in range(498, -1, -1)]  # type: ignore[index]
    assert time.perf_counter() - t < 2.0


def test_world_is_thread_safe_while_serving(s: S) -> None:
    errors: list[BaseException] = []
    stop = threading.Event()

    def writer() -> None:
        try:
            i = 0
            while not stop.is_set():
                a = s.world.add_comment(s.card, s.other, f"w{i}")
                if i % 3 == 0:
                    s.world.edit_comment(a.id, "edited")
                if i % 5 == 0:
                    s.world.delete_comment(a.id)
                i += 1
        except BaseException as e:  # noqa: BLE001 - surfaced by the assertion below
            errors.append(e)

    th = threading.Thread(target=writer)
    th.start()
    try:
        for _ in range(40):
            r = s.http.get(f"/boards/{s.board.id}/actions", params={"filter": "commentCard", "limit": 1000})
            assert r.status_code == 200
            ids = [a["id"] for a in r.json()]
            assert ids == sorted(ids, reverse=True)
    finally:
        stop.set()
        th.join()
    assert not errors


def test_seed_from_demo_world_served_to_the_real_connector() -> None:
    import asyncio

    from connectors.base import SourceContext
    from connectors.trello import build
    from sandbox.demo.world import generate
    from sandbox.trello_server import seed_from_demo

    anchor = datetime.now(UTC).replace(microsecond=0)
    demo = generate(600, anchor=anchor)
    world = seed_from_demo(demo, key=KEY, token=TOKEN)
    again = seed_from_demo(generate(600, anchor=anchor), key=KEY, token=TOKEN)
    assert sorted(world.actions) == sorted(again.actions)  # stable ids across restarts
    trello_msgs = [m for m in demo.messages if m.channel == "trello"]
    visible = {m.text for m in trello_msgs if m.at <= datetime.now(UTC)}
    with ServerThread(create_app(world)) as srv:
        ctx = SourceContext(account="trello", kind="trello", options={"api_base": srv.url + "/1"},
                            secret={"key": KEY, "token": TOKEN}.get)

        async def run() -> list[str]:
            conn = build(ctx)
            try:
                texts: list[str] = []
                cursor = None
                while True:
                    batch = await conn.fetch(cursor)
                    texts += [i.text for i in batch.items]
                    cursor = batch.cursor
                    if not batch.more:
                        return texts
            finally:
                await conn.aclose()

        texts = asyncio.run(run())
    assert set(texts) == visible and len(texts) == sum(1 for m in trello_msgs if m.at <= datetime.now(UTC))
    assert len(world.boards) == len(demo.projects)


def test_hide_future_comments_arrive_on_time(s: S) -> None:
    s.world.hide_future = True
    s.world.add_comment(s.card, s.other, "now", at=datetime.now(UTC) - timedelta(seconds=5))
    s.world.add_comment(s.card, s.other, "later", at=datetime.now(UTC) + timedelta(hours=1))
    assert [a["data"]["text"] for a in actions(s, filter="commentCard")] == ["now"]  # type: ignore[index]
