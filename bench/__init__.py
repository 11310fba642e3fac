"""inscope benchmarks (not tests): ``make bench`` runs ``python -m bench.run``.

See docs/performance.md for the method and the latest numbers.
"""
