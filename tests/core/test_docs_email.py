"""docs/email.md: its provider examples load as real config, and it documents every option."""

from __future__ import annotations

import re
import tomllib
from pathlib import Path

import pytest

from connectors import registry
from connectors.base import SourceContext
from connectors.email import imap, maildir, oauth, smtp
from connectors.email.common import me_address
from inscope.config.load import parse

DOC = Path(__file__).resolve().parents[2] / "docs" / "email.md"
TEXT = DOC.read_text(encoding="utf-8")
EXAMPLES = dict(re.findall(r"<!-- example: (\w+) -->\n```toml\n(.*?)```", TEXT, re.DOTALL))


def test_the_three_provider_examples_are_there() -> None:
    assert set(EXAMPLES) == {"microsoft", "google", "yandex"}


@pytest.mark.parametrize("name", sorted(EXAMPLES))
def test_example_loads_and_every_account_is_valid(name: str) -> None:
    data = tomllib.loads('[me]\nname = "Анна"\n' + EXAMPLES[name])
    cfg = parse(data, DOC)
    others = {a.name: {"kind": a.kind, **a.options} for a in cfg.accounts}
    for acc in cfg.accounts:
        options = registry.check_options(acc.kind, acc.options)
        if acc.kind == "smtp":
            continue
        ctx = SourceContext(account=acc.name, kind=acc.kind, options=options, secret=lambda _n: None,
                            other_accounts=others)
        assert me_address(ctx), f"{name}: no From address"
        if options.get("auth") == "oauth2":
            provider = oauth.provider_for(options)
            assert provider is not None and provider.name == name and provider.token_url.startswith("https://")
        assert smtp.smtp_config(ctx) is not None or options.get("auth") == "oauth2", f"{name}: cannot send"


def test_every_option_is_documented() -> None:
    for schema in (imap.OPTIONS, maildir.OPTIONS, smtp.OPTIONS):
        for key in schema:
            assert f"`{key}`" in TEXT, key
