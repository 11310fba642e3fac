"""Reply templates: placeholders, the templates folder, which definition applies, the values
a thread fills in, and the built-in ones."""

from __future__ import annotations

import re
from datetime import datetime
from pathlib import Path
from zoneinfo import ZoneInfo

import pytest

from inscope.actions import ActionError, Actions
from inscope.config import ConfigError, parse
from inscope.config.schema import AccountManager, TemplateCfg
from inscope.store import Store
from inscope.templates import (
    BUILTIN,
    Catalog,
    MissingFields,
    Template,
    TemplateError,
    fill,
    language_of,
    load_catalog,
    missing,
    placeholders,
)
from inscope.templates.folder import TemplateFileError, parse_file
from inscope.templates.when import in_words
from tests.helpers import FakeWorkspace, item, project_of, role_of, thread_id, triage

MSK = ZoneInfo("Europe/Moscow")
KNOWN = {"client_name", "client_full_name", "project", "title", "my_name", "account_manager",
         "next_window", "report_link"}


# -- placeholders (pure) --------------------------------------------------------------------

def test_placeholders_fill_and_braces() -> None:
    text = "{client_name}, отчёт: {report_link} {{не поле}} {1} { x } {client_name}"
    assert placeholders(text) == ["client_name", "report_link"]
    assert missing(text, {"client_name": "Иван", "report_link": " "}) == ["report_link"]
    assert fill(text, {"client_name": "Иван", "report_link": "https://r"}) == \
        "Иван, отчёт: https://r {не поле} {1} { x } Иван"
    with pytest.raises(MissingFields) as e:
        fill(text, {})
    assert e.value.names == ["client_name", "report_link"]
    assert str(e.value) == "no value for {client_name}, {report_link}"


def test_a_value_is_inserted_as_it_is_never_expanded() -> None:
    assert fill("{a}", {"a": "{b} и {{c}}"}) == "{b} и {{c}}"


def test_language_of() -> None:
    assert language_of("Добрый день, когда отчёт?") == "ru"
    assert language_of("Hi, when is the report?") == "en"
    assert language_of("SEO отчёт") == "ru"
    assert language_of("12345 ?!") == ""


def test_next_window_in_words() -> None:
    now = datetime(2025, 3, 12, 14, 47, tzinfo=MSK)  # a Wednesday
    assert in_words(datetime(2025, 3, 12, 17, tzinfo=MSK), now, "ru") == "сегодня в 17:00"
    assert in_words(datetime(2025, 3, 13, 11, tzinfo=MSK), now, "ru") == "завтра в 11:00"
    assert in_words(datetime(2025, 3, 14, 11, tzinfo=MSK), now, "ru") == "в пятницу в 11:00"
    assert in_words(datetime(2025, 3, 25, 11, tzinfo=MSK), now, "ru") == "25.03 в 11:00"
    assert in_words(datetime(2025, 3, 12, 17, tzinfo=MSK), now, "en") == "today at 17:00"
    assert in_words(datetime(2025, 3, 17, 11, tzinfo=MSK), now, "en") == "on Monday at 11:00"
    assert in_words(datetime(2025, 3, 25, 11, tzinfo=MSK), now, "en") == "on 25 March at 11:00"


# -- the built-in templates -----------------------------------------------------------------

def test_every_built_in_template_exists_in_russian_and_english() -> None:
    names = {t.name for t in BUILTIN}
    assert names >= {"monthly-report", "access-request", "next-window", "out-of-scope"}
    for name in names:
        assert {t.language for t in BUILTIN if t.name == name} == {"ru", "en"}, name
    for t in BUILTIN:
        assert t.description and "client_name" in t.fields
        # Only fields a thread cannot know are asked for.
        asked = set(t.fields) - KNOWN
        assert asked <= {"summary", "access", "request", "materials_link", "deadline"}, (t.name, asked)


# -- files and the catalog --------------------------------------------------------------------

def test_a_template_file_with_front_matter(tmp_path: Path) -> None:
    path = tmp_path / "report.md"
    t = parse_file(path, "---\nproject: Acme\nlanguage: en\ndescription: the report\n---\nHi {client_name}\n\n",
                   {"Acme"})
    assert (t.name, t.project, t.language, t.description, t.text) == (
        "report", "Acme", "en", "the report", "Hi {client_name}")
    assert t.origin == str(path)
    assert parse_file(path, "Просто текст", ()).text == "Просто текст"


@pytest.mark.parametrize(("text", "error"), [
    ("---\nproject: Nope\n---\nx", "no project named 'Nope'"),
    ("---\nlanguage: de\n---\nx", "'de' is not one of ru, en"),
    ("---\ncolour: red\n---\nx", "unknown key 'colour'"),
    ("---\nproject Acme\n---\nx", "expected 'key: value'"),
    ("---\nname: two words\n---\nx", "template name 'two words'"),
    ("---\nproject: Acme\n", "never closed"),
    ("---\n---\n   \n", "has no text"),
])
def test_a_bad_template_file_names_the_file(tmp_path: Path, text: str, error: str) -> None:
    with pytest.raises(TemplateFileError, match=error) as e:
        parse_file(tmp_path / "bad.md", text, {"Acme"})
    assert str(tmp_path / "bad.md") in str(e.value)


def test_which_definition_applies() -> None:
    cat = Catalog.merge(BUILTIN, [
        Template("next-window", "RU global {client_name}", language="ru", origin="config"),
        Template("next-window", "Acme {client_name}", project="Acme", origin="config"),
        Template("acme-only", "x", project="Acme", origin="config"),
        Template("access-request", "mine, any language", origin="/t/access-request.md"),
    ])
    assert cat.pick("access-request", "Other", "ru").text == "mine, any language"
    assert cat.pick("next-window", "Other", "ru").text == "RU global {client_name}"  # user beats built-in
    assert cat.pick("next-window", "Other", "en").origin == "built-in"  # language beats user
    assert cat.pick("next-window", "Acme", "en").text == "Acme {client_name}"  # project beats all
    assert "acme-only" in cat.names("Acme") and "acme-only" not in cat.names("Other")
    with pytest.raises(TemplateError, match="did you mean 'next-window'"):
        cat.pick("next-windw", "Other")
    offered = cat.offer("Acme", "ru")
    assert [t.name for t in offered] == sorted({t.name for t in offered})


def test_the_same_template_defined_twice_is_refused() -> None:
    with pytest.raises(TemplateError, match="defined twice"):
        Catalog.merge([Template("a", "1", origin="config")], [Template("a", "2", origin="/t/a.md")])


def test_config_templates_are_checked_at_load() -> None:
    cfg = parse({"projects": [{"name": "Acme"}],
                 "templates": [{"name": "hi", "text": "Привет, {client_name}", "project": "Acme",
                                "language": "ru"}]})
    assert cfg.templates == [TemplateCfg("hi", "Привет, {client_name}", "Acme", "ru", "")]
    for bad, msg in [
        ({"name": "x"}, "templates[0].text: required"),
        ({"name": "x", "text": "t", "project": "Nope"}, "no project named 'Nope'"),
        ({"name": "x y", "text": "t"}, "templates[0].name: template name"),
        ({"name": "x", "text": "t", "lang": "ru"}, "unknown key"),
        ({"name": "x", "text": " "}, "must not be empty"),
    ]:
        with pytest.raises(ConfigError, match=re.escape(msg)):
            parse({"projects": [{"name": "Acme"}], "templates": [bad]})
    with pytest.raises(ConfigError, match="already templates"):
        parse({"templates": [{"name": "x", "text": "1"}, {"name": "x", "text": "2"}]})


def test_load_catalog_reads_the_folder_beside_the_config(tmp_path: Path) -> None:
    cfg = parse({"projects": [{"name": "Acme"}], "templates": [{"name": "hi", "text": "Hi"}]},
                tmp_path / "config.toml")
    folder = tmp_path / "templates"
    folder.mkdir()
    (folder / "report.md").write_text("---\nproject: Acme\n---\nОтчёт: {report_link}", encoding="utf-8")
    cat = load_catalog(cfg, tmp_path / "config.toml")
    assert cat.pick("report", "Acme").text == "Отчёт: {report_link}"
    assert cat.pick("hi", "Acme").origin.endswith("[[templates]]")
    (folder / "hi.md").write_text("Hi again", encoding="utf-8")
    with pytest.raises(TemplateError, match="defined twice"):
        load_catalog(cfg, tmp_path / "config.toml")
    (folder / "hi.md").write_bytes(b"\xff\xfe")
    with pytest.raises(TemplateError, match="not UTF-8"):
        load_catalog(cfg, tmp_path / "config.toml")


# -- filled from a thread (the action layer) -------------------------------------------------------

def acts(tmp_path: Path, text: str = "Добрый день! Когда будет отчёт?") -> tuple[Actions, Store, int]:
    ws = FakeWorkspace(tmp_path, windows=["Mon-Fri 11:00-12:00", "Mon-Fri 17:00-18:00"],
                       timezone="Europe/Moscow")
    alpha = ws.config.projects[0]
    alpha.fields = {"report_link": "https://lookerstudio.google.com/r/acme"}
    alpha.account_manager = AccountManager(name="Анна Смирнова", telegram="42")
    at = datetime(2025, 3, 12, 14, 47, tzinfo=MSK)
    store = Store(ws.db_path)
    store.sync_projects([("Alpha", "active")])
    store.apply_batch("tg", [item("c2", 0, text, 30, now=at, author="Иван Петров")], "c1",
                      project_of=project_of, role_of=role_of, triage=triage)
    return Actions(ws, store, now=lambda: at.timestamp()), store, thread_id(store, "c2")


def test_the_thread_fills_what_it_knows(tmp_path: Path) -> None:
    act, _store, tid = acts(tmp_path)
    assert act.template_language(tid) == "ru"
    values = act.template_values(tid, "ru")
    assert values["client_name"] == "Иван" and values["client_full_name"] == "Иван Петров"
    assert values["project"] == "Alpha" and values["my_name"] == "Мария"
    assert values["next_window"] == "сегодня в 17:00"
    assert values["report_link"] == "https://lookerstudio.google.com/r/acme"
    assert values["account_manager"] == "Анна Смирнова"
    assert act.template_text("next-window", tid) == \
        "Иван, спасибо, сообщение вижу! Подробно отвечу сегодня в 17:00."


def test_an_english_thread_gets_the_english_text(tmp_path: Path) -> None:
    act, _store, tid = acts(tmp_path, "Hi Maria, when is the report ready?")
    assert act.template_language(tid) == "en"
    assert act.template_text("next-window", tid) == \
        "Thanks, Иван — got it. I will reply in detail today at 17:00."
    assert act.template_text("next-window", tid, language="ru").startswith("Иван, спасибо")


def test_fields_the_thread_does_not_know_are_named(tmp_path: Path) -> None:
    act, _store, tid = acts(tmp_path)
    prep = act.prepare_template("monthly-report", tid)
    assert prep.missing == ["summary"] and prep.template.language == "ru"
    with pytest.raises(ActionError, match="template 'monthly-report' needs summary"):
        act.template_text("monthly-report", tid)
    text = act.template_text("monthly-report", tid, {"summary": "трафик +12 %"})
    assert "https://lookerstudio.google.com/r/acme" in text and "Коротко: трафик +12 %" in text
    with pytest.raises(ActionError, match="no template named 'nope'"):
        act.prepare_template("nope", tid)
