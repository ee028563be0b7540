"""Verification URLs are printed on PDFs and must never change: they sit outside the language
prefix (config/urls.py) and speak the visitor's language."""

from django.urls import path

from . import views

app_name = "certification"
urlpatterns = [
    path("verify/", views.lookup, name="lookup"),
    path("verify/<str:public_id>/", views.verify, name="verify"),
    path("verify/<str:public_id>/credential.json", views.credential, name="credential"),
]
