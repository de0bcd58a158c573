"""Load benchmarks of the platform (issue 7): round opening, deadline rush, a single-process
baseline and quiz scaling. Each runs alone, e.g. `.venv/bin/python -m bench.rush --n 3000`;
`make bench` runs them all. Results: a table on stdout and JSON under bench/out/ (gitignored);
the reference numbers and the machine they came from are in bench/RESULTS.md.
"""
