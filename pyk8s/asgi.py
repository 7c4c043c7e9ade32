import os

from django.core.asgi import get_asgi_application

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "pyk8s.settings")

# Django must be set up before anything imports models (the WebSocket routes do).
django_asgi_app = get_asgi_application()

from django.conf import settings  # noqa: E402
from django.core.exceptions import ImproperlyConfigured  # noqa: E402

if settings.PYK8S_PROCESS_ROLE != "web":
    # A worker's settings hold no signing keys: as a web server it could not sign anything.
    raise ImproperlyConfigured("PYK8S_PROCESS_ROLE is worker: the web server needs role web.")

from channels.routing import ProtocolTypeRouter, URLRouter  # noqa: E402

from clusters.routing import websocket_urlpatterns  # noqa: E402
from pyk8s.request_body import RequestBodyLimit  # noqa: E402
from pyk8s.websocket import BrowserOriginValidator  # noqa: E402

application = ProtocolTypeRouter(
    {
        "http": RequestBodyLimit(django_asgi_app),
        "websocket": BrowserOriginValidator(URLRouter(websocket_urlpatterns)),
    }
)
