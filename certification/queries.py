import re

from django.db.models import Exists, OuterRef, Q
from django.utils import timezone

from content.models import Skill
from quizzes.models import Question, QuestionTag, QuizDraw

from .models import Certificate, RuleRequirement

CODE_SHAPE = re.compile(r"^OPS-[0-9A-Z]{4}-[0-9A-Z]{4}$")


def normalise_code(raw):
    """'ops 7k4m 2qxd' → 'OPS-7K4M-2QXD'. Anything else becomes a string no code can equal,
    so the lookup still runs (and costs the same)."""
    compact = re.sub(r"[\s\-]", "", str(raw)[:40]).upper()
    if compact.startswith("OPS"):
        compact = compact[3:]
    code = f"OPS-{compact[:4]}-{compact[4:]}"
    return code if CODE_SHAPE.match(code) else "!invalid"


def certificates_of(user):
    """The holder's certificates, newest first, with their status now (one query)."""
    now = timezone.now()
    certificates = list(
        Certificate.objects.filter(user=user).select_related("rule").order_by("rule__slug", "-issued_at")
    )
    for certificate in certificates:
        certificate.current_status = certificate.status_at(now)
    return certificates


def skills_evidenced(rule):
    """The framework's skills a rule's certificate evidences, in framework order, in one query:
    the skills of the live questions its exam and its other required quizzes can draw, each quiz
    in its own language, and for a draw limited to a tag only the questions with that tag (as
    `quizzes.api.start_attempt` draws)."""
    quizzes = Q(quiz_id=rule.exam_id) | Q(quiz_id__in=RuleRequirement.objects.filter(rule_id=rule.pk).values("quiz_id"))
    tagged = QuestionTag.objects.filter(content_object_id=OuterRef(OuterRef("pk")), tag__name=OuterRef("tag"))
    draws = QuizDraw.objects.filter(quizzes, bank_id=OuterRef("bank_id"), quiz__locale_id=OuterRef("locale_id")).filter(
        Q(tag="") | Exists(tagged))
    drawn = Question.objects.filter(skills=OuterRef("pk"), live=True).filter(Exists(draws))
    return list(Skill.objects.filter(Exists(drawn)).order_by("area__sort_order", "area__slug", "sort_order", "slug"))
