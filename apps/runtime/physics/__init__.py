"""The engine's physics: pure, deterministic functions the live engine calls on each hop.

No Django, Redis or Celery here. Randomness comes from a `random.Random` the caller seeds;
time comes in as `now_s` arguments, never from a clock; every piece of state that must
outlive one call (balancers, breakers, health, histograms) converts to and from a small
JSON-ready dict so the engine can keep it in Redis between hops.

One module per concern: latency, arrivals, balancing, breaker, health, autoscaling,
availability, percentiles, queueing.
"""
