"""The limit search's one task, `limits.advance` (queue `control`), imported here so every
worker registers it: a search's next run, once the server has room (services.py)."""

from apps.limits.services import advance_later

__all__ = ["advance_later"]
