"""What a result page says happens next: the module the pass opened, the course's exam once
every module is done, what to do after a fail, and what apps above quizzes add (certification
registers the certificate an attempt issued, in its AppConfig.ready, as it does for
courses.notices). Each provider takes the attempt and returns `courses.notices.Notice`s."""

from django.utils.translation import gettext as _

from courses.models import ModulePage
from courses.notices import Notice
from courses.queries import course_state

from .models import QuizPage
from .queries import access_refusal

_providers = []


def register(provider):
    if provider not in _providers:
        _providers.append(provider)
    return provider


def for_attempt(attempt):
    """The next steps after a graded attempt (none while it awaits a grader)."""
    if not attempt.is_graded:
        return []
    return [*_course_steps(attempt), *(notice for provider in _providers for notice in provider(attempt))]


def _course_steps(attempt):
    parent = attempt.quiz.get_parent().specific
    if not attempt.passed:
        if isinstance(parent, ModulePage):
            text = _("Go over the lessons of “%(module)s” again, then try once more.") % {"module": parent.title}
            return [Notice(text, parent.url, _("Back to the module"))]
        return []
    if not isinstance(parent, ModulePage):
        return []
    course = parent.get_parent().specific
    cards, _enrolled = course_state(course, attempt.user)
    opened = [card.page for card in cards if card.page.prerequisite_id == parent.pk and not card.locked_by]
    if opened:
        return [Notice(_("“%(module)s” is now unlocked.") % {"module": module.title}, module.url,
                       _("Start “%(module)s”") % {"module": module.title}) for module in opened]
    if all(card.done for card in cards):
        exams = course.get_children().live().type(QuizPage).specific()
        return [Notice(_("Every module is done: “%(exam)s” is open.") % {"exam": exam.title}, exam.url,
                       _("Go to “%(exam)s”") % {"exam": exam.title})
                for exam in exams if access_refusal(attempt.user, exam) is None]
    following = next((card.page for card in cards if not card.done and not card.locked_by), None)
    if following is not None:
        return [Notice(_("“%(module)s” is done. Carry on with “%(next)s”.") % {"module": parent.title,
                                                                              "next": following.title},
                       following.url, _("Go to “%(module)s”") % {"module": following.title})]
    return []
