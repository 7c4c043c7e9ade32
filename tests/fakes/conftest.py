from tests.fakes.fixtures import fake_kind

__all__ = ["fake_kind"]
