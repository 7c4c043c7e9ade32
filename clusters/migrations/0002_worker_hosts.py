import django.db.models.deletion
from django.db import migrations, models
from django.db.backends.base.schema import BaseDatabaseSchemaEditor
from django.db.migrations.state import StateApps


def place_on_the_only_host(apps: StateApps, schema_editor: BaseDatabaseSchemaEditor) -> None:
    """Before hosts were tracked there was one Docker host: give its clusters their host, so
    their deletes and reconciliation reach it. With several hosts nobody knows which is whose;
    rows left without a host are never taken for orphans (clusters.provisioning)."""
    WorkerHost = apps.get_model("clusters", "WorkerHost")
    Cluster = apps.get_model("clusters", "Cluster")
    hosts = list(WorkerHost.objects.all()[:2])
    if len(hosts) == 1:
        Cluster.objects.exclude(status="DELETED").exclude(
            status="PROVISIONING", provisioning_started_at=None
        ).update(host=hosts[0])


class Migration(migrations.Migration):
    dependencies = [
        ("clusters", "0001_initial"),
    ]

    operations = [
        migrations.AddField(
            model_name="workerhost",
            name="draining",
            field=models.BooleanField(default=False),
        ),
        migrations.AddField(
            model_name="workerhost",
            name="max_clusters",
            field=models.PositiveSmallIntegerField(default=10),
        ),
        migrations.AddField(
            model_name="workerhost",
            name="public_host",
            field=models.CharField(blank=True, max_length=253),
        ),
        migrations.AddField(
            model_name="cluster",
            name="host",
            field=models.ForeignKey(
                blank=True,
                null=True,
                on_delete=django.db.models.deletion.PROTECT,
                related_name="clusters",
                to="clusters.workerhost",
            ),
        ),
        migrations.AlterField(
            model_name="cluster",
            name="status_reason_code",
            field=models.CharField(
                blank=True,
                choices=[
                    ("name_exists", "Name Exists"),
                    ("docker_unreachable", "Docker Unreachable"),
                    ("out_of_disk", "Out Of Disk"),
                    ("inotify_limits", "Inotify Limits"),
                    ("kubeadm_init_failed", "Kubeadm Init Failed"),
                    ("image_pull_failed", "Image Pull Failed"),
                    ("timeout", "Timeout"),
                    ("binary_missing", "Binary Missing"),
                    ("create_failed", "Create Failed"),
                    ("interrupted", "Interrupted"),
                    ("disappeared", "Disappeared"),
                    ("expired", "Expired"),
                    ("host_unreachable", "Host Unreachable"),
                    ("no_capacity", "No Capacity"),
                ],
                max_length=32,
            ),
        ),
        migrations.RunPython(place_on_the_only_host, migrations.RunPython.noop),
        # Sightings are only grace timers for orphans, now kept per host: starting them
        # again costs one grace period, and spares guessing the host of each.
        migrations.DeleteModel(name="RuntimeClusterSighting"),
        migrations.CreateModel(
            name="RuntimeClusterSighting",
            fields=[
                (
                    "id",
                    models.BigAutoField(
                        auto_created=True, primary_key=True, serialize=False, verbose_name="ID"
                    ),
                ),
                ("runtime_name", models.CharField(max_length=63)),
                ("first_seen_at", models.DateTimeField(auto_now_add=True)),
                (
                    "host",
                    models.ForeignKey(
                        on_delete=django.db.models.deletion.CASCADE,
                        related_name="sightings",
                        to="clusters.workerhost",
                    ),
                ),
            ],
            options={
                "constraints": [
                    models.UniqueConstraint(
                        fields=("host", "runtime_name"), name="sighting_unique_per_host"
                    )
                ],
            },
        ),
    ]
