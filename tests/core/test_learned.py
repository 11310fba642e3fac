"""Learning priority and scope from decisions: the pure models, what a decision says, and
the assessment they adjust (with the reason shown, smoothed, never hiding a question)."""

from __future__ import annotations

from dataclasses import replace
from zoneinfo import ZoneInfo

from inscope.config import Config, Me, ProjectCfg
from inscope.model import MsgFacts, Priority
from inscope.rules.learned import LOWER, RAISE, Example, Features, Learned, ScopeModel, ScopeVote
from inscope.rules.triage import Rules, priority_vote
from inscope.store.decisions import Decision

NOW = 1_800_000_000.0
MSK = ZoneInfo("Europe/Moscow")


def feats(sender: str = "ivan", conv: str = "tg:1", project: str = "P") -> Features:
    return Features(sender=sender, conversation=conv, project=project, words=())


def decision(tid: int, *, kinds: tuple[str, ...] = ("reply",), before: str = "normal", sender: str = "ivan",
             text: str = "Когда будет отчёт по позициям?", conv: str = "", project: str = "P",
             priority_set: str = "", service: str = "", latency: float | None = None,
             ahead: bool = False, reason: str = "the client waits for an answer") -> Decision:
    return Decision(tid, kinds, "", priority_set, "reply" in kinds, sender, sender.title(), "client", text,
                    conv or f"tg:{tid}", reason, before_relevance="mine", before_reason=reason,
                    project=project, before_priority=before, before_service=service,
                    reply_latency=latency, answered_ahead=ahead)


# -- the pure models --------------------------------------------------------------------------


def test_two_overrides_of_one_sender_raise_one_does_not() -> None:
    one = Learned.fit([Example(feats(conv="tg:1"), True, 2.0)], {"ivan": "Иван"}, RAISE)
    assert one.judge(feats(conv="tg:9")) is None, "a single decision never flips anything"
    two = Learned.fit([Example(feats(conv="tg:1"), True, 2.0), Example(feats(conv="tg:2"), True, 2.0)],
                      {"ivan": "Иван"}, RAISE)
    assert two.judge(feats(conv="tg:9")) == (True, "you usually answer Иван sooner than ranked (4 of 4)")


def test_decisions_as_ranked_weigh_against_exceptions() -> None:
    exs = [Example(feats(conv=f"tg:{i}"), True, 2.0) for i in range(2)]
    exs += [Example(feats(conv=f"tg:{i + 10}"), False) for i in range(6)]
    assert Learned.fit(exs, {}, RAISE).judge(feats(conv="tg:99")) is None


def test_a_project_answered_sooner_than_ranked() -> None:
    exs = [Example(feats(sender=f"s{i}", conv=f"tg:{i}", project="Ромашка"), True) for i in range(5)]
    verdict = Learned.fit(exs, {}, RAISE).judge(feats(sender="new", conv="tg:99", project="Ромашка"))
    assert verdict == (True, "you usually answer Ромашка's threads sooner than ranked (5 of 5)")


def test_lower_reads_for_later() -> None:
    exs = [Example(feats(sender="bot", conv=f"tg:{i}"), True) for i in range(4)]
    assert Learned.fit(exs, {"bot": "Build"}, LOWER).judge(feats(sender="bot", conv="tg:9")) == (
        True, "you usually leave Build's messages for later (4 of 4)")


def test_scope_from_escalations_smoothed_toward_the_contract() -> None:
    design = ScopeVote("P", "design", "design", True)
    assert ScopeModel([design]).judge("P", "design", None) is None, "one escalation says nothing yet"
    two = ScopeModel([design, design])
    assert two.judge("P", "design", None) == (True, "you escalate design requests on P (2 of 2)")
    assert two.judge("P", "design", True) is None, "the contract says in: two escalations are not enough"
    assert two.judge("Q", "design", None) is None, "per project"
    replies = ScopeModel([ScopeVote("P", "smm", "SMM", False)] * 5)
    assert replies.judge("P", "smm", False) == (False, "you answer SMM requests on P yourself (5 of 5)")


# -- what one decision says of the priority --------------------------------------------------


def test_priority_votes() -> None:
    assert priority_vote(decision(1, kinds=("priority",), priority_set="high")) == 2.0
    assert priority_vote(decision(1, kinds=("priority",), priority_set="low", before="high")) == -2.0
    assert priority_vote(decision(1, before="low")) == 1.0, "a reply to what was ranked low"
    assert priority_vote(decision(1, latency=600)) == 1.0, "answered within half an hour"
    assert priority_vote(decision(1, ahead=True)) == 1.0, "answered ahead of a thread ranked higher"
    assert priority_vote(decision(1)) == 0.0, "a reply in its turn: as ranked"
    assert priority_vote(decision(1, kinds=("done",))) == -1.0, "closed without a reply"
    assert priority_vote(decision(1, kinds=("done",), reason="Иван asks you by name")) == 0.0, "handled"
    assert priority_vote(decision(1, kinds=("snooze",), before="high")) == -1.0
    assert priority_vote(decision(1, kinds=("escalate",))) == 0.0, "an escalation is about scope"


# -- the assessment they adjust ---------------------------------------------------------------


def rules(services: list[str] | None = None) -> Rules:
    return Rules.from_config(Config(me=Me(name="Мария Петрова", timezone="Europe/Moscow"),
                                    projects=[ProjectCfg(name="P", services=services or [])]))


def client(text: str, handle: str = "ivan", conv: str = "tg:100") -> list[MsgFacts]:
    return [MsgFacts("client", text, NOW - 600, handle=handle, author=handle.title(), conversation=conv)]


def test_priority_raised_by_her_overrides_with_the_reason() -> None:
    r = rules(["SEO"])
    base = r.assess("P", client("Когда будет отчёт?"), (), NOW)
    assert base.priority == Priority.NORMAL
    r.learn([decision(i, kinds=("priority",), priority_set="high") for i in (1, 2)])
    a = r.assess("P", client("Когда будет отчёт?"), (), NOW)
    assert a.priority == Priority.HIGH
    assert "you usually answer Ivan sooner than ranked (4 of 4)" in a.reasons
    r.learn([decision(1, kinds=("priority",), priority_set="high")])
    assert r.assess("P", client("Когда будет отчёт?"), (), NOW).priority == Priority.NORMAL, "one is not enough"


def test_priority_lowered_but_never_below_normal_for_a_direct_question() -> None:
    r = rules(["SEO"])
    r.learn([decision(i, kinds=("priority",), priority_set="low") for i in (1, 2, 3)])
    asked = r.assess("P", [replace(client("Мария, когда будет отчёт?")[0], addr="to")], (), NOW)
    assert asked.priority == Priority.NORMAL, "a question to me by name stays in sight"
    fyi = r.assess("P", client("Выложили новые фото в каталог, посмотрите когда будет время?"), (), NOW)
    assert fyi.priority == Priority.LOW
    assert "you usually leave Ivan's messages for later (6 of 6)" in fyi.reasons


def test_scope_out_learned_from_escalations_on_a_project() -> None:
    r = rules()  # the project lists no services: the rules cannot tell out of scope
    text = "Можете нарисовать баннер к акции?"
    assert r.assess("P", client(text), (), NOW).scope != "out"
    r.learn([decision(i, kinds=("escalate",), text=text) for i in (1, 2)])
    a = r.assess("P", client("А логотип обновить сможете?"), (), NOW)
    assert (a.scope, a.scope_service) == ("out", "design")
    assert "you escalate design requests on P (2 of 2)" in a.reasons
    assert a.priority == Priority.NORMAL, "escalate it rather than do it first"


def test_scope_in_learned_from_her_replies() -> None:
    r = rules(["SEO"])
    text = "Можете сделать пост для нашего инстаграма?"
    assert r.assess("P", client(text), (), NOW).scope == "out"
    r.learn([decision(i, kinds=("reply",), text="Сможете вести наш инстаграм?") for i in range(5)])
    a = r.assess("P", client(text), (), NOW)
    assert a.scope == "in"
    assert "you answer SMM requests on P yourself (5 of 5)" in a.reasons


def test_the_projects_own_out_of_scope_phrases_win() -> None:
    r = Rules.from_config(Config(me=Me(name="Мария Петрова", timezone="Europe/Moscow"),
                                 projects=[ProjectCfg(name="P", services=["SEO"], out_of_scope=["баннер"])]))
    r.learn([decision(i, kinds=("reply",), text="Нарисуете баннер?") for i in range(8)])
    assert r.assess("P", client("Нарисуете баннер?"), (), NOW).scope == "out"
