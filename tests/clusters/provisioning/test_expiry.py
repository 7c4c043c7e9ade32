"""Expiry: clusters past their TTL deleted once, and owners warned before."""

from datetime import timedelta

import pytest
from django.utils import timezone

from clusters import provisioning, services
from clusters.models import ClusterStatus, ReasonCode
from tests.concurrency import run_at_once
from tests.factories import ClusterFactory

pytestmark = pytest.mark.django_db(transaction=True)


def test_expiry_claims_every_expired_cluster_once(no_celery):
    past = timezone.now() - timedelta(minutes=1)
    expired = [
        ClusterFactory.create(ttl_expires_at=past, status=s)
        for s in ("RUNNING", "ERROR", "PROVISIONING")
    ]
    fresh = ClusterFactory.create()
    gone = ClusterFactory.create(ttl_expires_at=past, status=ClusterStatus.DELETED)
    claimed = provisioning.cluster_expire_due()
    assert sorted(claimed) == sorted(c.id for c in expired)
    assert provisioning.cluster_expire_due() == []
    for cluster in expired:
        cluster.refresh_from_db()
        assert cluster.status == ClusterStatus.DELETING
        assert cluster.status_reason_code == ReasonCode.EXPIRED
    fresh.refresh_from_db()
    gone.refresh_from_db()
    assert (fresh.status, gone.status) == (ClusterStatus.RUNNING, ClusterStatus.DELETED)
    assert sorted(args[1] for args in no_celery) == sorted(str(c.id) for c in expired)


def test_concurrent_expiry_runs_never_claim_a_cluster_twice(no_celery):
    past = timezone.now() - timedelta(minutes=1)
    expired = {ClusterFactory.create(ttl_expires_at=past).id for _ in range(40)}
    claims = [c for run in run_at_once(lambda _: provisioning.cluster_expire_due(), 4) for c in run]
    assert sorted(claims) == sorted(expired)  # every one claimed, none twice
    assert len(no_celery) == len(expired)


def test_expiry_warning_is_sent_once_and_again_after_an_extension(settings, published):
    settings.PYK8S_EXPIRY_WARNING_MINUTES = 10
    soon = ClusterFactory.create(ttl_expires_at=timezone.now() + timedelta(minutes=5))
    ClusterFactory.create(ttl_expires_at=timezone.now() + timedelta(minutes=30))
    assert provisioning.cluster_warn_expiring() == 1
    assert provisioning.cluster_warn_expiring() == 0
    services.cluster_extend(cluster=soon, minutes=1)
    assert provisioning.cluster_warn_expiring() == 1

    warnings = [(owner, e) for owner, e in published if e["type"] == "cluster.expiring"]
    assert [e["minutes_left"] for _, e in warnings] == [5, 6]
    owner, warning = warnings[-1]
    assert owner == soon.owner_id
    soon.refresh_from_db()
    assert warning["cluster"]["id"] == str(soon.id)
    assert warning["cluster"]["ttl_expires_at"] == soon.ttl_expires_at.isoformat().replace(
        "+00:00", "Z"
    )
