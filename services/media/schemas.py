"""Input models of the media service."""
