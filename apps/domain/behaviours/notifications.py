"""Notifications: an email per event (or command) to the outbox table; nothing leaves the
machine. Writing is idempotent: one email per (order, subject)."""

from django.db import IntegrityError, transaction

from apps.domain.models import OutboxEmail
from apps.domain.work import Effect, Work

SUBJECTS = {
    "orderplaced": "Your order {order} is confirmed",
    "ordercancelled": "Your order {order} was cancelled",
    "paymentcaptured": "We received your payment for order {order}",
    "outofstock": "Sorry: an item of order {order} is out of stock",
}


def subject_for(name: str, order: str) -> str:
    template = SUBJECTS.get(name.lower().replace("_", ""))
    if template is None:
        return f"Welcome aboard ({name})" if "signup" in name.lower() else f"{name} ({order})"
    return template.format(order=order)


def perform(work: Work) -> Effect:
    if work.opkind == "query":
        return Effect(events=[])
    order = str(work.data.get("order") or work.corr)
    client = str(work.data.get("client") or work.client or "customer")
    subject = subject_for(work.name, order)
    try:
        with transaction.atomic():
            OutboxEmail.objects.create(
                run_id=work.run, node=work.node, corr=order, to=f"{client}@example.com", subject=subject,
                body=f"{subject}.\n\nReference: {order}\nEvent: {work.name}", at_ms=round(work.now_ms, 1),
            )  # fmt: skip
    except IntegrityError:
        pass  # already written by the first attempt at this hop
    return Effect(notes=[{"decision": "email written", "subject": subject}])
