"""Persistence: typed SQLAlchemy models and engine/session setup."""
