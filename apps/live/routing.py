from django.urls import path

from apps.live.consumers import RunConsumer, ScenarioConsumer

websocket_urlpatterns = [
    path("ws/scenarios/<str:slug>/", ScenarioConsumer.as_asgi()),
    path("ws/runs/<str:run_id>/", RunConsumer.as_asgi()),
]
