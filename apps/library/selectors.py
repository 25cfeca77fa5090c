from django.db.models import QuerySet

from apps.library.models import Template


def template_list() -> QuerySet[Template]:
    return Template.objects.all()


def template_get(*, slug: str) -> Template | None:
    return Template.objects.filter(slug=slug).first()
