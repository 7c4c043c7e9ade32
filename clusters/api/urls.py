from rest_framework.routers import SimpleRouter

from clusters.api.views import ClusterViewSet

# "/?": every path works with and without its trailing slash, without a redirect.
router = SimpleRouter(trailing_slash="/?")
router.register("clusters", ClusterViewSet, basename="cluster")

urlpatterns = router.urls
