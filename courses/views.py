from django.contrib.auth.decorators import login_required
from django.shortcuts import get_object_or_404, redirect, render
from django.views.decorators.http import require_POST

from . import api
from .models import CoursePage, LessonPage
from .queries import dashboard as dashboard_cards


@login_required
def dashboard(request):
    return render(request, "courses/dashboard.html", {"courses": dashboard_cards(request.user)})


@require_POST
@login_required
def enrol(request, course_id):
    course = get_object_or_404(CoursePage.objects.live(), pk=course_id)
    api.enrol_learner(request.user, course)
    return redirect(course.url)


@require_POST
@login_required
def complete_lesson(request, lesson_id):
    lesson = get_object_or_404(LessonPage.objects.live(), pk=lesson_id)
    try:
        api.complete_lesson(request.user, lesson)
    except api.ProgressDenied as denied:
        return render(request, "403.html", {"reason": str(denied)}, status=403)
    next_lesson = lesson.get_next_siblings().live().first()
    return redirect(next_lesson.url if next_lesson and request.POST.get("next") else lesson.url)
