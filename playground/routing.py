from apps.live.routing import websocket_urlpatterns as live_patterns
from apps.training.routing import websocket_urlpatterns as training_patterns

websocket_urlpatterns = [*live_patterns, *training_patterns]

__all__ = ["websocket_urlpatterns"]
