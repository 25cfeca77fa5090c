from django.apps import AppConfig


class OpsConfig(AppConfig):
    name = "apps.ops"
    label = "ops"
    verbose_name = "Operations: quotas, retention, health and metrics"

    def ready(self) -> None:
        from django.conf import settings

        from apps.ops.quotas import ACTIONS
        from apps.ops.rates import parse_rate

        for action in ACTIONS.values():  # a bad rate fails at start-up, not at the first request
            parse_rate(str(getattr(settings, action.setting)), name=action.setting)
