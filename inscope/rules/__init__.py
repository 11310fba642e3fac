"""The rules: pure functions over config and message facts — no I/O, no SQLite, no Textual.

- ``inscope.rules.triage``: who wrote (role), which project, and the assessment — relevance,
  scope, urgency and priority with reasons, due time (``Rules``); docs/triage.md.
- ``inscope.rules.signals``: what one message says (addressing, questions, requests,
  acknowledgements, emergencies, negation and tense); ``inscope.rules.urgency``: what is
  urgent in a thread; ``inscope.rules.services``: the agency's services lexicon.
- ``inscope.rules.lemmas`` / ``inscope.rules.lexicon`` / ``inscope.rules.names``: words by
  lemma (pymorphy3, loaded on first use), the pattern language of every lexicon, given
  names with their forms.
- ``inscope.rules.learned``: learning from the user's own decisions.
- ``inscope.rules.windows``: the reply-window schedule and window-time arithmetic.
- ``inscope.rules.snooze``: natural-language times ("завтра 10:00", "fri", "next window").
- ``inscope.rules.people``: identities.

Import the module you need; this package imports nothing at import time, so start-up
pays only for what is used.
"""
