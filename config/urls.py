from django.conf import settings
from django.conf.urls.i18n import i18n_patterns
from django.urls import include, path
from django.views.generic import RedirectView
from wagtail import urls as wagtail_urls
from wagtail.admin import urls as wagtailadmin_urls
from wagtail.documents import urls as wagtaildocs_urls

from content import views as content_views

urlpatterns = [
    # The admin signs in through allauth's view, so it shares allauth's failed-login limits.
    path("admin/login/", RedirectView.as_view(pattern_name="account_login", query_string=True)),
    path("admin/", include(wagtailadmin_urls)),
    path("documents/", include(wagtaildocs_urls)),
    path("i18n/", include("django.conf.urls.i18n")),
    path("", include("certification.urls")),
    # The skills framework for HR systems (1EdTech CASE 1.0); the page is under the language prefix.
    path("skills/case.json", content_views.skills_case, name="skills-case"),
]

urlpatterns += i18n_patterns(
    path("accounts/profile/", include("accounts.urls")),
    path("accounts/", include("allauth.urls")),
    path("skills/", content_views.skills_framework, name="skills-framework"),
    # A page in this language, or its "not yet translated" notice (the language switcher's link).
    path("in-language/<int:page_id>/", content_views.page_in_language, name="page-in-language"),
    path("", include("courses.urls")),
    path("", include("quizzes.urls")),
    path("", include("certification.learner_urls")),
    path("", include(wagtail_urls)),
    prefix_default_language=True,
)

if settings.BENCH_ANCHORS:  # the load benchmark's baseline, never on in production
    urlpatterns.insert(0, path("_bench/trivial/", content_views.trivial))
if "bench.minimal" in settings.INSTALLED_APPS:  # config.settings.bench only: bench/quiz.py's write anchor
    urlpatterns.insert(0, path("_bench/", include("bench.minimal.urls")))

if settings.DEBUG:
    from django.conf.urls.static import static

    urlpatterns += static(settings.MEDIA_URL, document_root=settings.MEDIA_ROOT)

handler404 = "content.views.page_not_found"
handler403 = "content.views.permission_denied"
