from datetime import timedelta

import pytest
from django.utils import timezone
from django.utils.dateparse import parse_datetime

from clusters.models import Cluster, ClusterStatus
from tests.factories import ClusterFactory


@pytest.fixture(autouse=True)
def _max_lifetime(settings):
    settings.PYK8S_TTL_MAX_MINUTES = 480


def cluster_aged(owner, *, age_minutes, expires_in_minutes, status=ClusterStatus.RUNNING):
    now = timezone.now()
    cluster = ClusterFactory.create(owner=owner, status=status)
    Cluster.objects.filter(id=cluster.id).update(
        created_at=now - timedelta(minutes=age_minutes),
        ttl_expires_at=now + timedelta(minutes=expires_in_minutes),
    )
    cluster.refresh_from_db()
    return cluster


def extend(client, cluster, minutes):
    return client.post(f"/clusters/{cluster.id}/extend/", {"minutes": minutes}, format="json")


@pytest.mark.parametrize("status", [ClusterStatus.PROVISIONING, ClusterStatus.RUNNING])
def test_it_pushes_the_ttl_back(owner_client, user, status):
    cluster = cluster_aged(user, age_minutes=10, expires_in_minutes=50, status=status)

    response = extend(owner_client, cluster, 30)

    assert response.status_code == 200
    expected = cluster.ttl_expires_at + timedelta(minutes=30)
    assert response.json().keys() == {"id", "ttl_expires_at"}
    assert response.json()["id"] == str(cluster.id)
    assert parse_datetime(response.json()["ttl_expires_at"]) == expected
    assert Cluster.objects.get(id=cluster.id).ttl_expires_at == expected


def test_it_extends_up_to_the_maximum_lifetime_exactly(owner_client, user):
    cluster = cluster_aged(user, age_minutes=470, expires_in_minutes=5)

    response = extend(owner_client, cluster, 5)

    assert response.status_code == 200
    limit = cluster.created_at + timedelta(minutes=480)
    assert Cluster.objects.get(id=cluster.id).ttl_expires_at == limit


def test_it_refuses_to_go_past_the_maximum_lifetime(owner_client, user):
    cluster = cluster_aged(user, age_minutes=470, expires_in_minutes=5)

    response = extend(owner_client, cluster, 6)

    assert response.status_code == 400
    assert response.json() == {
        "minutes": [
            "A cluster may live at most 480 minutes; "
            "this one can be extended by 5 more minutes at most."
        ]
    }
    assert Cluster.objects.get(id=cluster.id).ttl_expires_at == cluster.ttl_expires_at


def test_an_overdue_cluster_is_extended_from_now(owner_client, user):
    cluster = cluster_aged(user, age_minutes=100, expires_in_minutes=-20)
    before = timezone.now()

    response = extend(owner_client, cluster, 30)

    assert response.status_code == 200
    new_expiry = Cluster.objects.get(id=cluster.id).ttl_expires_at
    assert before + timedelta(minutes=30) <= new_expiry <= timezone.now() + timedelta(minutes=30)


@pytest.mark.parametrize("status", [ClusterStatus.DELETING, "DELETED", "ERROR"])
def test_it_is_a_conflict_once_the_cluster_is_going(owner_client, user, status):
    cluster = cluster_aged(user, age_minutes=10, expires_in_minutes=50, status=status)

    response = extend(owner_client, cluster, 30)

    assert response.status_code == 409
    assert response.json() == {
        "detail": f"Only a PROVISIONING or RUNNING cluster can be extended; this one is {status}.",
        "code": "cluster_not_running",
    }
    assert Cluster.objects.get(id=cluster.id).ttl_expires_at == cluster.ttl_expires_at


@pytest.mark.parametrize(
    ("body", "message"),
    [
        ({}, "This field is required."),
        ({"minutes": 0}, "Ensure this value is greater than or equal to 1."),
        ({"minutes": -30}, "Ensure this value is greater than or equal to 1."),
        ({"minutes": 481}, "A cluster may live at most 480 minutes."),
        ({"minutes": 10**30}, "A cluster may live at most 480 minutes."),
        ({"minutes": "30"}, "A valid integer is required."),
        ({"minutes": 30.5}, "A valid integer is required."),
        ({"minutes": True}, "A valid integer is required."),
        ({"minutes": None}, "This field may not be null."),
    ],
)
def test_it_refuses_bad_minutes(owner_client, user, body, message):
    cluster = cluster_aged(user, age_minutes=10, expires_in_minutes=50)

    response = owner_client.post(f"/clusters/{cluster.id}/extend", body, format="json")

    assert response.status_code == 400
    assert response.json() == {"minutes": [message]}
    assert Cluster.objects.get(id=cluster.id).ttl_expires_at == cluster.ttl_expires_at
