"""The interface language: English (the source, every msgid) or Russian, through stdlib gettext.

Public surface:

- ``_(text)`` translates a message now; ``ngettext(singular, plural, n)`` picks the plural
  form (Russian has three: 1 тред, 2 треда, 5 тредов); ``pgettext(context, text)`` for a
  word that reads differently in two places.
- ``N_(text)`` / ``Nn_(singular, plural)`` only *mark* module-level constants (binding
  descriptions, option labels) for extraction; the code translates them with ``_()`` /
  ``ngettext`` when it shows them, so a change of language takes effect everywhere.
- ``choose_language(config_value, environ)`` (pure) and ``set_language(lang)``; ``language()``
  says which one is in force.

The catalogs are ``inscope/locale/<lang>/LC_MESSAGES/inscope.mo`` inside the package (compiled
by ``make i18n`` with Babel; Babel is never imported at run time).  Only the language part of
the locale variables is read: the ``ru_RU.UTF-8`` locale need not be installed.
"""

from __future__ import annotations

import gettext as _gettext
from collections.abc import Mapping
from pathlib import Path

DOMAIN = "inscope"
LANGUAGES: tuple[str, ...] = ("en", "ru")
"""The interface languages; the first is the source language and the fallback."""
LOCALE_DIR = Path(__file__).resolve().parent.parent / "locale"
"""Where the compiled catalogs live (package data)."""

_ENV_ORDER = ("LC_ALL", "LC_MESSAGES", "LANG")

_translations: _gettext.NullTranslations = _gettext.NullTranslations()
_language = "en"


def choose_language(config_value: str, environ: Mapping[str, str]) -> str:
    """``[me] language`` if set; else the first non-empty of ``LC_ALL``, ``LC_MESSAGES``,
    ``LANG`` (POSIX precedence) read for its language part (``ru_RU.UTF-8``, ``ru``, ``ru_UA``
    → ``"ru"``); ``C``, ``POSIX``, unset or any other language → ``"en"``."""
    if config_value in LANGUAGES:
        return config_value
    for name in _ENV_ORDER:
        value = environ.get(name, "")
        if value:
            lang = value.split(".", 1)[0].split("@", 1)[0].split("_", 1)[0].split("-", 1)[0]
            return lang.lower() if lang.lower() in LANGUAGES else "en"
    return "en"


def set_language(lang: str) -> None:
    """Translate from now on into ``lang`` (an unknown one, or a missing catalog, is English)."""
    global _translations, _language
    if lang not in LANGUAGES or lang == LANGUAGES[0]:
        _translations, _language = _gettext.NullTranslations(), LANGUAGES[0]
        return
    _translations = _gettext.translation(DOMAIN, LOCALE_DIR, [lang], fallback=True)
    _language = lang if isinstance(_translations, _gettext.GNUTranslations) else LANGUAGES[0]


def language() -> str:
    """The language in force: ``"en"`` or ``"ru"``."""
    return _language


def _(text: str) -> str:
    """``text`` (an English msgid) in the current language."""
    return _translations.gettext(text)


def ngettext(singular: str, plural: str, n: int) -> str:
    """The form of ``singular`` / ``plural`` for ``n`` in the current language (format it
    with ``n`` yourself: ``ngettext("{n} thread", "{n} threads", n).format(n=n)``)."""
    return _translations.ngettext(singular, plural, n)


def pgettext(context: str, text: str) -> str:
    """``text`` in the current language, as meant in ``context`` (one English word, two uses)."""
    return _translations.pgettext(context, text)


def N_(text: str) -> str:
    """Mark ``text`` for the catalog without translating it (translated where it is shown)."""
    return text


def Nn_(singular: str, plural: str) -> tuple[str, str]:
    """Mark a plural pair for the catalog (shown with ``ngettext(*pair, n)``)."""
    return singular, plural


__all__ = ["DOMAIN", "LANGUAGES", "LOCALE_DIR", "N_", "Nn_", "_", "choose_language", "language",
           "ngettext", "pgettext", "set_language"]
