from django.urls import path

from . import views

app_name = "customers"
urlpatterns = [
    path("account/privacy/", views.privacy, name="privacy"),
    path("account/privacy/data.json", views.data_export, name="data_export"),
    path("account/privacy/delete/", views.account_delete, name="delete"),
]
