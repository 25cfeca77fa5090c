from django.urls import path

from apps.live.consumers import ScenarioConsumer

websocket_urlpatterns = [
    path("ws/scenarios/<str:slug>/", ScenarioConsumer.as_asgi()),
]
