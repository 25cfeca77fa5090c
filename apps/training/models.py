"""A training session: an instructor teaching a class on one scenario, and what happened in it."""

import hashlib
import hmac
import secrets
from typing import Any

from django.db import models

CODE_ALPHABET = "ABCDEFGHJKLMNPQRSTUVWXYZ23456789"  # no 0/O or 1/I: read aloud and typed from a screen
CODE_LENGTH = 6


def new_code() -> str:
    return "".join(secrets.choice(CODE_ALPHABET) for _ in range(CODE_LENGTH))


def hash_token(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


def token_matches(stored_hash: str, token: str) -> bool:
    return bool(token) and hmac.compare_digest(stored_hash, hash_token(token))


class Session(models.Model):
    """One class. Its public state is rebuilt from these rows (apps/training/state.py)."""

    class Status(models.TextChoices):
        LIVE = "live"
        ENDED = "ended"

    code = models.CharField(max_length=CODE_LENGTH, unique=True, default=new_code)
    scenario = models.ForeignKey("scenarios.Scenario", on_delete=models.CASCADE, related_name="sessions")
    instructor_secret_hash = models.CharField(max_length=64)
    status = models.CharField(max_length=8, choices=Status.choices, default=Status.LIVE)
    run = models.ForeignKey("engine.Run", null=True, blank=True, on_delete=models.SET_NULL, related_name="+")
    run_settings = models.JSONField(default=dict, blank=True, help_text="The last run's seed, speed, duration")
    playbook = models.JSONField(null=True, blank=True, help_text="The loaded playbook's progress (playbooks.py)")
    spotlight = models.ForeignKey(
        "training.Participant", null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    challenge = models.CharField(
        max_length=64, blank=True, help_text="The slug of the challenge set for the class (apps/challenges)"
    )
    instructor_connections = models.IntegerField(default=0)
    solo = models.BooleanField(default=False, help_text="A lesson taken alone: the instructor is the one participant")
    created_at = models.DateTimeField(auto_now_add=True)
    ended_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-created_at"]

    def __str__(self) -> str:
        return self.code

    def instructor_matches(self, secret: str) -> bool:
        return token_matches(self.instructor_secret_hash, secret)

    @property
    def live(self) -> bool:
        return self.status == self.Status.LIVE


class Participant(models.Model):
    """Someone in the class, known by a display name and a token kept in their browser."""

    session = models.ForeignKey(Session, on_delete=models.CASCADE, related_name="participants")
    name = models.CharField(max_length=40)
    token_hash = models.CharField(max_length=64, unique=True)
    connections = models.IntegerField(default=0)
    fork = models.ForeignKey("scenarios.Scenario", null=True, blank=True, on_delete=models.SET_NULL, related_name="+")
    joined_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["joined_at", "id"]

    def __str__(self) -> str:
        return f"{self.name} in {self.session_id}"


def new_token() -> str:
    return secrets.token_urlsafe(24)


class Question(models.Model):
    """A prediction asked during a run; its answer is what the run measured when revealed."""

    class Kind(models.TextChoices):
        NUMBER = "number"
        CHOICE = "choice"

    session = models.ForeignKey(Session, on_delete=models.CASCADE, related_name="questions")
    prompt = models.CharField(max_length=200)
    kind = models.CharField(max_length=8, choices=Kind.choices)
    unit = models.CharField(max_length=20, blank=True)
    figure = models.JSONField(help_text="{metric, node?} or {metric, pick} (apps/training/measure.py)")
    choices = models.JSONField(default=list, blank=True, help_text="Node ids, for a choice")
    run = models.ForeignKey("engine.Run", null=True, blank=True, on_delete=models.SET_NULL, related_name="+")
    asked_at = models.DateTimeField(auto_now_add=True)
    asked_t = models.FloatField(null=True, blank=True, help_text="Run time when asked")
    closed = models.BooleanField(default=False, help_text="Replaced by a newer question before its reveal")
    revealed_at = models.DateTimeField(null=True, blank=True)
    measured = models.JSONField(null=True, blank=True, help_text="The value the run measured (choice: per node)")
    measured_t = models.FloatField(null=True, blank=True, help_text="Run time of the frame it was read from")
    correct = models.CharField(max_length=40, blank=True, help_text="The right choice's node id")

    class Meta:
        ordering = ["asked_at", "id"]

    def __str__(self) -> str:
        return self.prompt


class Answer(models.Model):
    question = models.ForeignKey(Question, on_delete=models.CASCADE, related_name="answers")
    participant = models.ForeignKey(Participant, on_delete=models.CASCADE, related_name="answers")
    value = models.JSONField(help_text="A number, or a node id for a choice")
    score = models.IntegerField(null=True, blank=True, help_text="0–100, set at the reveal")
    answered_at = models.DateTimeField(auto_now=True)

    class Meta:
        constraints = [models.UniqueConstraint(fields=["question", "participant"], name="one_answer_each")]

    def __str__(self) -> str:
        return f"{self.participant_id}: {self.value}"


class SessionEvent(models.Model):
    """The session's timeline: joins, runs, playbook steps, questions, reveals, spotlights."""

    session = models.ForeignKey(Session, on_delete=models.CASCADE, related_name="events")
    at = models.DateTimeField(auto_now_add=True)
    t = models.FloatField(null=True, blank=True, help_text="Run time, when a run was going")
    kind = models.CharField(max_length=24)
    data = models.JSONField(default=dict, blank=True)

    class Meta:
        ordering = ["at", "id"]

    def __str__(self) -> str:
        return f"{self.kind} at {self.at}"

    def as_dict(self) -> dict[str, Any]:
        return {"at": self.at.isoformat(), "t": self.t, "kind": self.kind, **self.data}
