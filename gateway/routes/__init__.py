"""HTTP routes of /api/v1, one module per section of API.md."""
