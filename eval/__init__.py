"""Scores against labelled corpora, run by ``make eval`` (one ``python -m`` module per corpus)."""
