from typing import Any

from django.apps import AppConfig


def on_attempt_changed(sender: Any, *, attempt: Any, **kwargs: Any) -> None:
    from apps.training.services import session_attempt_changed

    session_attempt_changed(attempt=attempt)


class TrainingConfig(AppConfig):
    name = "apps.training"
    label = "training"
    verbose_name = "Training sessions"

    def ready(self) -> None:
        from apps.challenges.signals import attempt_changed

        attempt_changed.connect(on_attempt_changed, dispatch_uid="training.session_attempt_changed")
