"""Scoring's rules, one module per subject, as plain functions on a SQLAlchemy session (reads) or
a common.uow.UnitOfWork (changes): `grading` (answer keys, grades), `rounds` (a closed round
ranked once its last grade is in), `boards` (live and final leaderboards), `units` (unit
statistics), `ranking` (the order of SPEC section 3), `inputs` (checks of RPC arguments)."""
