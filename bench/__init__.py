"""Performance benchmarks: run `python -m bench` from the repo root.

Every line of the printed table is a ratio or a count measured in the same run;
absolute times are shown alongside only as context. No network, bounded loops.
"""
