"""Each quota refuses the request one over its rate: 429, the JSON error (or the HTML page
outside /api/), and Retry-After; per browser session, and per address at a multiple."""

from typing import Any
from unittest import mock

import pytest
import redis
from django.test import Client

from apps.ops import quotas
from apps.ops.clients import Client as Who
from apps.ops.counters import read
from apps.scenarios.services import scenario_create
from tests.conftest import Api
from tests.engine.test_runs_api import idle_run, tiny
from tests.factories import small_document

pytestmark = pytest.mark.django_db


def assert_refused(response: Any, words: str) -> str:
    assert response.status_code == 429, response.content[:300]
    errors = response.json()["errors"]
    assert errors[0]["path"] == "$" and words in errors[0]["message"], errors
    retry_after = int(response["Retry-After"])
    assert 1 <= retry_after <= 60
    assert f"try again in {retry_after} s" in errors[0]["message"]
    return str(errors[0]["message"])


def created(api: Api) -> dict[str, Any]:
    response = api.post("/api/scenarios/", tiny())
    assert response.status_code == 201, response.content
    body: dict[str, Any] = response.json()
    return body


def test_scenario_creation_and_forks_share_a_quota(quota_settings: Any, api: Api) -> None:
    quota_settings.PLAYGROUND_QUOTA_SCENARIOS = "2/1m"
    first = created(api)
    assert api.post(f"/api/scenarios/{first['slug']}/fork/").status_code == 201
    message = assert_refused(api.post("/api/scenarios/", tiny()), "too many scenarios created, forked or imported")
    assert "at most 2 per minute from one browser;" in message
    assert read()["quota:scenario-create"] == 1


def test_pages_answer_with_a_429_page(quota_settings: Any, alice: Client) -> None:
    quota_settings.PLAYGROUND_QUOTA_SCENARIOS = "1/1m"
    assert alice.post("/scenarios/new/").status_code == 302
    refused = alice.post("/scenarios/new/")
    assert refused.status_code == 429 and int(refused["Retry-After"]) >= 1
    assert b"Slow down" in refused.content and b"Too many scenarios created" in refused.content


def test_run_starts_are_limited_and_counted_as_refused_runs(quota_settings: Any, api: Api) -> None:
    quota_settings.PLAYGROUND_QUOTA_RUNS = "1/1m"
    scenario = created(api)
    url, secret = f"/api/scenarios/{scenario['slug']}/runs/", scenario["edit_secret"]
    assert api.post(url, {"speed": 100}, secret=secret).status_code == 400  # an attempt counts
    assert_refused(api.post(url, {}, secret=secret), "too many runs started: at most 1 per minute")
    assert read()["runs:quota"] == 1


def test_live_faults_are_limited(quota_settings: Any, api: Api) -> None:
    quota_settings.PLAYGROUND_QUOTA_FAULTS = "1/1m"
    scenario = created(api)
    run = idle_run(scenario["slug"])
    url, secret = f"/api/runs/{run.id}/faults/", scenario["edit_secret"]
    assert api.post(url, {"action": "explode", "target": "api"}, secret=secret).status_code == 400
    assert_refused(api.post(url, {"action": "kill_instance", "target": "api"}, secret=secret), "too many live faults")


def test_session_creation_and_joins_are_limited(quota_settings: Any, api: Api, alice: Client) -> None:
    quota_settings.PLAYGROUND_QUOTA_SESSIONS = "1/1m"
    scenario = created(api)
    assert api.post(f"/api/scenarios/{scenario['slug']}/sessions/", {}).status_code == 403  # not the owner
    assert_refused(
        api.post(f"/api/scenarios/{scenario['slug']}/sessions/", {}, secret=scenario["edit_secret"]),
        "too many training sessions created or joined",
    )
    refused = alice.post("/t/ABCDEF/join/", {"name": "Bob"})
    assert refused.status_code == 429 and b"Too many training sessions" in refused.content


def test_each_browser_has_its_own_allowance_and_an_address_a_multiple(quota_settings: Any) -> None:
    quota_settings.PLAYGROUND_QUOTA_SCENARIOS = "1/1m"
    quota_settings.PLAYGROUND_QUOTA_ADDRESS_FACTOR = 2
    one, two, three = (Who("10.1.1.1", f"session-{n}") for n in range(3))
    assert quotas_check(one) is None and quotas_check(two) is None
    refused = quotas_check(one)  # this browser's second
    assert refused is not None and "at most 1 per minute from one browser (2 from one address)" in refused.message
    assert quotas_check(three) is not None  # the address's third
    assert quotas_check(Who("10.2.2.2", "session-3")) is None  # another address


def quotas_check(who: Who) -> Any:
    return quotas.check("scenario-create", client=who)


def test_the_address_comes_from_the_trusted_proxy(quota_settings: Any) -> None:
    quota_settings.PLAYGROUND_QUOTA_SCENARIOS = "1/1m"
    quota_settings.PLAYGROUND_PROXY_HOPS = 1
    proxied = Client(REMOTE_ADDR="10.0.0.1", HTTP_X_FORWARDED_FOR="203.0.113.5")
    other = Client(REMOTE_ADDR="10.0.0.1", HTTP_X_FORWARDED_FOR="203.0.113.6")
    body = {"content_type": "application/json"}
    assert proxied.post("/api/scenarios/", small_document(), **body).status_code == 201
    assert proxied.post("/api/scenarios/", small_document(), **body).status_code == 429
    assert other.post("/api/scenarios/", small_document(), **body).status_code == 201


def test_other_requests_are_not_counted(quota_settings: Any, api: Api) -> None:
    quota_settings.PLAYGROUND_QUOTA_SCENARIOS = "1/1m"
    scenario, _ = scenario_create(document=small_document())
    for _ in range(3):
        assert api.get(f"/api/scenarios/{scenario.slug}/").status_code == 200
    assert created(api)


def test_quotas_fail_open_without_redis(quota_settings: Any, api: Api, caplog: pytest.LogCaptureFixture) -> None:
    quota_settings.PLAYGROUND_QUOTA_SCENARIOS = "1/1m"
    broken = mock.create_autospec(redis.Redis, instance=True)
    broken.pipeline.return_value.execute.side_effect = redis.ConnectionError("refused")
    with mock.patch.object(quotas, "redis_client", autospec=True, return_value=broken):
        assert created(api) and created(api)
    assert "quotas not applied" in caplog.text


def test_quotas_can_be_turned_off(quota_settings: Any, api: Api) -> None:
    quota_settings.PLAYGROUND_QUOTA_SCENARIOS = "off"
    for _ in range(3):
        assert created(api)
