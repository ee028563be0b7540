"""The export budget: the full compliance-matrix CSV of 140,000 rows (14,000 people × 10 required
certificates) runs at least half as fast as a bare queryset-to-CSV loop over 140,000 rows, within
200 MB, and a page of the matrix stays fast. Opt-in (seeding takes a minute):

    HR_EXPORT_BENCH=1 .venv/bin/python -m pytest tests/hr/test_export_budget.py -s
"""

import csv
import gc
import os
import time
import tracemalloc
from datetime import timedelta

import pytest
from django.contrib.auth import get_user_model
from django.utils import timezone
from wagtail.admin.views.mixins import Echo

from accounts.models import EmployeeProfile
from certification.models import Certificate, CertificateRule
from courses import api as courses_api

pytestmark = pytest.mark.skipif(not os.environ.get("HR_EXPORT_BENCH"), reason="set HR_EXPORT_BENCH=1 to run")

PEOPLE, RULES = 14_000, 10


def seed(departments, quiz_setup, hr):
    User = get_user_model()
    leaves = [departments["ops-users"], departments["ops-content"], departments["sales"]]
    User.objects.bulk_create(
        [User(username=f"u{i}", email=f"u{i}@example.com", display_name=f"员工{i}", password="!")
         for i in range(PEOPLE)],
        batch_size=2000,
    )
    users = list(User.objects.filter(username__startswith="u").exclude(username="u").values_list("pk", flat=True))
    EmployeeProfile.objects.bulk_create(
        [EmployeeProfile(user_id=pk, employee_id=f"E{pk:06d}", department=leaves[i % 3]) for i, pk in enumerate(users)],
        batch_size=2000,
    )
    rules = [CertificateRule.objects.create(slug=f"rule-{r:02d}", title=f"证书{r}", title_en=f"Cert {r}",
                                            exam=quiz_setup.quiz) for r in range(RULES)]
    for root in (departments["ops"], departments["sales"]):
        courses_api.assign_course(quiz_setup.tree.course, department=root, due_date=timezone.localdate(), by=hr)
    now = timezone.now()
    Certificate.objects.bulk_create(  # every cell held, in every state: current, expiring, expired, revoked
        [Certificate(user_id=pk, rule=rule, holder_name="x", achievement="a", achievement_en="a", issuer_name="i",
                     issued_at=now, valid_until=now + timedelta(days=(i * 7 + rule.pk) % 800 - 100),
                     revoked_at=now if (i + rule.pk) % 13 == 0 else None, code=f"B{i}-{rule.pk}",
                     public_id=f"p{i}-{rule.pk}")
         for i, pk in enumerate(users) for rule in rules],
        batch_size=2000,
    )
    return Certificate.objects.count()


def bare_loop():
    """The baseline: a 140,000-row queryset (every certificate with its holder), straight into
    csv.writer."""
    rows = Certificate.objects.values_list(
        "user__employee__employee_id", "user__display_name", "user__email", "user__employee__department__name",
        "rule__title", "valid_until", "revoked_at",
    )
    writer = csv.writer(Echo())
    count = 0
    for row in rows.iterator(chunk_size=2000):
        writer.writerow(row)
        count += 1
    return count


def test_full_matrix_export_keeps_up_with_a_bare_loop(client, hr, departments, quiz_setup):
    held = seed(departments, quiz_setup, hr)
    print(f"\nseeded {PEOPLE} people, {held} certificates")
    client.force_login(hr)

    def best_of_three(run):
        times = []
        for _ in range(3):
            start = time.perf_counter()
            run()
            times.append(time.perf_counter() - start)
        return min(times)

    assert bare_loop() == PEOPLE * RULES
    bare = best_of_three(bare_loop)

    response = client.get("/admin/hr/", {"export": "csv"})
    assert sum(chunk.count(b"\n") for chunk in response.streaming_content) == 1 + PEOPLE * RULES
    export = best_of_three(lambda: sum(len(c) for c in client.get("/admin/hr/", {"export": "csv"}).streaming_content))
    print(f"bare loop {bare:.2f}s, export {export:.2f}s: {bare / export:.2f}× the bare loop's speed")
    assert export <= 2 * bare

    tracemalloc.start()
    for _chunk in client.get("/admin/hr/", {"export": "csv"}).streaming_content:
        pass
    peak = tracemalloc.get_traced_memory()[1] / 2**20
    tracemalloc.stop()
    print(f"CSV export peak Python memory {peak:.0f} MB")
    assert peak < 200

    start = time.perf_counter()
    response = client.get("/admin/hr/", {"export": "xlsx"})
    size = sum(len(chunk) for chunk in response.streaming_content)
    print(f"XLSX export {time.perf_counter() - start:.1f}s, {size / 2**20:.1f} MB")

    client.get("/admin/hr/")  # compile the templates
    # The test client keeps each response's template contexts, so this process collects far
    # more garbage than a server worker does: freeze the warm heap (as a preloading server
    # may) so that a collection sweeps only what the requests made.
    gc.collect()
    gc.freeze()
    timings = []
    for _ in range(25):
        for page in (1, 2, 140, 280):
            start = time.perf_counter()
            assert client.get("/admin/hr/", {"p": page}).status_code == 200
            timings.append(time.perf_counter() - start)
    timings.sort()
    p99 = timings[int(len(timings) * 0.99) - 1]
    print(f"matrix page ×{len(timings)}: median {timings[len(timings) // 2] * 1000:.0f} ms, "
          f"p99 {p99 * 1000:.0f} ms, max {timings[-1] * 1000:.0f} ms; "
          f"slowest {[round(t * 1000) for t in timings[-5:]]}")
    gc.unfreeze()
    assert p99 < 0.5
