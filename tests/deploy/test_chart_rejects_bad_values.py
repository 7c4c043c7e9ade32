"""Values that would deploy a broken release stop the render with a message saying what to set."""

import helm_python as helm
import pytest

from tests.deploy.chart import render


@pytest.mark.parametrize(
    ("values", "message"),
    [
        (
            {"postgresql": {"enabled": False}},
            "postgresql.enabled is false: set externalDatabase.url",
        ),
        ({"redis": {"enabled": False}}, "redis.enabled is false: set externalRedis.url"),
        (
            {"secrets": {"existingSecret": "mine", "secretKey": "s" * 60}},
            "secrets.existingSecret is set: put SECRET_KEY",
        ),
        ({"worker": {"pools": []}}, "worker.pools is empty"),
        (
            {"postgresql": {"auth": {"password": "p@ss/word"}}},
            "postgresql.auth.password may hold letters and digits only",
        ),
        (
            {"worker": {"pools": [{"name": "local", "replicas": 2}]}},
            "a docker-in-docker pool runs one replica",
        ),
        (
            {"worker": {"pools": [{"name": "a", "dockerHost": "tcp://x:2376"}, {"name": "a"}]}},
            'pool name "a" is used twice',
        ),
        ({"worker": {"pools": [{"name": "Docker_1"}]}}, 'pool name "Docker_1" must be'),
        (
            {"config": {"registration": "anyone"}},
            'config.registration must be open, invite, approval or closed, not "anyone"',
        ),
    ],
)
def test_it_names_the_value_to_fix(values, message):
    with pytest.raises(helm.HelmError) as excinfo:
        render(values)
    assert message in str(excinfo.value)
