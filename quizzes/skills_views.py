"""The trainee's skills page (`/<lang>/my-skills/`): their own mastery only, read through
`skill_queries`; the rule behind the numbers is stated on the page in one sentence."""

from django.contrib.auth.decorators import login_required
from django.shortcuts import render
from django.utils.translation import gettext as _
from django.utils.translation import pgettext
from django.views.decorators.http import require_GET

from . import mastery
from .skill_queries import LEVEL_NAMES, skills_page


def rule_sentences():
    """mastery.py's rule, in the active language, with the numbers the code uses."""
    rule = _("Your mastery of a skill is the share of points you earned on the questions that test it, where an "
             "answer counts half as much as one graded %(days)s days after it and hard questions count more than "
             "easy ones; below %(least)s answers there is not enough evidence to say.") % {
        "days": mastery.HALF_LIFE.days, "least": mastery.MIN_EVIDENCE}
    levels = _("Levels: %(levels)s.") % {"levels": pgettext("list separator", ", ").join(
        _("%(level)s from %(percent)s%%") % {"level": LEVEL_NAMES[level], "percent": round(100 * least)}
        for level, least in sorted(mastery.LEVEL_FROM))}
    return rule, levels


@require_GET
@login_required
def my_skills(request):
    rule, levels = rule_sentences()
    return render(request, "quizzes/my_skills.html", {
        "skills": skills_page(request.user), "rule": rule, "levels_rule": levels,
        "least_evidence": mastery.MIN_EVIDENCE})
