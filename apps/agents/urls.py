from django.urls import path

from . import views

app_name = "agents"
urlpatterns = [
    path("x402/v1/pool-keys", views.pool_keys, name="pool_keys"),
    path("x402/v1/pool-keys/<int:key_id>/topup", views.pool_key_topup, name="pool_key_topup"),
    path("x402/v1/orders/<str:order_id>", views.order, name="order"),
]
