"""The skills heatmap's summary: mastery added up per department and skill, kept in the database
(`SkillSummary`) for the state of the data it was built from, so that a heatmap page adds up a
few hundred summary rows instead of every person's mastery (20,000 people × 30 skills: 2–3 s
on SQLite, ~0.4 s on PostgreSQL on the benchmark machine, docs/performance.md).

The state is a digest of what the figures depend on, read on every request in two small
queries: the newest `SkillMastery` id and change time (every grade, regrade and
`rebuild_mastery` writes the mastery rows it changes with the time, a first mastery of a skill
inserts a row, and a regrade empties rather than deletes a skill's row), and per department its
number of active employees and the sum of their ids (a person joining, leaving, moving or being
deactivated changes it). When the digest has no build yet, the request builds one (a single
aggregate, grouped by department and skill) and every worker and server then reads it. What
the digest does not see: mastery rows changed by hand without their change time, and on
PostgreSQL a grade whose transaction commits after a later one's, until the next grade.
"""

import hashlib

from django.db import IntegrityError, transaction
from django.db.models import Count, Max, Sum
from django.utils import timezone

from accounts.models import EmployeeProfile
from quizzes.mastery import MIN_EVIDENCE
from quizzes.models import SkillMastery

from .models import SkillSummary, SkillSummaryBuild

KEEP_OLD_BUILDS = timezone.timedelta(minutes=5)  # a page that read an older digest may still need it


def staff():
    """[(department id, department path, active employees, sum of their ids)] — one query."""
    return list(EmployeeProfile.objects.filter(user__is_active=True).values_list("department_id", "department__path")
                .annotate(people=Count("pk"), ids=Sum("user_id")).order_by("department_id"))


def digest_of(staff_rows):
    """The state of the data the heatmap is built from — two queries (the staff rows are read
    already, for the people per row)."""
    # two queries, not one with two aggregates: each MAX alone is read off its index
    newest = SkillMastery.objects.aggregate(newest=Max("pk"))["newest"]
    changed = SkillMastery.objects.aggregate(changed=Max("updated_at"))["changed"]
    state = [MIN_EVIDENCE, newest, changed, [(d, n, ids) for d, _p, n, ids in staff_rows]]
    return hashlib.sha256(repr(state).encode()).hexdigest()


def build_for(digest):
    """The build for `digest`, made now if there is none (one aggregate query and its rows'
    inserts). Two requests racing to make it: the second finds the first's."""
    found = SkillSummaryBuild.objects.filter(digest=digest).first()
    if found is not None:
        return found
    try:
        with transaction.atomic():
            build = SkillSummaryBuild.objects.create(digest=digest)
            groups = (SkillMastery.objects.filter(evidence__gte=MIN_EVIDENCE, user__is_active=True,
                                                  user__employee__isnull=False)
                      .values_list("user__employee__department_id", "skill_id")
                      .annotate(people=Count("pk"), total=Sum("level")).order_by())
            SkillSummary.objects.bulk_create(
                [SkillSummary(build=build, department_id=department, skill_id=skill, people=people, total=total)
                 for department, skill, people, total in groups], batch_size=1000)
            SkillSummaryBuild.objects.exclude(pk=build.pk).filter(
                built_at__lt=timezone.now() - KEEP_OLD_BUILDS).delete()
    except IntegrityError:  # built meanwhile by another request
        return SkillSummaryBuild.objects.get(digest=digest)
    return build
