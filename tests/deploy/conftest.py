"""Session-wide renders of the chart, shared by the chart tests."""

import pytest

from tests.deploy.chart import Manifest, external_values, render


@pytest.fixture(scope="session")
def default_manifests() -> list[Manifest]:
    return render()


@pytest.fixture(scope="session")
def external_manifests() -> list[Manifest]:
    return render(external_values())
