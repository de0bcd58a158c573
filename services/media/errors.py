"""Error codes of the media service (messages in Vietnamese)."""
