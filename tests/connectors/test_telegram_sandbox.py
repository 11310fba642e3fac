"""The fake Bot API (sandbox/telegram_server.py) behaves like the real Bot API, over loopback.

Every test talks to it over a real loopback socket with plain httpx, so these are also
the executable list of what the fake reproduces (see its module docstring).
"""

from __future__ import annotations

import json
import threading
import time
from collections.abc import Iterator
from datetime import UTC, datetime

import httpx
import pytest

from sandbox.server import ServerThread
from sandbox.telegram_server import TelegramWorld, create_app, mention_entities

TOKEN = "123456:ABC-def_ghi"
CHAT = -1001234567890


@pytest.fixture(scope="module")
def env() -> Iterator[tuple[TelegramWorld, str]]:
    world = TelegramWorld()
    world.add_bot(TOKEN, "agency_bot")
    with ServerThread(create_app(world)) as srv:
        yield world, srv.url


@pytest.fixture
def world(env: tuple[TelegramWorld, str]) -> Iterator[TelegramWorld]:
    w = env[0]
    yield w
    # Tests share one server: drain the bot's queue and faults after each.
    w.clear_faults()
    w.bots[TOKEN].updates.clear()
    w.bots[TOKEN].webhook_url = ""
    w.bots[TOKEN].allowed = None


@pytest.fixture
def api(env: tuple[TelegramWorld, str]) -> Iterator[httpx.Client]:
    with httpx.Client(base_url=f"{env[1]}/bot{TOKEN}", timeout=20) as c:
        yield c


def _chat(world: TelegramWorld, cid: int, **kw: object) -> int:
    if cid not in world.chats:
        world.add_chat(cid, f"Chat {cid}", **kw)  # type: ignore[arg-type]
    return cid


IVAN = {"id": 111, "first_name": "Иван", "username": "ivan_p"}


def test_token_routing_and_method_case(env: tuple[TelegramWorld, str]) -> None:
    base = env[1]
    r = httpx.get(f"{base}/botnot-a-token/getMe")
    assert r.status_code == 401
    assert r.json() == {"ok": False, "error_code": 401,
                        "description": "Unauthorized: invalid token specified"}
    r = httpx.get(f"{base}/bot999:XYZ/getMe")
    assert r.status_code == 401 and r.json()["description"] == "Unauthorized"
    r = httpx.get(f"{base}/bot{TOKEN}/noSuchMethod")
    assert r.status_code == 404 and r.json()["description"] == "Not Found: method not found"
    for name in ("getMe", "GETME", "getme"):
        r = httpx.get(f"{base}/bot{TOKEN}/{name}")
        assert r.status_code == 200
        me = r.json()["result"]
        assert me["id"] == 123456 and me["username"] == "agency_bot" and me["is_bot"] is True
        assert me["can_read_all_group_messages"] is True


def test_parameters_from_query_form_and_json(world: TelegramWorld, api: httpx.Client) -> None:
    cid = _chat(world, CHAT)
    first = world.post(cid, from_user=IVAN, text="вопрос")
    r1 = api.get("/sendMessage", params={"chat_id": str(cid), "text": "по query"})
    r2 = api.post("/sendMessage", data={
        "chat_id": str(cid), "text": "по форме",
        "reply_parameters": json.dumps({"message_id": first["message_id"]})})
    r3 = api.post("/sendMessage", json={"chat_id": cid, "text": "по json",
                                        "reply_parameters": {"message_id": first["message_id"]}})
    ids = [r.json()["result"]["message_id"] for r in (r1, r2, r3)]
    assert [r.status_code for r in (r1, r2, r3)] == [200, 200, 200]
    assert ids == sorted(ids) and len(set(ids)) == 3 and ids[0] > first["message_id"]
    assert r2.json()["result"]["reply_to_message"]["message_id"] == first["message_id"]
    assert r3.json()["result"]["reply_to_message"]["text"] == "вопрос"
    assert "reply_to_message" not in r1.json()["result"]
    assert [m["text"] for m in world.sent(cid)][-3:] == ["по query", "по форме", "по json"]
    assert world.sent(cid)[-1]["from"]["username"] == "agency_bot"


def test_offset_confirms_and_negative_offset_and_limit(world: TelegramWorld,
                                                        api: httpx.Client) -> None:
    cid = _chat(world, CHAT)
    for i in range(150):
        world.post(cid, from_user=IVAN, text=f"m{i}")
    r = api.get("/getUpdates", params={"limit": 500}).json()["result"]
    assert len(r) == 100  # limit is clamped to 1–100
    ids = [u["update_id"] for u in r]
    assert ids == list(range(ids[0], ids[0] + 100))  # update ids rise one by one
    # Without an offset nothing is confirmed: the same first update comes again.
    assert api.get("/getUpdates", params={"limit": 1}).json()["result"][0]["update_id"] == ids[0]
    r = api.get("/getUpdates", params={"offset": ids[-1] + 1}).json()["result"]
    assert len(r) == 50 and r[0]["message"]["text"] == "m100"
    assert world.pending(TOKEN) == 50
    r = api.get("/getUpdates", params={"offset": -3}).json()["result"]
    assert [u["message"]["text"] for u in r] == ["m147", "m148", "m149"]
    assert world.pending(TOKEN) == 3  # a negative offset forgets everything older
    r = api.get("/getUpdates", params={"limit": 0}).json()["result"]
    assert len(r) == 1  # limit 0 is clamped up to 1


def test_long_poll_wakes_on_post_and_times_out(world: TelegramWorld, api: httpx.Client) -> None:
    cid = _chat(world, CHAT)
    timer = threading.Timer(0.3, lambda: world.post(cid, from_user=IVAN, text="пришло"))
    t0 = time.monotonic()
    timer.start()
    r = api.get("/getUpdates", params={"timeout": 10}).json()
    took = time.monotonic() - t0
    assert [u["message"]["text"] for u in r["result"]] == ["пришло"]
    assert 0.25 < took < 3
    last = r["result"][0]["update_id"]
    t0 = time.monotonic()
    r = api.get("/getUpdates", params={"timeout": 1, "offset": last + 1}).json()
    assert r == {"ok": True, "result": []}
    assert 0.9 < time.monotonic() - t0 < 3


def test_overlapping_polls_409_and_webhook_409(world: TelegramWorld, api: httpx.Client,
                                              env: tuple[TelegramWorld, str]) -> None:
    results: list[httpx.Response] = []

    def first_poll() -> None:
        with httpx.Client(base_url=f"{env[1]}/bot{TOKEN}", timeout=20) as c:
            results.append(c.get("/getUpdates", params={"timeout": 10}))

    th = threading.Thread(target=first_poll)
    th.start()
    deadline = time.monotonic() + 5
    while not world.bots[TOKEN].waiters and time.monotonic() < deadline:
        time.sleep(0.01)
    second = api.get("/getUpdates", params={"timeout": 0})
    th.join(5)
    assert second.status_code == 200
    assert results[0].status_code == 409
    assert results[0].json()["description"].startswith("Conflict: terminated by other getUpdates")
    world.set_webhook(TOKEN, "https://example.invalid/hook")
    r = api.get("/getUpdates")
    assert r.status_code == 409 and "webhook is active" in r.json()["description"]
    assert api.post("/deleteWebhook", json={}).json() == {"ok": True, "result": True}
    assert api.get("/getUpdates").status_code == 200


def test_updates_expire_after_24h(world: TelegramWorld, api: httpx.Client) -> None:
    cid = _chat(world, CHAT)
    world.post(cid, from_user=IVAN, text="старое")
    world.advance(86400 + 1)
    world.post(cid, from_user=IVAN, text="новое")
    r = api.get("/getUpdates").json()["result"]
    assert [u["message"]["text"] for u in r] == ["новое"]


def test_send_message_validation(world: TelegramWorld, api: httpx.Client) -> None:
    cid = _chat(world, CHAT)

    def send(**p: object) -> httpx.Response:
        return api.post("/sendMessage", json={"chat_id": cid, **p})

    r = send(text="   ")
    assert r.status_code == 400 and r.json()["description"] == "Bad Request: message text is empty"
    assert send().json()["description"] == "Bad Request: message text is empty"
    r = send(text="я" * 4097)
    assert r.status_code == 400 and r.json()["description"] == "Bad Request: message is too long"
    # Length is counted in characters (code points) after trimming, not UTF-16 units.
    assert send(text="😀" * 4096).status_code == 200
    assert send(text="\n " + "a" * 4096 + " \n").json()["result"]["text"] == "a" * 4096
    r = api.post("/sendMessage", json={"chat_id": -100999, "text": "x"})
    assert r.status_code == 400 and r.json()["description"] == "Bad Request: chat not found"
    r = send(text="x", reply_parameters={"message_id": 999999})
    assert r.json()["description"] == "Bad Request: message to be replied not found"
    r = send(text="x", reply_parameters={"message_id": 999999, "allow_sending_without_reply": True})
    assert r.status_code == 200 and "reply_to_message" not in r.json()["result"]
    r = send(text="x", reply_parameters="{not json")
    assert r.status_code == 400


def test_forum_topics_and_threads(world: TelegramWorld, api: httpx.Client) -> None:
    cid = -1002000000001
    world.add_chat(cid, "Форум", is_forum=True)
    topic = world.add_topic(cid, "SEO")
    msg = world.post(cid, from_user=IVAN, text="в теме", topic_id=topic)
    assert msg["is_topic_message"] and msg["message_thread_id"] == topic
    assert msg["reply_to_message"]["forum_topic_created"]["name"] == "SEO"
    r = api.post("/sendMessage", json={"chat_id": cid, "text": "ответ", "message_thread_id": topic})
    assert r.json()["result"]["message_thread_id"] == topic
    r = api.post("/sendMessage", json={"chat_id": cid, "text": "x", "message_thread_id": 777})
    assert r.json()["description"] == "Bad Request: message thread not found"


@pytest.mark.parametrize(("kind", "code", "needle"), [
    ("429", 429, "Too Many Requests: retry after 17"),
    ("blocked", 403, "Forbidden: bot was blocked by the user"),
    ("kicked", 403, "Forbidden: bot was kicked from the supergroup chat"),
    ("migrate", 400, "Bad Request: group chat was upgraded to a supergroup chat"),
])
def test_fault_switches(world: TelegramWorld, api: httpx.Client, kind: str, code: int,
                        needle: str) -> None:
    cid = _chat(world, CHAT)
    world.fault(kind, method="sendMessage", count=2, retry_after=17, migrate_to=-100777)
    for _ in range(2):
        r = api.post("/sendMessage", json={"chat_id": cid, "text": "x"})
        assert r.status_code == code and r.json()["description"] == needle
    if kind == "429":
        assert r.json()["parameters"] == {"retry_after": 17}
    if kind == "migrate":
        assert r.json()["parameters"] == {"migrate_to_chat_id": -100777}
    assert api.get("/getMe").status_code == 200  # other methods are not affected
    assert api.post("/sendMessage", json={"chat_id": cid, "text": "x"}).status_code == 200


def test_5xx_and_slow_faults(world: TelegramWorld, api: httpx.Client) -> None:
    world.fault("5xx", status=503)
    r = api.get("/getMe")
    assert r.status_code == 503 and "html" in r.headers["content-type"]
    world.fault("slow", method="getme", delay=0.4)
    t0 = time.monotonic()
    assert api.get("/getMe").status_code == 200
    assert time.monotonic() - t0 >= 0.4


def test_migrate_service_messages_and_send_to_old_chat(world: TelegramWorld,
                                                       api: httpx.Client) -> None:
    old = -4001
    world.add_chat(old, "Старая группа", type="group")
    world.post(old, from_user=IVAN, text="до миграции")
    world.migrate(old, -1004001)
    r = api.get("/getUpdates").json()["result"]
    msgs = [u["message"] for u in r]
    assert msgs[0]["text"] == "до миграции"
    assert msgs[1]["migrate_to_chat_id"] == -1004001 and msgs[1]["chat"]["id"] == old
    assert msgs[2]["migrate_from_chat_id"] == old and msgs[2]["chat"]["type"] == "supergroup"
    r2 = api.post("/sendMessage", json={"chat_id": old, "text": "x"})
    assert r2.status_code == 400
    assert r2.json()["parameters"] == {"migrate_to_chat_id": -1004001}


def test_bots_do_not_see_bots_and_kicked_bot_gets_403(world: TelegramWorld,
                                                      api: httpx.Client) -> None:
    cid = -1005001
    world.add_chat(cid, "Боты")
    world.post(cid, from_user={"id": 9, "is_bot": True, "first_name": "Other", "username": "x_bot"},
               text="от бота")
    assert world.pending(TOKEN) == 0
    world.remove_bot(cid, TOKEN)
    world.post(cid, from_user=IVAN, text="не видно")
    assert world.pending(TOKEN) == 0
    r = api.post("/sendMessage", json={"chat_id": cid, "text": "x"})
    assert r.status_code == 403
    assert r.json()["description"] == "Forbidden: bot is not a member of the supergroup chat"


def test_request_log_has_no_token(world: TelegramWorld, api: httpx.Client) -> None:
    api.get("/getMe")
    last = world.requests[-1]
    assert last.method == "getme" and last.bot == "agency_bot" and last.status == 200
    assert TOKEN not in repr(world.requests)


def test_mention_entities_use_utf16_offsets() -> None:
    text = "😀 привет @ivan_p и @maria_seo"
    ents = mention_entities(text)
    enc = text.encode("utf-16-le")
    got = [enc[2 * e["offset"]: 2 * (e["offset"] + e["length"])].decode("utf-16-le") for e in ents]
    assert got == ["@ivan_p", "@maria_seo"]
    assert ents[0]["offset"] == text.index("@") + 1  # the emoji is 2 UTF-16 units


def test_seeding_30k_is_fast_and_pages_by_100(api: httpx.Client) -> None:
    w = TelegramWorld()
    w.add_bot("42:big", "big_bot")
    chats = [w.add_chat(-1003000000000 - i, f"Клиент {i}").id for i in range(12)]
    at = datetime(2026, 1, 5, 9, 0, tzinfo=UTC)
    t0 = time.perf_counter()
    for i in range(30_000):
        w.post(chats[i % 12], from_user=IVAN, text=f"сообщение {i} для @maria_seo", at=at)
    seeded = time.perf_counter() - t0
    assert seeded < 5, f"seeding 30k took {seeded:.2f}s"
    assert w.pending("42:big") == 30_000
    with ServerThread(create_app(w)) as srv, httpx.Client(base_url=f"{srv.url}/bot42:big") as c:
        page = c.get("/getUpdates").json()["result"]
        assert len(page) == 100
        assert page[0]["message"]["date"] == int(at.timestamp())
