"""Redis key names for one run. Everything a run keeps lives under `pg:<run>:`.

The names a run creates as it goes (a waiting line per instance, a mailbox per subscriber
group, per-scope latency histograms) are listed in its `registry` set when first written, so
releasing a run deletes exactly its keys without scanning the keyspace.
"""


def prefix(run: str) -> str:
    return f"pg:{run}:"


def meta(run: str) -> str:
    """The document, the speed ceiling, the seed (a hash written once at set-up)."""
    return f"pg:{run}:meta"


def clock(run: str) -> str:
    """The run clock (hash): `t` the horizon steps may apply up to, `applied` the run time
    up to which every event is applied, `end` when traffic stops, `hold`, `rids`."""
    return f"pg:{run}:clock"


def inbox(run: str) -> str:
    """Every event not yet applied, scored by its run time (ms): arrivals, calls, timers."""
    return f"pg:{run}:inbox"


def busy(run: str) -> str:
    """Set while a step of the run is queued or running (its value: the wall time it was set)."""
    return f"pg:{run}:busy"


def wake(run: str) -> str:
    """A one-item list a step pushes to when it stops with nothing more due: the driver waits on it."""
    return f"pg:{run}:wake"


def step_lock(run: str) -> str:
    return f"pg:{run}:lock"


def registry(run: str) -> str:
    return f"pg:{run}:keys"


def node(run: str, node_id: str) -> str:
    return f"pg:{run}:node:{node_id}"


def frames(run: str, node_id: str) -> str:
    return f"pg:{run}:frames:{node_id}"


def waiting(run: str, node_id: str, instance: str) -> str:
    return f"pg:{run}:wait:{node_id}:{instance}"


def mailbox(run: str, box: str) -> str:
    return f"pg:{run}:mbox:{box}"


def listeners(run: str, box: str) -> str:
    return f"pg:{run}:listen:{box}"


def requests(run: str) -> str:
    return f"pg:{run}:requests"


def outcomes(run: str) -> str:
    return f"pg:{run}:outcomes"


def messages(run: str) -> str:
    return f"pg:{run}:messages"


def deliveries(run: str) -> str:
    return f"pg:{run}:deliveries"


def attempts(run: str) -> str:
    return f"pg:{run}:attempts"


def handled(run: str) -> str:
    """Messages each consumer has handled (field `<node>|<mid>`), to notice one delivered again."""
    return f"pg:{run}:handled"


def sticky(run: str, node_id: str) -> str:
    """A load balancer's last target per client id (for the stickiness figure)."""
    return f"pg:{run}:sticky:{node_id}"


def stats(run: str) -> str:
    return f"pg:{run}:stats"


def latency(run: str, scope: str) -> str:
    return f"pg:{run}:lat:{scope}"


def per_second(run: str) -> str:
    """Counters per second of run time: field `<second>|<counter>`."""
    return f"pg:{run}:sec"


def latency_per_half_second(run: str, half: int) -> str:
    """Latency histograms of every scope for one half second of run time ([500·half, 500·half + 500)
    ms): field `<scope>|<bucket>`. Final once the run has passed it."""
    return f"pg:{run}:hlat:{half}"


def depths(run: str) -> str:
    """Current length of every waiting line and mailbox (`wait:<node>:<instance>`, `box:<box>`)."""
    return f"pg:{run}:depths"


def max_depths(run: str) -> str:
    """The longest each line has been (a sorted set: name -> length)."""
    return f"pg:{run}:maxdepths"


def audit(run: str) -> str:
    return f"pg:{run}:audit"


def faults(run: str) -> str:
    """Live faults sent by the API, waiting for the driver."""
    return f"pg:{run}:faults"


def trace(run: str) -> str:
    return f"pg:{run}:trace"


def poison(run: str) -> str:
    """Events whose handler failed: skipped, counted, kept for the log."""
    return f"pg:{run}:poison"


def db_lost(run: str, node_id: str) -> str:
    """Correlation ids of acknowledged writes a database lost in a failover (capped list)."""
    return f"pg:{run}:dblost:{node_id}"


def changes(run: str, node_id: str) -> str:
    """A database's change log for the CDC relays reading it: field `<sequence>`, a JSON entry."""
    return f"pg:{run}:changes:{node_id}"


def fixed(run: str) -> list[str]:
    """The keys every run has (the rest are in its registry)."""
    return [
        meta(run), clock(run), inbox(run), busy(run), wake(run), step_lock(run), registry(run), requests(run),
        outcomes(run), handled(run),
        messages(run), deliveries(run), attempts(run), stats(run), per_second(run), depths(run), max_depths(run),
        audit(run), faults(run), trace(run), poison(run),
    ]  # fmt: skip
