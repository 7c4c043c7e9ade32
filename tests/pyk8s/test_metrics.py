import pytest

from clusters.models import ClusterStatus
from tests.factories import ClusterFactory


@pytest.mark.django_db
def test_it_exports_prometheus_text(client):
    client.get("/health/live")

    response = client.get("/metrics")

    assert response.status_code == 200
    assert response["Content-Type"].startswith("text/plain")
    assert "django_http_requests_total_by_method_total" in response.text
    assert "django_http_responses_total_by_status_total" in response.text


@pytest.mark.django_db
def test_it_counts_clusters_by_status(client):
    ClusterFactory.create_batch(2, status=ClusterStatus.RUNNING)
    ClusterFactory(status=ClusterStatus.ERROR)

    lines = client.get("/metrics").text.splitlines()

    assert 'pyk8s_clusters{status="RUNNING"} 2.0' in lines
    assert 'pyk8s_clusters{status="ERROR"} 1.0' in lines
    assert 'pyk8s_clusters{status="PROVISIONING"} 0.0' in lines


@pytest.mark.django_db
def test_it_needs_no_authentication(api_client):
    assert api_client.get("/metrics").status_code == 200
