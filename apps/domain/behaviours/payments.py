"""Payments: charge each order once (its failures come from the node's error rate)."""

from apps.domain.work import Effect, Work, declared


def perform(work: Work) -> Effect:
    if work.opkind == "query" or "cancel" in work.name.lower():
        return Effect(events=[])
    order = str(work.data.get("order") or work.corr)
    events = [(name, {"order": order}) for name in declared(work, "PaymentCaptured")]
    return Effect(events=events, notes=[{"decision": "payment captured", "order": order}])
