"""Reads for operations."""

from apps.engine.selectors import RUN_ID_RE
from apps.ops.models import PrunedRun


def pruned_run_get(*, run_id: str) -> PrunedRun | None:
    if not RUN_ID_RE.fullmatch(run_id):
        return None
    return PrunedRun.objects.filter(pk=run_id).first()
