"""The project's own web server: webhooks, health and metrics (see server.py)."""
