"""WSGI entry point: `gunicorn wsgi:app`, `flask --app wsgi ...`."""

from console.app import create_app

app = create_app()
