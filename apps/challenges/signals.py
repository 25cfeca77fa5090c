"""What the challenges app tells others: an attempt moved on (a run of it started, or it ended).

The training app listens, to show a session's class its challenge board live."""

from django.dispatch import Signal

attempt_changed = Signal()  # sender=Attempt, attempt=the Attempt
