"""What other apps may hear from the engine."""

from django.dispatch import Signal

# Sent by the control task once a run has ended and its row holds its status, summary and
# series: `run_id`, `status`. Receivers run in the control worker; what they raise is logged.
run_ended = Signal()
