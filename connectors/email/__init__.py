"""E-mail connectors: IMAP (``imap.py``) and local Maildir (``maildir.py``) for reading,
SMTP (``smtp.py``) for replies; ``mime.py`` parses, ``threads.py`` groups messages into
conversations, ``common.py`` turns parsed mail into ``Item``s.  See docs/email.md.

Submodules are imported lazily by ``connectors.registry`` so the package import stays cheap.
"""
