from django.apps import AppConfig


class DomainConfig(AppConfig):
    name = "apps.domain"
    label = "domain"
    verbose_name = "Domain behaviours (CQRS write and read models, stock, outbox)"
