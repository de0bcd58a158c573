"""Error codes of the awards service (messages in Vietnamese)."""
