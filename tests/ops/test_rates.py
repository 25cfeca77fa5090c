"""Rate settings read `<count>/<window>` or `off`, and fail loudly on anything else."""

import pytest
from django.core.exceptions import ImproperlyConfigured

from apps.ops.rates import Rate, parse_rate


@pytest.mark.parametrize(
    ("text", "rate", "words"),
    [
        ("30/10m", Rate(30, 600), "10 minutes"),
        ("5/m", Rate(5, 60), "minute"),
        ("100/1h", Rate(100, 3600), "hour"),
        ("2/30s", Rate(2, 30), "30 seconds"),
        ("7/90", Rate(7, 90), "90 seconds"),
        ("10/1d", Rate(10, 86400), "day"),
    ],
)
def test_rates_parse(text: str, rate: Rate, words: str) -> None:
    parsed = parse_rate(text)
    assert parsed == rate and parsed.per() == words


def test_off_is_no_limit() -> None:
    assert parse_rate("off") is None


@pytest.mark.parametrize("text", ["thirty/10m", "30", "30/10w", "30/0s", "-1/1m"])
def test_bad_rates_fail_loudly(text: str) -> None:
    with pytest.raises(ImproperlyConfigured, match="PLAYGROUND_QUOTA_X"):
        parse_rate(text, name="PLAYGROUND_QUOTA_X")
