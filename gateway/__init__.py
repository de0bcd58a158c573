"""The HTTP gateway: FastAPI in front of the nameko services (see gateway/README.md)."""
