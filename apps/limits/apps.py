from typing import Any

from django.apps import AppConfig


def on_run_ended(sender: Any, *, run_id: str, status: str, **kwargs: Any) -> None:
    from apps.limits.services import limit_advance

    limit_advance(run_id=run_id, status=status)


class LimitsConfig(AppConfig):
    name = "apps.limits"
    label = "limits"
    verbose_name = "Find the limit"

    def ready(self) -> None:
        from apps.engine.signals import run_ended

        run_ended.connect(on_run_ended, dispatch_uid="limits.limit_advance")
