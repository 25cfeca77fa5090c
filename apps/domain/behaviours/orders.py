"""Orders: PlaceOrder creates an order, CancelOrder cancels one; an OutOfStock event from
inventory cancels the order it names (the compensating step of the saga)."""

from apps.domain.work import Effect, Work, declared, stable_index

DEFAULT_PRODUCTS = 10


def perform(work: Work) -> Effect:
    order = work.corr
    if work.opkind == "query":
        return Effect(events=[])
    if work.opkind == "event":
        if "outofstock" in work.name.lower().replace("_", ""):
            order = str(work.data.get("order") or work.corr)
            events = [(name, {"order": order, "reason": "out of stock"}) for name in declared(work, "OrderCancelled")]
            return Effect(events=events, notes=[{"decision": "order cancelled", "reason": "out of stock"}])
        return Effect(events=[])
    if "cancel" in work.name.lower():
        return Effect(events=[(name, {"order": order}) for name in declared(work, "OrderCancelled")])
    product = stable_index(order, work.domain_prop("products", DEFAULT_PRODUCTS))
    data = {"order": order, "product": product, "quantity": 1, "client": work.client}
    return Effect(events=[(name, data) for name in declared(work, "OrderPlaced")] or None)
