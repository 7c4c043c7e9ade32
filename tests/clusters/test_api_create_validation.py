"""Bad input to POST /clusters/ gets a 400 naming the field and what to fix, and creates nothing."""

import pytest

from clusters.models import Cluster

NAME_RULE = "Use lowercase letters, digits and '-', starting and ending with a letter or digit."
NOT_A_STRING = "Not a valid string."
NOT_AN_INTEGER = "A valid integer is required."


@pytest.fixture(autouse=True)
def _limits(settings):
    settings.PYK8S_TTL_MIN_MINUTES = 10
    settings.PYK8S_TTL_MAX_MINUTES = 480
    settings.PYK8S_KUBERNETES_VERSIONS = ["1.33.1", "1.32.5"]
    settings.PYK8S_MAX_CLUSTERS_PER_USER = 100


def create(client, **body):
    return client.post("/clusters/", body, format="json")


def assert_refused(response, field, message):
    assert response.status_code == 400, response.content
    errors = response.json()
    assert list(errors) == [field]
    assert message in errors[field]
    assert not Cluster.objects.exists()


@pytest.mark.parametrize("name", ["a", "0", "web", "a-b", "web-1", "1-web", "a--b", "x" * 40])
def test_it_accepts_dns_label_names(owner_client, name):
    response = create(owner_client, name=name)

    assert response.status_code == 202, response.content
    assert response.json()["name"] == name


@pytest.mark.parametrize(
    "name",
    [
        "Web",
        "WEB",
        "-web",
        "web-",
        "-",
        "we_b",
        "we.b",
        "we b",
        " web",
        "web ",
        "web\n",
        "web\t",
        "we\x00b",
        "wéb",
        "ωeb",
        "веб",
        "\uff57\uff45\uff42",  # "web" in fullwidth letters
        "web٣",  # an Arabic-Indic digit
        "web🚀",
        "web;reboot",
        "web&&id",
        "web|id",
        "$(id)",
        "`id`",
        "web>x",
        "../web",
        "web/x",
        "'web'",
        '"web"',
        "--help",
    ],
)
def test_it_refuses_names_that_are_not_dns_labels(owner_client, name):
    assert_refused(create(owner_client, name=name), "name", NAME_RULE)


def test_it_refuses_a_name_over_40_characters(owner_client):
    response = create(owner_client, name="x" * 41)

    assert_refused(response, "name", "Ensure this field has no more than 40 characters.")


@pytest.mark.parametrize(
    ("name", "message"),
    [
        ("", "This field may not be blank."),
        (None, "This field may not be null."),
        (123, NOT_A_STRING),
        (1.5, NOT_A_STRING),
        (True, NOT_A_STRING),
        (["web"], NOT_A_STRING),
        ({"name": "web"}, NOT_A_STRING),
    ],
)
def test_it_refuses_names_of_the_wrong_type(owner_client, name, message):
    assert_refused(create(owner_client, name=name), "name", message)


def test_it_requires_a_name(owner_client):
    assert_refused(create(owner_client, workers=1), "name", "This field is required.")


@pytest.mark.parametrize("ttl", [10, 11, 60, 480])
def test_it_accepts_ttls_in_range(owner_client, ttl):
    assert create(owner_client, name="web", ttl_minutes=ttl).status_code == 202


@pytest.mark.parametrize(
    ("ttl", "message"),
    [
        (9, "Choose a TTL from 10 to 480 minutes."),
        (0, "Choose a TTL from 10 to 480 minutes."),
        (-60, "Choose a TTL from 10 to 480 minutes."),
        (481, "Choose a TTL from 10 to 480 minutes."),
        (10**30, "Choose a TTL from 10 to 480 minutes."),
        ("60", NOT_AN_INTEGER),
        (60.0, NOT_AN_INTEGER),
        (60.5, NOT_AN_INTEGER),
        (True, NOT_AN_INTEGER),
        ([60], NOT_AN_INTEGER),
        (None, "This field may not be null."),
    ],
)
def test_it_refuses_bad_ttls(owner_client, ttl, message):
    assert_refused(create(owner_client, name="web", ttl_minutes=ttl), "ttl_minutes", message)


@pytest.mark.parametrize("workers", [0, 1, 2, 3])
def test_it_accepts_0_to_3_workers(owner_client, workers):
    response = create(owner_client, name="web", workers=workers)

    assert response.status_code == 202
    assert response.json()["workers"] == workers


@pytest.mark.parametrize(
    ("workers", "message"),
    [
        (-1, "Ensure this value is greater than or equal to 0."),
        (4, "Ensure this value is less than or equal to 3."),
        (10**30, "Ensure this value is less than or equal to 3."),
        ("2", NOT_AN_INTEGER),
        (1.5, NOT_AN_INTEGER),
        (False, NOT_AN_INTEGER),
        (None, "This field may not be null."),
    ],
)
def test_it_refuses_bad_worker_counts(owner_client, workers, message):
    assert_refused(create(owner_client, name="web", workers=workers), "workers", message)


@pytest.mark.parametrize("version", ["1.33.1", "1.32.5"])
def test_it_accepts_the_configured_kubernetes_versions(owner_client, version):
    response = create(owner_client, name="web", kubernetes_version=version)

    assert response.status_code == 202
    assert response.json()["kubernetes_version"] == version


@pytest.mark.parametrize(
    ("version", "message"),
    [
        ("1.31.9", "Choose one of: 1.33.1, 1.32.5."),
        ("v1.33.1", "Choose one of: 1.33.1, 1.32.5."),
        ("1.33", "Choose one of: 1.33.1, 1.32.5."),
        ("1.33.1 ", "Choose one of: 1.33.1, 1.32.5."),
        ("latest", "Choose one of: 1.33.1, 1.32.5."),
        ("1.33.1; id", "Choose one of: 1.33.1, 1.32.5."),
        ("", "This field may not be blank."),
        (1.33, NOT_A_STRING),
        (None, "This field may not be null."),
    ],
)
def test_it_refuses_other_kubernetes_versions(owner_client, version, message):
    response = create(owner_client, name="web", kubernetes_version=version)

    assert_refused(response, "kubernetes_version", message)


def test_it_reports_every_bad_field_at_once(owner_client):
    response = create(owner_client, name="Web", ttl_minutes=1, workers=9)

    assert response.status_code == 400
    assert set(response.json()) == {"name", "ttl_minutes", "workers"}
