from django.urls import path

from . import views

app_name = "certificates"
urlpatterns = [
    path("my-certificates/", views.mine, name="mine"),
    path("my-certificates/<str:public_id>/certificate.pdf", views.certificate_pdf, name="pdf"),
]
