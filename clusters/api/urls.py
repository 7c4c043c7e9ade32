from rest_framework.routers import SimpleRouter

from clusters.api.views import ClusterViewSet

router = SimpleRouter()
# Set after construction: the constructor only knows "/" or "". With "/?" every path works
# with and without its trailing slash, and nothing redirects (a redirected POST or DELETE
# would lose its method or body).
router.trailing_slash = "/?"
router.register("clusters", ClusterViewSet, basename="cluster")

urlpatterns = router.urls
