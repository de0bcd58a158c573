"""HTTP routes of /api/v1, one module per section of API.md."""

# Set on each router (not at include time) so every route's own `path` is the full template the
# metrics label by.
API_PREFIX = "/api/v1"
