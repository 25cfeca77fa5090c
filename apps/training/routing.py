from django.urls import path

from apps.training.consumers import SessionConsumer

websocket_urlpatterns = [
    path("ws/sessions/<str:code>/", SessionConsumer.as_asgi()),
]
