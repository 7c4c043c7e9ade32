from django.urls import re_path

from clusters.consumers import ClusterEventsConsumer, TerminalConsumer

websocket_urlpatterns = [
    re_path(r"^ws/?$", ClusterEventsConsumer.as_asgi()),
    re_path(r"^ws/clusters/(?P<cluster_id>[^/]+)/terminal/?$", TerminalConsumer.as_asgi()),
]
