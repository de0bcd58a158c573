"""Plain rules of the media service (no nameko, no S3), each function taking a SQLAlchemy session
to read or a unit of work (common/uow.py) to change state: `clips` (upload records, probe verdicts,
housekeeping, publication), `judging` (rubric, scores, final scores), `views` (what callers see of a
clip)."""
