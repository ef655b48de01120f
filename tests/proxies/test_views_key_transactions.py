"""Review regressions: reveal, regenerate and bulk download are not wrapped in ATOMIC_REQUESTS.
The upstream change stands whatever happens after it, so the local mirror and the audit entry
written by the service must survive a failure while the reply is rendered."""

import re

import pytest
from django.urls import reverse

from apps.core.models import AuditEntry


class RenderBroke(Exception):
    pass


def _broken(*args, **kwargs):
    raise RenderBroke("template render failed")


def _confirm_data(client, key) -> dict:
    html = client.get(reverse("proxies:key_regenerate", args=[key.pk])).content.decode()
    return {"op": re.search(r'name="op" value="([a-f0-9]{32})"', html).group(1), "confirm": "on"}


def test_reveal_audit_entry_survives_a_render_failure(upstream, customer_client, key, monkeypatch):
    monkeypatch.setattr("apps.proxies.views.keys.render", _broken)

    with pytest.raises(RenderBroke):
        customer_client.post(reverse("proxies:key_reveal", args=[key.pk]))

    assert upstream.calls["reveal_key"] == 1
    assert AuditEntry.objects.filter(action="pool_key.reveal", target_id=str(key.pk)).count() == 1


def test_regenerate_mirror_and_audit_survive_a_failure_after_the_write(upstream, customer_client, key, monkeypatch):
    data = _confirm_data(customer_client, key)
    hint_before = key.secret_hint
    monkeypatch.setattr("apps.proxies.views.keys.secret_show_once", _broken)  # fails after the write

    with pytest.raises(RenderBroke):
        customer_client.post(reverse("proxies:key_regenerate", args=[key.pk]), data)

    new_secret = upstream.client.reveal_key(key.upstream_id).secret
    key.refresh_from_db()
    assert upstream.calls["regenerate_key"] == 1
    assert key.secret_hint != hint_before
    assert new_secret.endswith(key.secret_hint[-4:])
    entry = AuditEntry.objects.get(action="pool_key.regenerate", target_id=str(key.pk))
    assert entry.data["secret_hint"] == key.secret_hint


def test_bulk_download_audit_entry_survives_a_failure_building_the_file(upstream, customer_client, key, monkeypatch):
    monkeypatch.setattr("apps.proxies.views.keys.list_export", _broken)
    data = {
        "bulk-count": "3",
        "bulk-pool": "mbl",
        "bulk-country": "us",
        "bulk-rotation": "sticky",
        "bulk-ttl": "",
        "bulk-protocol": "http",
        "bulk-seed": "q7x2ab",
        "bulk-format": "txt",
    }

    with pytest.raises(RenderBroke):
        customer_client.post(reverse("proxies:key_bulk", args=[key.pk]), data)

    assert AuditEntry.objects.filter(action="pool_key.reveal", target_id=str(key.pk)).count() == 1
