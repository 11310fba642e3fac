"""Fixtures shared by the core's rule tests."""

from __future__ import annotations

import pytest

from inscope.config import Config, Me, ProjectCfg
from inscope.rules.triage import Rules


@pytest.fixture(scope="module")
def seo_only() -> Rules:
    """The rules of one project, "P", whose contract is SEO alone."""
    return Rules.from_config(Config(me=Me(name="Мария Петрова", timezone="Europe/Moscow"),
                                    projects=[ProjectCfg(name="P", services=["SEO"])]))
