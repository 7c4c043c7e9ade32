from django.contrib import admin
from django.urls import include, path, re_path
from django_prometheus.exports import ExportToDjangoView
from drf_spectacular.views import SpectacularAPIView, SpectacularSwaggerSplitView

from pyk8s import health

urlpatterns = [
    path("", include("accounts.api.urls")),
    path("", include("clusters.api.urls")),
    re_path(r"^api/schema/?$", SpectacularAPIView.as_view(), name="schema"),
    # The split view serves its start-up script as a file, so the page needs no inline script.
    re_path(r"^docs/?$", SpectacularSwaggerSplitView.as_view(url_name="schema"), name="docs"),
    re_path(r"^health/live/?$", health.live, name="health-live"),
    re_path(r"^health/ready/?$", health.ready, name="health-ready"),
    re_path(r"^metrics/?$", ExportToDjangoView, name="prometheus-django-metrics"),
    path("admin/", admin.site.urls),
    path("", include("pyk8s.frontend")),  # the web dashboard: last, so it shadows nothing
]

handler400 = "pyk8s.views.bad_request"
handler403 = "pyk8s.views.forbidden"
handler404 = "pyk8s.views.not_found"
handler500 = "pyk8s.views.server_error"
