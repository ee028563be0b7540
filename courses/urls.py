from django.urls import path

from . import search_views, views

app_name = "courses"
urlpatterns = [
    path("my-learning/", views.dashboard, name="dashboard"),
    path("search/", search_views.search_page, name="search"),
    path("learn/courses/<int:course_id>/enrol/", views.enrol, name="enrol"),
    path("learn/lessons/<int:lesson_id>/complete/", views.complete_lesson, name="complete_lesson"),
]
