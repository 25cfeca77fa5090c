"""Built-in domain behaviours of services, one module each (the `behaviour` property).

orders         PlaceOrder → OrderPlaced, CancelOrder → OrderCancelled; an OutOfStock event
               cancels the order (the compensation)
payments       charges an order → PaymentCaptured
inventory      reserves a unit per order; when stock runs out, OutOfStock (compensating)
notifications  writes an email per event to the outbox
reservations   the CQRS write model: a slot is booked at most once (database constraint)
"""

from collections.abc import Callable

from apps.domain.behaviours import inventory, notifications, orders, payments, reservations
from apps.domain.work import Effect, Work

BEHAVIOURS: dict[str, Callable[[Work], Effect]] = {
    "orders": orders.perform,
    "payments": payments.perform,
    "inventory": inventory.perform,
    "notifications": notifications.perform,
    "reservations": reservations.perform,
}


def perform(work: Work) -> Effect:
    """The behaviour's decision (behaviours without rules accept everything as it is)."""
    behaviour = BEHAVIOURS.get(work.behaviour)
    return behaviour(work) if behaviour is not None else Effect()
