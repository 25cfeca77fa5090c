"""The live engine: a run's state in Redis, its events as Celery tasks, one driver per run."""
