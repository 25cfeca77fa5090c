"""A challenge's leaderboard: passing attempts only, the cheapest first, then the fastest p95;
one row per name (its best); unnamed attempts are not listed."""

from typing import Any

import pytest
from django.test import Client
from django.utils import timezone

from apps.challenges.models import Attempt

pytestmark = pytest.mark.django_db

SLUG = "buffer-a-burst"


def attempt(name: str, status: str, cost: float, p95: float | None, challenge: str = SLUG) -> Attempt:
    result: dict[str, Any] = {"goals": [], "p95_ms": p95, "explanation": []}
    return Attempt.objects.create(
        challenge=challenge, name=name, document={}, status=status, cost_per_hour=cost, result=result,
        ended_at=timezone.now(),
    )  # fmt: skip


def test_the_board_ranks_passing_designs_by_cost_then_p95_one_row_a_name(client: Client) -> None:
    attempt("Ada", "passed", 0.16, 40.0)
    attempt("Ada", "passed", 0.20, 30.0)  # Ada's second best: not listed again
    attempt("Bob", "passed", 0.16, 35.0)  # as cheap as Ada, faster
    attempt("Cy", "failed", 0.05, 20.0)  # cheaper but failed
    attempt("", "passed", 0.01, 10.0)  # unnamed
    attempt("Dee", "passed", 0.10, 90.0, challenge="survive-an-instance-loss")  # another challenge
    board = client.get(f"/api/challenges/{SLUG}/leaderboard/").json()["leaderboard"]
    assert [(row["rank"], row["name"], row["cost_per_hour"], row["p95_ms"]) for row in board] == [
        (1, "Bob", 0.16, 35.0),
        (2, "Ada", 0.16, 40.0),
    ]
    assert client.get("/api/challenges/nope/leaderboard/").status_code == 404
    page = client.get("/challenges/").content.decode()
    # the names as the board prints them: a bare "Cy" may stand in the page's CSRF token
    assert "<strong>Bob</strong>" in page and "<strong>Cy</strong>" not in page


def test_open_this_design_gives_the_browser_its_own_copy_of_the_graded_design(client: Client) -> None:
    from apps.challenges.format import catalogue

    document = catalogue()[SLUG].start
    graded = Attempt.objects.create(
        challenge=SLUG, name="Ada", document=document, status="failed", cost_per_hour=0.1, result={},
        ended_at=timezone.now(),
    )  # fmt: skip
    page = client.get(f"/challenges/attempts/{graded.id}/").content.decode()
    assert f'action="/challenges/attempts/{graded.id}/open/"' in page
    assert client.get(f"/challenges/attempts/{graded.id}/open/").status_code == 405
    opened = client.post(f"/challenges/attempts/{graded.id}/open/")
    assert opened.status_code == 302 and opened["Location"].startswith(f"/challenges/{SLUG}/design/")
    editor = client.get(opened["Location"])
    assert editor.status_code == 200  # this browser owns the copy
    assert Client().get(opened["Location"]).status_code == 403  # another browser does not
    assert client.post("/challenges/attempts/nope/open/").status_code == 404
