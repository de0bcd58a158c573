"""Plain domain functions of the quiz service: each takes a SQLAlchemy session; no nameko here.

accounts (register, staff, login throttling), units, contests (rounds, settings, exclusions),
questions (bank), attempts (start, autosave, submit, grading results), sweep (periodic work),
seed (bootstrap admin and demo data), files (CSV/XLSX reading).
"""
