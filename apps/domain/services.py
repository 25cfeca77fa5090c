"""Clearing a run's domain records (the CLI's throw-away runs)."""

from django.db import transaction

from apps.domain.models import Booking, OutboxEmail, ProjectionRow, StockLevel, StockReservation


def records_delete(*, run_id: str) -> None:
    with transaction.atomic():
        for model in (Booking, ProjectionRow, StockLevel, StockReservation, OutboxEmail):
            model.objects.filter(run_id=run_id).delete()
