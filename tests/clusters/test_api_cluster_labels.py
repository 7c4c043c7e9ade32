"""Labels: a CI run tags its clusters (POST /clusters/ labels) and finds them again by them
(GET /clusters/?label=key=value), to clean up after itself."""

import pytest

from tests.factories import ClusterFactory


def test_a_cluster_keeps_the_labels_it_was_created_with(owner_client):
    response = owner_client.post(
        "/clusters/", {"name": "ci", "labels": {"ci-run": "4711", "team": "web"}}, format="json"
    )

    assert response.status_code == 202, response.content
    assert response.json()["labels"] == {"ci-run": "4711", "team": "web"}
    listed = owner_client.get("/clusters/").json()["results"]
    assert listed[0]["labels"] == {"ci-run": "4711", "team": "web"}


def test_the_list_filters_by_every_label_given(owner_client, user, other_user):
    ClusterFactory.create(owner=user, name="a", labels={"ci-run": "1", "team": "web"})
    ClusterFactory.create(owner=user, name="b", labels={"ci-run": "1"})
    ClusterFactory.create(owner=user, name="c", labels={"ci-run": "2"})
    ClusterFactory.create(owner=other_user, name="theirs", labels={"ci-run": "1"})

    def names(query):
        return sorted(c["name"] for c in owner_client.get(f"/clusters/{query}").json()["results"])

    assert names("?label=ci-run=1") == ["a", "b"]
    assert names("?label=ci-run=1&label=team=web") == ["a"]
    assert names("?label=ci-run=3") == []


@pytest.mark.parametrize(
    ("labels", "message"),
    [
        (
            {"ci run": "1"},
            "Label key 'ci run': use up to 63 letters, digits, '-', '_' and '.', "
            "starting and ending with a letter or digit.",
        ),
        (
            {"ci": "-1"},
            "Label ci='-1': a value is empty or up to 63 letters, digits, '-', '_' "
            "and '.', starting and ending with a letter or digit.",
        ),
        ({f"k{i}": "v" for i in range(11)}, "At most 10 labels."),
    ],
)
def test_bad_labels_are_refused_saying_what_to_fix(owner_client, labels, message):
    response = owner_client.post("/clusters/", {"name": "ci", "labels": labels}, format="json")

    assert response.status_code == 400
    assert response.json() == {"labels": [message]}


def test_a_malformed_label_filter_is_a_400(owner_client):
    response = owner_client.get("/clusters/?label=no-equals-sign")

    assert response.status_code == 400
    assert response.json() == {"label": ["Write each label as key=value."]}
