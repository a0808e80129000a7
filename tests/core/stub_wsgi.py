"""A WSGI app that answers 404 to everything: a real gunicorn for tests/core/test_log_redaction.py without a
database."""


def app(environ, start_response):
    start_response("404 Not Found", [("Content-Type", "text/plain")])
    return [b"not found"]
