"""Scores on the public fixture set: reply extraction, decoding, threading partitions.

Shared by the tests (which assert the thresholds) and ``python -m eval.email``
(which prints the tables and compares the reply-parsing libraries).
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from typing import Any

from connectors.email import mime, replies

from . import loader

# (text, subject) → (answer, [{"author", "text"} …])
Extractor = Callable[[str, str], tuple[str, list[dict[str, str]]]]

GROUPS = {"en": "English", "ru": "Russian"}


def norm(text: str) -> list[str]:
    """Compare texts line by line, ignoring blank lines and runs of spaces."""
    return [" ".join(line.split()) for line in text.splitlines() if line.strip()]


def _norm_author(a: str) -> str:
    return " ".join(a.replace('"', "").split()).casefold()


@dataclass(slots=True)
class Outcome:
    """One case's result."""

    id: str
    lang: str
    ok: bool
    got: str = ""
    want: str = ""
    forwarded_ok: bool = True


def case_input(case: dict[str, Any]) -> tuple[str, str]:
    """The plain text a reply parser sees for ``case`` and the message subject."""
    data = loader.case_bytes(case)
    kind = case.get("kind", "text")
    if kind == "message":
        p = mime.parse(data)
        return p.full_text, p.subject
    if kind == "html":
        return mime.html_to_text(mime.decode_guess(data)), str(case.get("subject", ""))
    return data.decode("utf-8"), str(case.get("subject", ""))


def ours(text: str, subject: str) -> tuple[str, list[dict[str, str]]]:
    r = replies.extract(text, subject=subject)
    return r.text, [f.as_meta() for f in r.forwarded]


def score_replies(extractor: Extractor = ours, cases: Iterable[dict[str, Any]] | None = None) -> list[Outcome]:
    out: list[Outcome] = []
    for case in cases if cases is not None else loader.load_cases("replies.toml"):
        text, subject = case_input(case)
        try:
            answer, fwds = extractor(text, subject)
        except Exception as exc:  # a library crashing on a fixture scores as a miss
            answer, fwds = f"<{type(exc).__name__}>", []
        want_f = case.get("forwarded", [])
        f_ok = len(fwds) == len(want_f) and all(
            norm(g.get("text", "")) == norm(w["text"]) and _norm_author(g.get("author", "")) == _norm_author(w["author"])
            for g, w in zip(fwds, want_f, strict=False)
        )
        ok = norm(answer) == norm(case["expect"]) and f_ok
        out.append(Outcome(case["id"], case["lang"], ok, answer, case["expect"], f_ok))
    return out


def by_group(results: list[Outcome]) -> dict[str, tuple[int, int]]:
    """``{"English": (passed, total), "Russian": …, "other languages": …, "overall": …}``."""
    groups: dict[str, list[bool]] = {"English": [], "Russian": [], "other languages": [], "overall": []}
    for r in results:
        groups[GROUPS.get(r.lang, "other languages")].append(r.ok)
        groups["overall"].append(r.ok)
    return {k: (sum(v), len(v)) for k, v in groups.items()}


# --- decoding -------------------------------------------------------------------------------

# Byte sequences of one charset read as another: UTF-8 read as Latin-1/cp1252 ("Ã©", "â€™",
# "Ð¿"), UTF-8 read as cp1251 ("Р°", "Ð"), cp1251 read as Latin-1 ("Ïðèâåò"), escapes shown raw.
_MOJIBAKE = re.compile(
    r"Ã[\x80-\xbf¡-ÿ]|â€|Â[\xa0-\xbf]|Ð[\x80-\xbfА-я]|Ñ[\x80-\x8f]|Р[ЃЌЏђ°±²µ¶·ё№»]|С[ЂЃ‚ѓ„…†‡€‰Љ‹ЊЌЋЏ]"
    r"|[ÀÁÂÃÄÅÆÇÈÉÊËÌÍÎÏÐÑÒÓÔÕÖØÙÚÛÜÝÞßàáâãäåæçèéêëìíîïðñòóôõöøùúûüýþÿ]{4,}"
    r"|\\u04[0-9a-f]{2}|=\?[\w-]+\?[QqBb]\?|[\x80-\x9f]|\ufffd"
)


def mojibake(text: str, allowed: str = "") -> list[str]:
    """Fragments of ``text`` that look like mis-decoded bytes (``allowed``: the sender's own)."""
    return [m.group(0) for m in _MOJIBAKE.finditer(text) if m.group(0) not in allowed]


@dataclass(slots=True)
class Decoded:
    id: str
    ok: bool
    problems: list[str] = field(default_factory=list)


def score_decoding(cases: Iterable[dict[str, Any]] | None = None) -> list[Decoded]:
    """Each case: the expected subject / sender / text fragments are there, and no mojibake."""
    out: list[Decoded] = []
    for case in cases if cases is not None else loader.load_cases("decoding.toml"):
        p = mime.parse(loader.case_bytes(case))
        problems: list[str] = []
        if "subject" in case and p.subject != case["subject"]:
            problems.append(f"subject {p.subject!r} != {case['subject']!r}")
        if "from_name" in case and p.from_name != case["from_name"]:
            problems.append(f"from name {p.from_name!r} != {case['from_name']!r}")
        if "from_addr" in case and p.from_addr != case["from_addr"]:
            problems.append(f"from address {p.from_addr!r} != {case['from_addr']!r}")
        for frag in case.get("contains", []):
            if frag not in p.full_text:
                problems.append(f"text lacks {frag!r}")
        shown = " ".join([p.subject, p.from_name, p.full_text, *(a["name"] for a in p.attachments)])
        bad = mojibake(shown, str(case.get("allowed", "")))
        if bad:
            problems.append(f"mojibake {bad[:5]!r}")
        out.append(Decoded(case["id"], not problems, problems))
    return out
