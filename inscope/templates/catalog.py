"""Which templates apply where: built-in, config and folder templates merged (pure).

For a thread of project P written in language L the catalog offers, per template name, the
most specific definition:

1. a definition for project P beats a global one (``project = ""``);
2. one in language L or for any language (``""``) beats one in the other language — so
   ``monthly-report`` means the Russian text in a Russian thread and the English one in
   an English thread;
3. a user's definition (``[[templates]]`` or the templates folder) beats a built-in one;
4. one in language L beats one for any language.

The same name, project and language defined both in ``[[templates]]`` and in a file is an
error (two texts for one template), named in the message.
"""

from __future__ import annotations

import difflib
from collections.abc import Iterable
from dataclasses import dataclass

from inscope.templates.model import Template


class TemplateError(ValueError):
    """A template cannot be found or is defined twice; the message says what to do."""


def _rank(t: Template, project: str, language: str) -> tuple[int, int, int, int]:
    """Lower is better: (project match, other language, built-in, not exactly the language)."""
    proj = 0 if t.project and t.project == project else 1
    other = 1 if t.language and language and t.language != language else 0
    user = 0 if t.origin != "built-in" else 1
    exact = 0 if t.language == language and language else 1
    return proj, other, user, exact


@dataclass(frozen=True, slots=True)
class Catalog:
    """Every known template (built-in first, then the config's, then the folder's)."""

    templates: tuple[Template, ...]

    @classmethod
    def merge(cls, *groups: Iterable[Template]) -> Catalog:
        """One catalog of ``groups``; refuses a user template defined twice."""
        seen: dict[tuple[str, str, str], Template] = {}
        out: list[Template] = []
        for group in groups:
            for t in group:
                key = (t.name, t.project, t.language)
                prev = seen.get(key)
                if prev is not None and prev.origin != "built-in" and t.origin != "built-in":
                    where = f" for {t.project}" if t.project else ""
                    lang = f" ({t.language})" if t.language else ""
                    raise TemplateError(f"template {t.name!r}{where}{lang} is defined twice: in "
                                        f"{prev.origin} and in {t.origin}; keep one")
                seen[key] = t
                out.append(t)
        return cls(tuple(out))

    def usable(self, project: str) -> list[Template]:
        """Templates that may be used in ``project`` (its own and the global ones)."""
        return [t for t in self.templates if not t.project or t.project == project]

    def names(self, project: str) -> list[str]:
        """The template names usable in ``project``, sorted."""
        return sorted({t.name for t in self.usable(project)})

    def pick(self, name: str, project: str, language: str = "") -> Template:
        """The definition of ``name`` for ``project`` in ``language`` (see the module's rules)."""
        found = [t for t in self.usable(project) if t.name == name]
        if not found:
            names = self.names(project)
            close = difflib.get_close_matches(name, names, n=1)
            hint = f" (did you mean {close[0]!r}?)" if close else f" (known: {', '.join(names)})"
            raise TemplateError(f"no template named {name!r}{hint}")
        return min(found, key=lambda t: _rank(t, project, language))

    def offer(self, project: str, language: str = "") -> list[Template]:
        """One definition per name for ``project`` in ``language``, in name order (the
        composer's picker and ``inscope template list --project``)."""
        return [self.pick(n, project, language) for n in self.names(project)]
