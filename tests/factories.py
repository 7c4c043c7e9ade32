import uuid

import factory
from django.utils import timezone

from accounts.models import User
from clusters import crypto
from clusters.models import Cluster, ClusterStatus

PASSWORD = "correct-horse-battery-staple"


class UserFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = User
        skip_postgeneration_save = True

    email = factory.Sequence(lambda n: f"user{n}@example.com")
    password = factory.PostGenerationMethodCall("set_password", PASSWORD)

    @factory.post_generation
    def _save(obj, create, extracted, **kwargs):
        if create:
            obj.save()


class ClusterFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Cluster

    owner = factory.SubFactory(UserFactory)
    name = factory.Sequence(lambda n: f"cluster-{n}")
    runtime_name = factory.Sequence(lambda n: f"pk-{n:012x}")
    status = ClusterStatus.RUNNING
    kubernetes_version = "1.33.1"
    workers = 0
    ttl_expires_at = factory.LazyFunction(lambda: timezone.now() + timezone.timedelta(hours=1))

    class Params:
        kubeconfig = None  # ClusterFactory(kubeconfig="...") stores it as provisioning would

    id = factory.LazyFunction(uuid.uuid4)
    kubeconfig_encrypted = factory.LazyAttribute(
        lambda o: crypto.encrypt_kubeconfig(o.id, o.kubeconfig) if o.kubeconfig else None
    )
