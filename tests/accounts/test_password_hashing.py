"""The configured hasher: Argon2id at or above OWASP's minimum (19 MiB, 2 iterations, 1 lane)."""

import pytest
from django.contrib.auth.hashers import Argon2PasswordHasher, get_hasher, identify_hasher

from accounts.models import User
from tests.factories import PASSWORD


def test_the_default_hasher_is_argon2id_above_owasp_minimum(real_password_hashing):
    hasher = get_hasher("default")

    assert isinstance(hasher, Argon2PasswordHasher)
    assert hasher.memory_cost >= 19 * 1024  # KiB
    assert hasher.time_cost >= 2
    assert hasher.parallelism >= 1


@pytest.mark.django_db
def test_registration_stores_an_argon2id_hash(api_client, real_password_hashing):
    response = api_client.post(
        "/users/register", {"email": "ann@example.org", "password": PASSWORD}, format="json"
    )
    assert response.status_code == 201

    encoded = User.objects.get().password
    variant, _version, params, _salt, _hash = encoded.split("$")[1:]
    costs = dict(pair.split("=") for pair in params.split(","))
    assert variant == "argon2id"
    assert int(costs["m"]) >= 19 * 1024
    assert int(costs["t"]) >= 2
    assert int(costs["p"]) >= 1
    assert identify_hasher(encoded).algorithm == "argon2"
    assert PASSWORD not in encoded
