"""What the built-in domain behaviours keep in the database during a run.

Every row belongs to one run (`run_id`: a Run's id, or the id `simulate` gave its run) and
to the node that owns it. Uniqueness is enforced by the database, not by the engine: two
workers racing to book one slot both try the INSERT and exactly one wins.
"""

from django.db import models


class Booking(models.Model):
    """The CQRS write model of the reservations behaviour: one row per booked slot."""

    run_id = models.CharField(max_length=32)
    node = models.CharField(max_length=80)
    slot = models.PositiveIntegerField()
    booked_by = models.CharField(max_length=80, help_text="The request (correlation) id that won the slot")
    client = models.CharField(max_length=80, blank=True)
    at_ms = models.FloatField(help_text="Run time of the booking")

    class Meta:
        constraints = [models.UniqueConstraint(fields=["run_id", "node", "slot"], name="booking_one_per_slot")]

    def __str__(self) -> str:
        return f"slot {self.slot} booked by {self.booked_by}"


class ProjectionRow(models.Model):
    """A row of a read model (a projection fed by events). Applying an event is an upsert by
    key, so a redelivered event changes nothing."""

    run_id = models.CharField(max_length=32)
    node = models.CharField(max_length=80)
    key = models.CharField(max_length=120)
    value = models.JSONField(default=dict)
    event_at_ms = models.FloatField(help_text="Run time the event was published")
    applied_at_ms = models.FloatField(help_text="Run time the read model applied it")

    class Meta:
        constraints = [models.UniqueConstraint(fields=["run_id", "node", "key"], name="projection_row_key")]

    def __str__(self) -> str:
        return f"{self.node}[{self.key}]"


class StockLevel(models.Model):
    """Units left of one product, for the inventory behaviour."""

    run_id = models.CharField(max_length=32)
    node = models.CharField(max_length=80)
    product = models.PositiveIntegerField()
    units = models.IntegerField()

    class Meta:
        constraints = [models.UniqueConstraint(fields=["run_id", "node", "product"], name="stock_per_product")]

    def __str__(self) -> str:
        return f"product {self.product}: {self.units} left"


class StockReservation(models.Model):
    """One order's unit of stock: makes reserving idempotent (a redelivered OrderPlaced
    reserves nothing twice) and lets a cancellation give the unit back."""

    run_id = models.CharField(max_length=32)
    node = models.CharField(max_length=80)
    order = models.CharField(max_length=80)
    product = models.PositiveIntegerField()

    class Meta:
        constraints = [models.UniqueConstraint(fields=["run_id", "node", "order"], name="stock_one_per_order")]

    def __str__(self) -> str:
        return f"order {self.order}: one of product {self.product}"


class OutboxEmail(models.Model):
    """An email the notifications behaviour wrote to its outbox (nothing is really sent)."""

    run_id = models.CharField(max_length=32)
    node = models.CharField(max_length=80)
    corr = models.CharField(max_length=80, help_text="The order (correlation) id")
    to = models.CharField(max_length=120)
    subject = models.CharField(max_length=200)
    body = models.TextField()
    at_ms = models.FloatField()

    class Meta:
        ordering = ["at_ms", "id"]
        constraints = [
            models.UniqueConstraint(fields=["run_id", "node", "corr", "subject"], name="outbox_once_per_event")
        ]

    def __str__(self) -> str:
        return f"to {self.to}: {self.subject}"
