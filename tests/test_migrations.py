"""The committed migrations describe the models as they are."""

import pytest
from django.core.management import call_command


@pytest.mark.django_db
def test_every_model_change_has_its_migration():
    # --check exits non-zero, failing this test, when a migration is missing.
    call_command("makemigrations", "--check", "--dry-run", verbosity=0)
