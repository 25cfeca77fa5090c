"""Redis key names for one run. Everything a run keeps lives under `pg:<run>:`."""


def prefix(run: str) -> str:
    return f"pg:{run}:"


def meta(run: str) -> str:
    return f"pg:{run}:meta"


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


def lock(run: str, node_id: str) -> str:
    return f"pg:{run}:lock:{node_id}"


def done(run: str) -> str:
    return f"pg:{run}:done"


def timers(run: str) -> str:
    return f"pg:{run}:timers"


def pending(run: str) -> str:
    return f"pg:{run}:pending"


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


def stats(run: str) -> str:
    return f"pg:{run}:stats"


def latency(run: str, scope: str) -> str:
    return f"pg:{run}:lat:{scope}"


def audit(run: str) -> str:
    return f"pg:{run}:audit"


def faults(run: str) -> str:
    return f"pg:{run}:faults"


def health(run: str) -> str:
    return f"pg:{run}:health"


def trace(run: str) -> str:
    return f"pg:{run}:trace"


def db_acks(run: str, node_id: str) -> str:
    """A database's recently acknowledged writes (sorted set: correlation id -> ack time)."""
    return f"pg:{run}:dbacks:{node_id}"


def db_lost(run: str, node_id: str) -> str:
    """Correlation ids of acknowledged writes a database lost in a failover (capped list)."""
    return f"pg:{run}:dblost:{node_id}"
