from django.urls import path

from . import views

app_name = "accounts"
urlpatterns = [
    path("", views.account_overview, name="overview"),
    path("terms/", views.terms_accept, name="terms"),
    path("language/", views.language_set, name="language"),
]
