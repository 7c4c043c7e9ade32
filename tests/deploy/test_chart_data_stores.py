"""PostgreSQL and Redis run in the chart by default, or are reached by URL."""

import base64

from tests.deploy.chart import container, env_of, find, of_kind, pod_spec, render

APP_WORKLOADS = [("Deployment", "-web"), ("Deployment", "-beat"), ("Job", "-migrate")]


def test_in_chart_postgresql_keeps_its_data_on_a_persistent_volume(default_manifests):
    postgresql = find(default_manifests, "StatefulSet", "-postgresql")
    (claim,) = postgresql["spec"]["volumeClaimTemplates"]
    mount = container(postgresql, "postgresql")["volumeMounts"][0]
    assert claim["metadata"]["name"] == mount["name"] == "data"
    assert claim["spec"]["resources"]["requests"]["storage"] == "8Gi"
    assert find(default_manifests, "StatefulSet", "-redis")["spec"]["replicas"] == 1


def test_app_processes_reach_the_in_chart_stores_through_their_services(default_manifests):
    for kind, name in APP_WORKLOADS:
        env = env_of(container(find(default_manifests, kind, name), name.lstrip("-")))
        assert env["DATABASE_URL"] == (
            "postgres://pyk8s:$(PYK8S_POSTGRES_PASSWORD)@lab-pyk8s-lab-postgresql:5432/pyk8s"
        )
        assert env["PYK8S_POSTGRES_PASSWORD"]["secretKeyRef"]["name"] == "lab-pyk8s-lab-postgresql"
        assert env["REDIS_URL"] == "redis://:$(PYK8S_REDIS_PASSWORD)@lab-pyk8s-lab-redis:6379/0"
    assert find(default_manifests, "Service", "-postgresql")["spec"]["ports"][0]["port"] == 5432
    assert find(default_manifests, "Service", "-redis")["spec"]["ports"][0]["port"] == 6379


def test_the_postgresql_password_is_generated_and_shared_with_the_server(default_manifests):
    secret = find(default_manifests, "Secret", "-postgresql")
    password = base64.b64decode(secret["data"]["password"]).decode()
    assert len(password) == 32
    assert password.isalnum()
    server_env = env_of(
        container(find(default_manifests, "StatefulSet", "-postgresql"), "postgresql")
    )
    assert server_env["POSTGRES_PASSWORD"]["secretKeyRef"] == {
        "name": "lab-pyk8s-lab-postgresql",
        "key": "password",
    }


def test_external_stores_deploy_no_statefulset_and_read_urls_from_the_existing_secret(
    external_manifests,
):
    assert of_kind(external_manifests, "StatefulSet") == []
    for kind, name in APP_WORKLOADS:
        env = env_of(container(find(external_manifests, kind, name), name.lstrip("-")))
        for variable in ("DATABASE_URL", "REDIS_URL", "SECRET_KEY", "PYK8S_ENCRYPTION_KEYS"):
            assert env[variable]["secretKeyRef"] == {
                "name": "pyk8s-lab-credentials",
                "key": variable,
            }
        assert "PYK8S_POSTGRES_PASSWORD" not in env


def test_external_urls_given_as_values_are_stored_in_the_chart_secret():
    manifests = render(
        {
            "postgresql": {"enabled": False},
            "redis": {"enabled": False},
            "externalDatabase": {"url": "postgres://app:pw@db.internal:5432/lab"},
            "externalRedis": {"url": "rediss://:pw@cache.internal:6380/0"},
        }
    )
    secret = find(manifests, "Secret", "")
    decoded = {key: base64.b64decode(value).decode() for key, value in secret["data"].items()}
    assert decoded["DATABASE_URL"] == "postgres://app:pw@db.internal:5432/lab"
    assert decoded["REDIS_URL"] == "rediss://:pw@cache.internal:6380/0"
    web_env = env_of(container(find(manifests, "Deployment", "-web"), "web"))
    assert web_env["DATABASE_URL"]["secretKeyRef"] == {
        "name": "lab-pyk8s-lab",
        "key": "DATABASE_URL",
    }
    assert pod_spec(find(manifests, "Deployment", "-web"))["automountServiceAccountToken"] is False


def test_an_explicit_store_password_is_used_as_given():
    manifests = render({"postgresql": {"auth": {"password": "Chosen123"}}})
    secret = find(manifests, "Secret", "-postgresql")
    assert base64.b64decode(secret["data"]["password"]).decode() == "Chosen123"
