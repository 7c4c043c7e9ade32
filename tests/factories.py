import uuid
from datetime import timedelta

from django.utils import timezone
from factory.declarations import (
    LazyAttribute,
    LazyFunction,
    PostGenerationMethodCall,
    Sequence,
    SubFactory,
)
from factory.django import DjangoModelFactory

from accounts import api_tokens
from accounts.models import User
from clusters import crypto
from clusters.models import Cluster, ClusterStatus

PASSWORD = "correct-horse-battery-staple"


class UserFactory(DjangoModelFactory[User]):
    class Meta:
        model = User
        skip_postgeneration_save = True

    email = Sequence(lambda n: f"user{n}@example.com")
    password = PostGenerationMethodCall("set_password", PASSWORD)

    @classmethod
    def _after_postgeneration(cls, instance, create, results=None):
        if create:  # set_password only hashed it: store the hash
            instance.save()


class ClusterFactory(DjangoModelFactory[Cluster]):
    class Meta:
        model = Cluster

    owner = SubFactory(UserFactory)
    name = Sequence(lambda n: f"cluster-{n}")
    runtime_name = Sequence(lambda n: f"pk-{n:012x}")
    status = ClusterStatus.RUNNING
    kubernetes_version = "1.33.1"
    workers = 0
    ttl_expires_at = LazyFunction(lambda: timezone.now() + timedelta(hours=1))

    class Params:
        kubeconfig = None  # ClusterFactory(kubeconfig="...") stores it as provisioning would

    id = LazyFunction(uuid.uuid4)
    kubeconfig_encrypted = LazyAttribute(
        lambda o: crypto.encrypt_kubeconfig(o.id, o.kubeconfig) if o.kubeconfig else None
    )


def issue_api_token(
    user: User, *, scope: str = "clusters:write", name: str = "ci"
) -> api_tokens.IssuedApiToken:
    """An API token of `user`, made as POST /tokens/ makes one (the default expiry)."""
    return api_tokens.api_token_create(
        user=user, name=name, scope=scope, expires_at=api_tokens.default_expiry()
    )
