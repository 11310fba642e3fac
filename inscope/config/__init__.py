"""The config: TOML in, typed and validated settings out.  Never holds a secret.

Public surface:

- ``load(path)`` / ``parse(data, path)`` → :class:`Config`; ``ConfigError`` names file and key.
- the settings types: ``Config``, ``Me``, ``Windows``, ``AccountCfg``, ``ProjectCfg``,
  ``AccountManager``, ``TemplateCfg``, ``Notify``, and the value types ``Sla``,
  ``WindowSpec`` (``parse_window``).
- where things live: ``data_dir``, ``default_config_path``, ``ensure_private_dir``.
- editing the file in place: ``inscope.config.write`` (``upsert_account``, ``map_to_project``).

This package imports nothing else of inscope but ``inscope.model`` and ``inscope.keys``
(the key table, pure data, to check ``[keymap]``): the rules read the config, never the
other way round.
"""

from inscope.config.load import ConfigError, load, parse
from inscope.config.paths import DataDirError, data_dir, default_config_path, ensure_private_dir
from inscope.config.schema import (
    AccountCfg,
    AccountManager,
    Config,
    Me,
    Notify,
    ProjectCfg,
    TemplateCfg,
    Windows,
)
from inscope.config.values import Sla, is_secret_key
from inscope.config.windowspec import WindowSpec, parse_window

__all__ = [
    "AccountCfg", "AccountManager", "Config", "ConfigError", "DataDirError", "Me", "Notify",
    "ProjectCfg", "Sla", "TemplateCfg", "WindowSpec", "Windows", "data_dir", "default_config_path", "ensure_private_dir",
    "is_secret_key", "load", "parse", "parse_window",
]
