"""Reservations: the CQRS write model. ReserveSlot books one of `domain.slots` slots (the
command names it: a stable pick from its id, so commands collide on purpose); the database's
unique constraint decides races, so a slot is booked at most once however many workers try
at the same moment. A lost race is declined ("slot taken"): answered, not an error.
"""

from django.db import IntegrityError, transaction

from apps.domain.models import Booking
from apps.domain.work import Effect, Work, declared, stable_index

DEFAULT_SLOTS = 20


def book(work: Work, slot: int) -> bool:
    """Book `slot` for this command: True if it is ours (now, or from an earlier attempt)."""
    try:
        with transaction.atomic():
            Booking.objects.create(
                run_id=work.run, node=work.node, slot=slot, booked_by=work.corr, client=work.client,
                at_ms=round(work.now_ms, 1),
            )  # fmt: skip
        return True
    except IntegrityError:
        owner = Booking.objects.filter(run_id=work.run, node=work.node, slot=slot).values_list("booked_by", flat=True)
        return list(owner) == [work.corr]


def perform(work: Work) -> Effect:
    if work.opkind != "command":
        return Effect(events=[])
    slot = stable_index(work.corr, work.domain_prop("slots", DEFAULT_SLOTS))
    if not book(work, slot):
        return Effect(declined="slot taken", notes=[{"decision": "slot taken", "slot": slot}])
    data = {"slot": slot, "booked_by": work.corr, "at_ms": round(work.now_ms, 1)}
    names = declared(work, "SlotReserved") or list(work.publishes[:1])
    return Effect(events=[(name, data) for name in names], notes=[{"decision": "slot booked", "slot": slot}])
