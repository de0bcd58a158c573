"""Input models of the awards service."""
