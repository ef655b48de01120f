from django.urls import path

from . import views

app_name = "proxies"
urlpatterns = [
    path("dashboard/", views.dashboard, name="dashboard"),
    path("dashboard/keys/<int:key_id>/reveal/", views.key_reveal, name="key_reveal"),
    path("dashboard/keys/<int:key_id>/regenerate/", views.key_regenerate, name="key_regenerate"),
    path("dashboard/keys/<int:key_id>/bulk/", views.key_bulk, name="key_bulk"),
    path("dashboard/keys/<int:key_id>/rename/", views.key_rename, name="key_rename"),
    path("dashboard/keys/<int:key_id>/move/", views.key_move, name="key_move"),
    path("dashboard/keys/<int:key_id>/alerts/", views.key_alerts, name="key_alerts"),
    path("dashboard/keys/<int:key_id>/delete/", views.key_delete, name="key_delete"),
    path("dashboard/keys/", views.key_list, name="key_list"),
    path("dashboard/keys/<int:key_id>/buy/", views.key_buy, name="key_buy"),
    path("dashboard/keys/<int:key_id>/manage/", views.key_manage, name="key_manage"),
    path("dashboard/help/", views.help_card, name="help"),
    path("dashboard/builder-suggestions.<str:version>.json", views.builder_suggestions, name="builder_suggestions"),
    path("dashboard/orders/recent/", views.orders_recent, name="orders_recent"),
    path("dashboard/keys/<int:key_id>/usage/", views.key_usage, name="key_usage"),
    path("dashboard/keys/<int:key_id>/history/", views.key_history, name="key_history"),
    path("dashboard/usage.csv", views.usage_csv, name="usage_csv"),
    path("dashboard/keys/<int:key_id>/test/", views.key_test, name="key_test"),
    path("dashboard/keys/<int:key_id>/tests/", views.key_tests, name="key_tests"),
    path("dashboard/sessions/", views.sessions_partial, name="sessions"),
    path("dashboard/sessions/close-all/", views.sessions_close_all, name="sessions_close_all"),
    path("dashboard/sessions/<path:session_key>/close/", views.session_close, name="session_close"),
    path("dashboard/stock/", views.stock_partial, name="stock"),
    path("dashboard/incidents/", views.incidents_partial, name="incidents"),
]
