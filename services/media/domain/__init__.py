"""Plain functions of the media service, each taking a SQLAlchemy session (no nameko, no S3):
`clips` (upload records, probe verdicts, housekeeping), `judging` (rubric, scores, final scores),
`views` (what callers see of a clip)."""
