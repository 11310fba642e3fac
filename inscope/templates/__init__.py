"""Reply templates: named snippets with placeholders filled from the thread.

- ``model``    :class:`Template`, placeholders, :func:`fill`, :class:`MissingFields`
- ``builtin``  the built-in templates (RU and EN)
- ``folder``   ``templates/*.md`` beside the config (front matter + text)
- ``catalog``  built-in, ``[[templates]]`` and folder templates merged; which one applies

:func:`load_catalog` builds the catalog of a config (it reads the folder; call it when
templates are first used, not at start-up).  The values of the placeholders come from
``inscope.actions.Actions.template_values``.
"""

from __future__ import annotations

from pathlib import Path

from inscope.config.schema import Config
from inscope.templates.builtin import BUILTIN
from inscope.templates.catalog import Catalog, TemplateError
from inscope.templates.folder import TemplateFileError, folder_of, read_folder
from inscope.templates.model import (
    MissingFields,
    Template,
    fill,
    language_of,
    missing,
    placeholders,
)

__all__ = [
    "BUILTIN", "Catalog", "MissingFields", "Template", "TemplateError", "TemplateFileError",
    "fill", "folder_of", "language_of", "load_catalog", "missing", "placeholders",
]


def load_catalog(config: Config, config_path: Path) -> Catalog:
    """Built-in, then ``[[templates]]``, then ``templates/*.md`` beside ``config_path``.

    ``TemplateError`` for a file that cannot be used or a template defined twice.
    """
    projects = {p.name for p in config.projects}
    from_config = [Template(t.name, t.text, t.project, t.language, t.description,
                            origin=config.where("[[templates]]") if config.path else "[[templates]]")
                   for t in config.templates]
    try:
        files = read_folder(folder_of(config_path), projects)
    except TemplateFileError as e:
        raise TemplateError(str(e)) from e
    return Catalog.merge(BUILTIN, from_config, files)
