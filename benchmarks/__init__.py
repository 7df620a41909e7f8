"""fanfare_rx benchmarks: each ``bench_*.py`` prints its figures beside a baseline measured in
the same run, with the ratio. ``python -m benchmarks`` runs them all (``--quick``: tiny sizes).
"""
