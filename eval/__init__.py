"""Scores against labelled corpora, run by ``make eval`` (one ``python -m`` module per corpus).

- ``eval.triage``: the triage corpus (``eval/corpus``, ``eval/blind``) fed through the real
  pipeline — precision / recall / F1 per axis, the priority distribution, Kendall's tau of
  the order and the same after a simulated week of the specialist's decisions
  (eval/README.md).
- ``eval.email``: reply extraction, decoding and threading on the public mail fixtures.
"""
