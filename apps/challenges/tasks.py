"""The challenges' one task, `challenges.advance` (queue `control`), imported here so every
worker registers it: an attempt's next run, once the server has room (services.py)."""

from apps.challenges.services import advance_later

__all__ = ["advance_later"]
