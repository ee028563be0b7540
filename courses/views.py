from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import Http404
from django.shortcuts import get_object_or_404, redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from . import api, notices
from .models import CoursePage, LessonPage
from .queries import dashboard as dashboard_cards

MAX_ID = 2**63 - 1  # the URL's <int:…> takes any digits; SQLite refuses larger integers


def _live_page_or_404(model, pk):
    if pk > MAX_ID:
        raise Http404
    return get_object_or_404(model.objects.live(), pk=pk)


@login_required
def dashboard(request):
    return render(request, "courses/dashboard.html", {
        "courses": dashboard_cards(request.user), "notices": notices.for_user(request.user)})


@require_POST
@login_required
def enrol(request, course_id):
    course = _live_page_or_404(CoursePage, course_id)
    api.enrol_learner(request.user, course)
    text = _("You are enrolled in “%(course)s”. Your progress is saved as you go.") % {"course": course.title}
    messages.success(request, text)
    return redirect(course.url)


@require_POST
@login_required
def complete_lesson(request, lesson_id):
    lesson = _live_page_or_404(LessonPage, lesson_id)
    try:
        api.complete_lesson(request.user, lesson)
    except api.ProgressDenied as denied:
        return render(request, "403.html", {"reason": str(denied)}, status=403)
    next_lesson = lesson.get_next_siblings().live().first()
    return redirect(next_lesson.url if next_lesson and request.POST.get("next") else lesson.url)
