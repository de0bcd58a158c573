"""Plain domain functions of the quiz service; no nameko here. A function that changes state takes
a unit of work (common/uow.py: `uow.session`, `uow.emit`, `uow.record`), a reader a session.

accounts (register, staff, login throttling), units, contests (rounds, settings, exclusions), jury,
questions (bank), attempts (start, autosave, submit, grading results), closing (sweep, close_round),
stats (question difficulty), seed (bootstrap admin and demo data), files (CSV/XLSX reading).
"""
