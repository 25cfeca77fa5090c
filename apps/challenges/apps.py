from typing import Any

from django.apps import AppConfig


def on_run_ended(sender: Any, *, run_id: str, status: str, **kwargs: Any) -> None:
    from apps.challenges.services import attempt_advance

    attempt_advance(run_id=run_id, status=status)


class ChallengesConfig(AppConfig):
    name = "apps.challenges"
    label = "challenges"
    verbose_name = "Challenges graded by a real run"

    def ready(self) -> None:
        from apps.engine.signals import run_ended

        run_ended.connect(on_run_ended, dispatch_uid="challenges.attempt_advance")
