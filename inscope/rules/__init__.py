"""The rules: pure functions over config and message facts — no I/O, no SQLite, no Textual.

- ``inscope.rules.triage``: who wrote (role), which project, relevance, scope, priority with
  reasons, due time (``Rules``).
- ``inscope.rules.windows``: the reply-window schedule and window-time arithmetic.
- ``inscope.rules.snooze``: natural-language times ("завтра 10:00", "fri", "next window").
- ``inscope.rules.words`` / ``inscope.rules.people``: word matching and identities.

Import the module you need; this package imports nothing at import time, so start-up
pays only for what is used.
"""
