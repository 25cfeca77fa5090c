"""Sessions through the JSON API: who may do what, joining, questions kept hidden until the
reveal, forks and the spotlight (docs/api.md, "Training sessions")."""

import re

import pytest

from apps.training.models import CODE_ALPHABET, SessionEvent
from tests.training.helpers import Member, join, queued_document, start_session

pytestmark = pytest.mark.django_db

QUESTION = {"prompt": "p95 of the api?", "kind": "number", "unit": "ms", "figure": {"metric": "p95_ms", "node": "api"}}


def test_only_the_owner_starts_a_session_and_the_answer_has_its_links() -> None:
    owner = Member()
    created = owner.post("/api/scenarios/", queued_document()).json()
    stranger = Member()
    refused = stranger.post(f"/api/scenarios/{created['slug']}/sessions/")
    assert refused.status_code == 403
    assert "owner" in refused.json()["errors"][0]["message"]

    _instructor, session = start_session(queued_document())
    assert re.fullmatch(f"[{CODE_ALPHABET}]{{6}}", session["code"])
    assert session["join_url"].endswith(f"/t/{session['code']}/")
    assert f"/t/{session['code']}/instructor/{session['instructor_secret']}/" in session["instructor_url"]
    assert Member().post("/api/scenarios/nope/sessions/").status_code == 404


def test_participants_join_by_name_and_the_state_lists_them() -> None:
    _instructor, session = start_session(queued_document())
    code = session["code"]
    join(code, "  Ada   Lovelace ")
    join(code, "Grace")
    state = Member().get(f"/api/sessions/{code}/").json()
    assert [p["name"] for p in state["participants"]] == ["Ada Lovelace", "Grace"]
    assert state["participants"][0]["present"] is False  # not connected to the stream yet
    assert state["scenario"]["name"] == "Queued class"
    for bad, message in (("", "display name"), ("x" * 41, "at most 40"), (5, "display name")):
        answer = Member().post(f"/api/sessions/{code}/participants/", {"name": bad})
        assert answer.status_code == 400 and message in answer.json()["errors"][0]["message"]
    assert Member().get("/api/sessions/ZZZZZZ/").status_code == 404
    assert Member().get("/api/sessions/../").status_code == 404


def test_participants_and_strangers_are_refused_every_instructor_action() -> None:
    _instructor, session = start_session(queued_document())
    code = session["code"]
    participant, _ = join(code, "Eve")
    for member in (participant, Member()):
        for url, body in (
            (f"/api/sessions/{code}/runs/", {}),
            (f"/api/sessions/{code}/playbook/", {"action": "load", "name": "Worker outage"}),
            (f"/api/sessions/{code}/questions/", QUESTION),
            (f"/api/sessions/{code}/spotlight/", {"participant_id": None}),
            (f"/api/sessions/{code}/end/", {}),
        ):
            answer = member.post(url, body)
            assert answer.status_code == 403, url
            assert "instructor" in answer.json()["errors"][0]["message"]
        assert member.get(f"/api/sessions/{code}/board/").status_code == 403
    assert Member({"X-Instructor-Secret": "wrong"}).post(f"/api/sessions/{code}/end/").status_code == 403


def test_answers_stay_hidden_until_the_reveal_and_can_change_before() -> None:
    instructor, session = start_session(queued_document())
    code = session["code"]
    asked = instructor.post(f"/api/sessions/{code}/questions/", QUESTION)
    assert asked.status_code == 201, asked.content
    question_id = asked.json()["question"]["id"]
    ada, _ = join(code, "Ada")
    url = f"/api/sessions/{code}/questions/{question_id}/answers/"
    assert ada.post(url, {"value": 50}).status_code == 201
    assert ada.post(url, {"value": 80}).status_code == 201  # changed her mind
    for bad in ("fast", True, None, 1e13):
        answer = ada.post(url, {"value": bad})
        assert answer.status_code == 400 and answer.json()["errors"][0]["path"] == "$.value"
    assert Member().post(url, {"value": 1}).status_code == 403  # not a participant
    state = Member().get(f"/api/sessions/{code}/").json()
    assert state["question"]["answered"] == 1
    assert "80" not in str(state["question"]) and state["revealed"] == []
    # no run has measured anything: the reveal is refused, plainly
    refused = instructor.post(f"/api/sessions/{code}/questions/{question_id}/reveal/")
    assert refused.status_code == 409 and "start a run" in refused.json()["errors"][0]["message"]


def test_questions_are_validated_against_the_scenario() -> None:
    instructor, session = start_session(queued_document())
    url = f"/api/sessions/{session['code']}/questions/"
    bad_node = {**QUESTION, "figure": {"metric": "p95_ms", "node": "nowhere"}}
    answer = instructor.post(url, bad_node)
    assert answer.status_code == 400
    assert any(e["path"].startswith("$.figure") for e in answer.json()["errors"]), answer.json()
    answer = instructor.post(url, {**QUESTION, "figure": {"metric": "happiness"}})
    assert answer.status_code == 400
    assert instructor.post(url, [1]).status_code == 400


def test_a_playbook_must_exist_and_steps_go_in_order() -> None:
    instructor, session = start_session(queued_document())
    url = f"/api/sessions/{session['code']}/playbook/"
    missing = instructor.post(url, {"action": "load", "name": "Nope"})
    assert missing.status_code == 400 and "Worker outage" in missing.json()["errors"][0]["message"]
    assert instructor.post(url, {"action": "fire", "index": 0}).status_code == 409  # nothing loaded
    loaded = instructor.post(url, {"action": "load", "name": "Worker outage"}).json()["state"]["playbook"]
    assert loaded["index"] == 0 and len(loaded["steps"]) == 5 and loaded["steps"][1]["has_question"]
    assert instructor.post(url, {"action": "fire", "index": 0}).status_code == 200  # no faults: no run needed
    assert instructor.post(url, {"action": "fire", "index": 0}).status_code == 409  # not the next one any more
    state = instructor.post(url, {"action": "fire", "index": 1}).json()["state"]
    assert state["question"]["prompt"].startswith("How many requests")  # the step asked it
    no_run = instructor.post(url, {"action": "fire", "index": 2})
    assert no_run.status_code == 409 and "start a run" in no_run.json()["errors"][0]["message"]
    state = instructor.post(url, {"action": "skip", "index": 2}).json()["state"]
    assert state["playbook"]["fired"][-1] == {"index": 2, "title": "Stop the worker", "t": None, "skipped": True}
    assert instructor.post(url, {"action": "dance"}).status_code == 400
    kinds = list(SessionEvent.objects.values_list("kind", flat=True))
    assert kinds[:2] == ["started", "playbook_loaded"] and kinds.count("step") == 2 and "step_skipped" in kinds


def test_a_participant_forks_once_and_the_instructor_can_show_it() -> None:
    instructor, session = start_session(queued_document())
    code = session["code"]
    ada, joined = join(code, "Ada")
    _grace, grace_joined = join(code, "Grace")
    first = ada.post(f"/api/sessions/{code}/fork/")
    assert first.status_code == 201 and first.json()["edit_secret"]
    again = ada.post(f"/api/sessions/{code}/fork/")
    assert again.json()["slug"] == first.json()["slug"] and again.json()["edit_secret"] is None
    no_fork = instructor.post(f"/api/sessions/{code}/spotlight/", {"participant_id": grace_joined["participant_id"]})
    assert no_fork.status_code == 409 and "Grace" in no_fork.json()["errors"][0]["message"]
    shown = instructor.post(f"/api/sessions/{code}/spotlight/", {"participant_id": joined["participant_id"]})
    assert shown.json()["state"]["spotlight"]["slug"] == first.json()["slug"]
    board = instructor.get(f"/api/sessions/{code}/board/").json()["participants"]
    assert [(p["name"], bool(p["fork"]), p["run"]) for p in board] == [("Ada", True, None), ("Grace", False, None)]
    assert instructor.post(f"/api/sessions/{code}/spotlight/", {"participant_id": 10**9}).status_code == 400


def test_an_ended_session_takes_no_one_new() -> None:
    instructor, session = start_session(queued_document())
    code = session["code"]
    assert instructor.post(f"/api/sessions/{code}/end/").status_code == 200
    late = Member().post(f"/api/sessions/{code}/participants/", {"name": "Late"})
    assert late.status_code == 409 and "ended" in late.json()["errors"][0]["message"]
