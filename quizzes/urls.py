from django.urls import path

from . import attachment_views, skills_views, views

app_name = "quizzes"
urlpatterns = [
    path("quizzes/<int:quiz_id>/start/", views.start, name="start"),
    path("quizzes/attempts/<int:attempt_id>/", views.attempt_view, name="attempt"),
    path("quizzes/attempts/<int:attempt_id>/answer/", views.save, name="save"),
    path("quizzes/attempts/<int:attempt_id>/confirm/", views.confirm, name="confirm"),
    path("quizzes/attempts/<int:attempt_id>/submit/", views.submit, name="submit"),
    path("quizzes/attempts/<int:attempt_id>/run/", views.run_query, name="run"),
    path("quizzes/attempts/<int:attempt_id>/result/", views.result, name="result"),
    path("quizzes/attempts/<int:attempt_id>/files/", attachment_views.upload, name="attachment_add"),
    path("quizzes/attempts/<int:attempt_id>/files/<int:file_id>/delete/", attachment_views.remove,
         name="attachment_remove"),
    path("quizzes/files/<int:file_id>/", attachment_views.download, name="attachment"),
    path("my-skills/", skills_views.my_skills, name="my_skills"),
]
