from clusters.providers.base import ClusterSpec, Provider, ProviderError
from clusters.providers.kind import KindProvider

__all__ = ["ClusterSpec", "Provider", "ProviderError", "get_provider"]


def get_provider() -> Provider:
    return KindProvider.from_settings()
