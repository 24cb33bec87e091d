"""The REST API: FastAPI routes that authenticate, call a service and render."""
