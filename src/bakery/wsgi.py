"""WSGI entry point for gunicorn, waitress or any platform: `bakery.wsgi:app`."""

from . import create_app

app = create_app()
