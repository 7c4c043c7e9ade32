"""Generated cluster requests, most of them wrong: each is accepted (202) or refused with a
400 naming the field, never a 5xx, and whatever is accepted reaches `kind` only as values
the product chose itself (the runtime name, an allowed image, a private config file)."""

import re
from pathlib import Path

import hypothesis
import pytest
from hypothesis import HealthCheck, Phase
from hypothesis import strategies as st
from rest_framework.test import APIClient

from clusters import provisioning, tasks
from clusters.models import Cluster
from tests.conftest import record_sends
from tests.factories import UserFactory

pytestmark = pytest.mark.django_db(transaction=True)

json_values = st.recursive(
    st.none()
    | st.booleans()
    | st.integers()
    | st.floats(allow_nan=False, allow_infinity=False)
    | st.text(),
    lambda inner: st.lists(inner, max_size=3) | st.dictionaries(st.text(), inner, max_size=3),
    max_leaves=5,
)
# Near misses of valid values, so the generated input is refused for its content rather
# than its type alone.
names = (
    st.from_regex(r"[a-z0-9][-a-z0-9]{0,40}", fullmatch=True)
    | st.text(alphabet="abcXYZ019-_.;$ \n\t/'\"`\x00é", max_size=45)
    | json_values
)
versions = st.sampled_from(["1.33.1", "1.31.9", "1.30.0", "1.33.1; rm -rf /", "v1.33.1", ""])
payloads = st.fixed_dictionaries(
    {"name": names},
    optional={
        "workers": st.integers(-2, 5) | json_values,
        "ttl_minutes": st.integers(0, 1000) | json_values,
        "kubernetes_version": versions | json_values,
    },
)
RUNTIME_NAME = re.compile(r"pk-[0-9a-f]{12}")


def check_create_argv(argv: list[str], allowed_images: set[str]) -> None:
    flags = dict(zip(argv[3::2], argv[4::2], strict=True))
    assert argv[1:3] == ["create", "cluster"]
    assert set(flags) == {"--name", "--config", "--kubeconfig", "--image", "--wait"}
    assert RUNTIME_NAME.fullmatch(flags["--name"])
    assert flags["--image"] in allowed_images
    assert re.fullmatch(r"[0-9]+s", flags["--wait"])
    for path in (flags["--config"], flags["--kubeconfig"]):
        assert Path(path).parent.name.startswith("pyk8s-create-")


def test_accepted_requests_reach_kind_only_as_values_the_product_chose(
    monkeypatch, settings, fake_kind
):
    provisioning.worker_host_register(
        name=settings.PYK8S_WORKER_HOST, max_concurrent_provisions=1000, max_clusters=1000
    )
    provisions: list[tuple[str, int]] = []
    record_sends(monkeypatch, tasks.cluster_provision, lambda *args: provisions.append(args))
    # Each create queues a placement; a worker runs it (below, the once that covers them all).
    record_sends(monkeypatch, tasks.clusters_dispatch, lambda: None)
    accepted: list[dict] = []

    @hypothesis.settings(
        max_examples=60,
        deadline=None,
        database=None,
        phases=[Phase.explicit, Phase.reuse, Phase.generate],
        suppress_health_check=list(HealthCheck),
    )
    @hypothesis.given(payload=payloads)
    def is_accepted_or_refused(payload):
        client = APIClient()
        client.force_authenticate(UserFactory.create())
        response = client.post("/clusters/", payload, format="json")
        assert response.status_code in (202, 400), (response.status_code, response.content)
        if response.status_code == 400:
            assert set(response.json()) <= set(payload) | {"name"}, response.json()
        else:
            accepted.append(payload)

    is_accepted_or_refused()
    assert accepted, "no generated request was valid: the strategies need fixing"

    tasks.clusters_dispatch()
    for cluster_id, attempt in provisions:
        provisioning.cluster_provision(cluster_id=cluster_id, attempt=attempt)

    images = {f"kindest/node:v{version}" for version in settings.PYK8S_KUBERNETES_VERSIONS}
    creates = fake_kind.invocations("create cluster")
    for invocation in creates:
        check_create_argv(invocation["argv"], images)
    # A create can run twice (a new API port after a clash), never for anything unaccepted.
    assert {run["cluster"] for run in creates} == set(
        Cluster.objects.values_list("runtime_name", flat=True)
    )
    assert Cluster.objects.count() == len(accepted)
    for cluster in Cluster.objects.all():
        assert cluster.status == "RUNNING", cluster.status_reason
        nodes = fake_kind.cluster(cluster.runtime_name)["nodes"]
        assert len(nodes) == 1 + cluster.workers
