from django.urls import re_path

from clusters.consumers import ClusterEventsConsumer

websocket_urlpatterns = [re_path(r"^ws/?$", ClusterEventsConsumer.as_asgi())]
