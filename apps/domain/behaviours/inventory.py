"""Inventory: each order takes one unit of its product (`domain.stock` units per product at
the start). The decrement is one conditional UPDATE (`units > 0`), safe under concurrent
workers. With no unit left the order cannot be honoured: inventory publishes OutOfStock, the
compensating event that makes orders cancel it. A cancelled order gives its unit back.
"""

from django.db import IntegrityError, transaction
from django.db.models import F

from apps.domain.models import StockLevel, StockReservation
from apps.domain.work import Effect, Work, declared, stable_index

DEFAULT_STOCK = 100
DEFAULT_PRODUCTS = 10


def _product(work: Work, order: str) -> int:
    if "product" in work.data:
        return int(work.data["product"])
    return stable_index(order, work.domain_prop("products", DEFAULT_PRODUCTS))


def reserve(work: Work, order: str, product: int) -> bool:
    """One unit for the order: True if reserved (now or by an earlier attempt)."""
    if StockReservation.objects.filter(run_id=work.run, node=work.node, order=order).exists():
        return True
    with transaction.atomic():
        StockLevel.objects.get_or_create(
            run_id=work.run, node=work.node, product=product,
            defaults={"units": work.domain_prop("stock", DEFAULT_STOCK)},
        )  # fmt: skip
        taken = StockLevel.objects.filter(run_id=work.run, node=work.node, product=product, units__gt=0).update(
            units=F("units") - 1
        )
        if not taken:
            return False
        try:
            with transaction.atomic():
                StockReservation.objects.create(run_id=work.run, node=work.node, order=order, product=product)
        except IntegrityError:  # a concurrent attempt at the same order won: give the unit back
            StockLevel.objects.filter(run_id=work.run, node=work.node, product=product).update(units=F("units") + 1)
    return True


def release(work: Work, order: str) -> bool:
    with transaction.atomic():
        reservation = StockReservation.objects.filter(run_id=work.run, node=work.node, order=order).first()
        if reservation is None:
            return False
        reservation.delete()
        StockLevel.objects.filter(run_id=work.run, node=work.node, product=reservation.product).update(
            units=F("units") + 1
        )
    return True


def perform(work: Work) -> Effect:
    if work.opkind == "query":
        return Effect(events=[])
    order = str(work.data.get("order") or work.corr)
    if "cancel" in work.name.lower():
        released = release(work, order)
        return Effect(events=[], notes=[{"decision": "stock released" if released else "nothing to release"}])
    product = _product(work, order)
    if reserve(work, order, product):
        events = [(name, {"order": order, "product": product}) for name in declared(work, "StockReserved")]
        return Effect(events=events, notes=[{"decision": "stock reserved", "product": product}])
    events = [(name, {"order": order, "product": product}) for name in declared(work, "OutOfStock")]
    return Effect(events=events, notes=[{"decision": "out of stock", "product": product, "compensation": True}])
