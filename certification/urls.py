"""Verification URLs are printed on PDFs and must never change: they sit outside the language
prefix (config/urls.py) and speak the visitor's language."""

from django.urls import path

from . import credential_views, views

app_name = "certification"
urlpatterns = [
    path("verify/", views.lookup, name="lookup"),
    path("verify/<str:public_id>/", views.verify, name="verify"),
    path("verify/<str:public_id>/credential.json", views.credential, name="credential"),
    # Open Badges 3.0: the issuer (and its key), the revocation list, and a verifier for anyone.
    path("credentials/issuer.json", credential_views.issuer, name="credential-issuer"),
    path("credentials/status/revocation.json", credential_views.status_list, name="credential-status"),
    path("credentials/verify/", credential_views.verify, name="credential-verify"),
]
