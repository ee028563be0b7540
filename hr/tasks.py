"""HR's mail, through django-tasks (see certification.tasks): a course assigned, a due date
coming up, and a welcome to people created by a people import. Each is written in the
recipient's language from its own template per language (`hr/email/<name>.<language>.txt`: the
subject on the first line, then the body), so the Chinese text keeps its own punctuation."""

from django.conf import settings
from django.contrib.auth import get_user_model
from django.core.mail import EmailMessage, get_connection
from django.template.loader import render_to_string
from django.urls import reverse
from django.utils import translation
from django_tasks import task

from content.cache_keys import once
from courses.models import CoursePage, Enrolment


def absolute(path):
    return settings.WAGTAILADMIN_BASE_URL.rstrip("/") + path


def language_of(user):
    languages = dict(settings.LANGUAGES)
    return user.preferred_language if user.preferred_language in languages else settings.LANGUAGE_CODE


def message(user, name, **context):
    """The email `name` to `user`, in their language."""
    language = language_of(user)
    with translation.override(language):
        dashboard = absolute(reverse("courses:dashboard"))
        context = {"user": user, "name": user.get_display_name(), "dashboard_url": dashboard, **context}
        subject, _blank, body = render_to_string(f"hr/email/{name}.{language}.txt", context).partition("\n")
    return EmailMessage(subject.strip(), body.lstrip("\n"), None, [user.email])


def send(messages):
    """Every message over one connection (an assignment may reach a whole department)."""
    if messages:
        get_connection().send_messages(messages)


class Courses:
    """A course's title and address in each language (its page in that language, else any)."""

    def __init__(self, course_key):
        self.pages = {page.locale.language_code: page for page in
                      CoursePage.objects.live().filter(translation_key=course_key).select_related("locale")}

    def context(self, user):
        page = self.pages.get(language_of(user)) or next(iter(self.pages.values()), None)
        if page is None:
            return {"course_title": "", "course_url": absolute(reverse("courses:dashboard"))}
        _site, _root, path = page.get_url_parts()
        return {"course_title": page.title, "course_url": absolute(path)}


@task(takes_context=True)
@once
def send_course_assigned(assignment_id):
    """Tell everyone whose enrolment this assignment set (newly enrolled, or given its due date)
    that the course is required of them, by when, and where it is."""
    enrolments = list(Enrolment.objects.filter(assignment_id=assignment_id, user__is_active=True)
                      .exclude(user__email="").select_related("user"))
    if not enrolments:
        return
    courses = Courses(enrolments[0].course_key)
    send([message(e.user, "assigned", due_date=e.due_date, **courses.context(e.user)) for e in enrolments])


@task(takes_context=True)
@once
def send_due_reminder(enrolment_id, days_before):
    enrolment = Enrolment.objects.select_related("user").get(pk=enrolment_id)
    context = Courses(enrolment.course_key).context(enrolment.user)
    send([message(enrolment.user, "reminder", due_date=enrolment.due_date, days_before=days_before, **context)])


@task(takes_context=True)
@once
def send_welcome(user_ids):
    """A welcome with a link to choose a password (allauth's reset link, valid for
    PASSWORD_RESET_TIMEOUT) to each of `user_ids`, people a people import created."""
    from allauth.account.forms import default_token_generator
    from allauth.account.utils import user_pk_to_url_str

    messages = []
    for user in get_user_model().objects.filter(pk__in=user_ids, is_active=True).exclude(email=""):
        with translation.override(language_of(user)):
            path = reverse("account_reset_password_from_key", kwargs={
                "uidb36": user_pk_to_url_str(user), "key": default_token_generator.make_token(user)})
            login = reverse("account_login")
        messages.append(message(user, "welcome", set_password_url=absolute(path), login_url=absolute(login),
                                valid_days=settings.PASSWORD_RESET_TIMEOUT // 86400))
    send(messages)
