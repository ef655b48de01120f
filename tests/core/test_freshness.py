"""`{% updated_ago %}`: how old a usage figure is, beside the figure."""

from datetime import UTC, datetime, timedelta

import pytest

from apps.core.templatetags.freshness import updated_ago

NOW = datetime(2026, 3, 1, 12, 0, tzinfo=UTC)


@pytest.mark.parametrize(
    ("age", "text"),
    [
        (timedelta(seconds=12), "12 s ago"),
        (timedelta(minutes=4, seconds=5), "4 min ago"),
        (timedelta(hours=3), "3 h ago"),
        (timedelta(days=2), "2 d ago"),
    ],
)
def test_says_how_long_ago_a_figure_was_updated(age, text):
    html = updated_ago(NOW - age, NOW)

    assert f">{text}</time>" in html
    assert 'datetime="2026-03-01' in html or 'datetime="2026-02-2' in html


def test_a_figure_never_updated_says_so():
    assert "not updated yet" in updated_ago(None)
