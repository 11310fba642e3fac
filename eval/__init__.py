"""The triage evaluation: a labeled corpus (``eval/corpus``) fed through the real pipeline.

``python -m eval.triage`` (``make eval``) prints precision / recall / F1 per axis, the
priority distribution, Kendall's tau of the order and the same after a simulated week
of the specialist's decisions.  See eval/README.md.
"""
