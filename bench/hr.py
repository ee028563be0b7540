"""HR load: 20,000 people × 7 certificates — the compliance matrix pages served by gunicorn, and
the full CSV export (140,000 rows) against a bare queryset-to-CSV loop in the same run.

    .venv/bin/python bench/hr.py --db sqlite
    .venv/bin/python bench/hr.py --db postgres --database-url postgres://…/opsacademy

A fresh database (bench/run.py's helpers) gets the curriculum, four departments, `--people`
employees (bulk_create: users, employee profiles), the curriculum's 7 certificate rules (6 module
certificates, the course's), the course assigned to both top-level departments
(`courses.api.assign_course`: assignments and enrolments) and every certificate held in a mixed
state (current, expiring, expired, revoked) — as tests/hr/test_export_budget.py seeds it. An HR
user gets a session directly.

Measured: matrix pages (first, second, middle, last) by `--concurrency` clients over loopback;
the CSV export end to end (streamed over loopback, rows counted) against the bare loop of
tests/hr/test_export_budget.py run in this process, best of three each, interleaved; the peak
memory of the gunicorn worker that serves the export: VmHWM from /proc/<pid>/status (resident
high-water mark of the whole process: interpreter, Django and Wagtail included), read for every
worker before and after the exports. Exit status 1 on a missed target.
"""

import argparse
import asyncio
import socket
import sys
import time
from datetime import datetime, timedelta
from datetime import timezone as dt_timezone
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from bench.load import Endpoint, Identity, fetch, hammer  # noqa: E402
from bench.run import (  # noqa: E402
    CpuSample,
    add_common_arguments,
    command_line,
    cpu_lines,
    fresh_database,
    fresh_log,
    gunicorn,
    machine,
    prepare_database,
)

RULES = 7
BATCH = 2000
MATRIX_P99_MS = 500
EXPORT_SHARE = 0.5
PEAK_MB = 200


def parse_args(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    add_common_arguments(parser)
    parser.add_argument("--people", type=int, default=20_000)
    parser.add_argument("--concurrency", type=int, default=3, help="clients requesting matrix pages")
    parser.add_argument("--matrix-requests", type=int, default=200, help="matrix pages measured (cap)")
    parser.add_argument("--matrix-seconds", type=float, default=30.0, help="time cap for the matrix pages")
    parser.add_argument("--repeats", type=int, default=3, help="best of N for the export and the bare loop")
    return parser.parse_args(argv)


# -- the data ---------------------------------------------------------------------------------


def prepare(database_url, args):
    """Seed the people and their certificates; return (the HR user's session, facts)."""
    (hr, held), facts = prepare_database(database_url, lambda: seed(args.people))
    facts["certificates"] = held
    return hr, facts


def bench_departments():
    """The benches' department tree (运营部 with two teams, 销售部), by code."""
    from accounts.api import add_department
    from accounts.models import Department

    ops = add_department("运营部", code="ops")
    add_department("用户运营组", code="ops-users", parent=ops)
    add_department("内容运营组", code="ops-content", parent=ops)
    add_department("销售部", code="sales")
    return {d.code: d for d in Department.objects.all()}


def seed(people):
    from django.conf import settings
    from django.contrib.auth import get_user_model
    from django.contrib.auth.hashers import make_password
    from django.contrib.auth.models import Group
    from django.db import transaction
    from django.utils import timezone
    from wagtail.users.models import UserProfile

    from accounts.groups import HR
    from accounts.models import EmployeeProfile
    from bench.seed import log_in
    from certification.models import Certificate, CertificateRule
    from courses import api as courses_api
    from courses.models import CoursePage
    from quizzes.models import QuizPage

    User = get_user_model()
    departments = bench_departments()
    leaves = [departments["ops-users"], departments["ops-content"], departments["sales"]]
    hr = User.objects.create_user(username="hr-bench", email="hr@bench.local", password="!", display_name="HR Bench")
    hr.groups.add(Group.objects.get(name=HR))
    UserProfile.objects.update_or_create(user=hr, defaults={"preferred_language": "en"})
    password = make_password("bench-not-a-secret")
    with transaction.atomic():
        User.objects.bulk_create(
            [User(username=f"e{i:05d}", email=f"e{i:05d}@staff.bench.local", display_name=f"员工{i:05d}",
                  password=password) for i in range(people)],
            batch_size=BATCH,
        )
        users = list(
            User.objects.filter(email__endswith="@staff.bench.local").order_by("pk").values_list("pk", flat=True)
        )
        EmployeeProfile.objects.bulk_create(
            [EmployeeProfile(user_id=pk, employee_id=f"E{pk:06d}", department=leaves[i % 3])
             for i, pk in enumerate(users)],
            batch_size=BATCH,
        )
    course = CoursePage.objects.live().get(locale__language_code=settings.LANGUAGE_CODE)
    final = QuizPage.objects.live().child_of(course).first()
    # load_curriculum's: 6 modules + the course
    rules = list(CertificateRule.objects.filter(active=True).order_by("slug"))
    for r in range(len(rules), RULES):
        rules.append(
            CertificateRule.objects.create(slug=f"bench-{r:02d}", title=f"证书{r}", title_en=f"Cert {r}", exam=final)
        )
    if len(rules) != RULES:
        sys.exit(f"the curriculum has {len(rules)} active certificate rules, not {RULES}")
    for root in (departments["ops"], departments["sales"]):
        courses_api.assign_course(course, department=root, due_date=timezone.localdate(), by=hr)
    now = timezone.now()
    with transaction.atomic():
        Certificate.objects.bulk_create(  # every cell held, in every state: current, expiring, expired, revoked
            [Certificate(user_id=pk, rule=rule, holder_name="x", achievement="a", achievement_en="a", issuer_name="i",
                         issued_at=now, valid_until=now + timedelta(days=(i * 7 + rule.pk) % 800 - 100),
                         revoked_at=now if (i + rule.pk) % 13 == 0 else None, code=f"B{i}-{rule.pk}",
                         public_id=f"p{i}-{rule.pk}")
             for i, pk in enumerate(users) for rule in rules],
            batch_size=BATCH,
        )
    from bench.seed import Trainee

    [hr_session] = log_in([Trainee(hr.pk, hr.display_name)])
    return hr_session, Certificate.objects.count()


# -- the measurements -------------------------------------------------------------------------


def export_over_http(port, session_key, path="/admin/hr/?export=csv"):
    """GET the CSV export (HTTP/1.0: no chunked encoding), stream it, count its lines."""
    with socket.create_connection(("127.0.0.1", port), timeout=120) as sock:
        sock.sendall(
            f"GET {path} HTTP/1.0\r\nHost: 127.0.0.1:{port}\r\nCookie: sessionid={session_key}\r\n\r\n".encode()
        )
        head, lines, size, first = b"", 0, 0, True
        while True:
            chunk = sock.recv(1 << 16)
            if not chunk:
                break
            if first:
                head += chunk
                if b"\r\n\r\n" not in head:
                    continue
                head, _sep, chunk = head.partition(b"\r\n\r\n")
                first = False
            lines += chunk.count(b"\n")
            size += len(chunk)
    status = int(head[9:12])
    if status != 200:
        sys.exit(f"the CSV export answered {status}: {head[:300]!r}")
    return lines - 1, size  # less the heading


def workers_hwm(group):
    """{pid: VmHWM in MB} of gunicorn's workers (the processes of its group but the arbiter)."""
    found = {}
    for proc in Path("/proc").iterdir():
        if not proc.name.isdigit() or int(proc.name) == group:
            continue
        try:
            if int((proc / "stat").read_text().rsplit(")", 1)[1].split()[2]) != group:
                continue
            status = (proc / "status").read_text()
        except (OSError, ValueError, IndexError):
            continue
        kb = next((int(line.split()[1]) for line in status.splitlines() if line.startswith("VmHWM:")), 0)
        found[int(proc.name)] = kb / 1024
    return found


async def matrix_pages(port, session_key, people, args):
    pages = max(1, -(-people // 50))
    paths = [f"/admin/hr/?p={p}" for p in sorted({1, 2, pages // 2, pages})]
    identities = [[Identity({"sessionid": session_key})] for _ in range(args.concurrency)]
    endpoint = Endpoint("compliance matrix page", paths, identities, b"<table")
    status, body = await fetch(port, paths[0], identities[0][0])
    if status != 200 or b"<table" not in body:
        sys.exit(f"the matrix answered {status} without a table")
    await hammer(
        port, endpoint, concurrency=args.concurrency, seconds=10, max_requests=2 * args.concurrency * len(paths)
    )
    return await hammer(port, endpoint, concurrency=args.concurrency, seconds=args.matrix_seconds,
                        max_requests=args.matrix_requests), paths


def measure(port, group, hr, args):
    from django.db import connections

    from tests.hr.test_export_budget import bare_loop

    cpu_start = CpuSample.take(group, args.database_name)
    matrix, paths = asyncio.run(matrix_pages(port, hr.session_key, args.people, args))
    cpu_matrix = CpuSample.take(group, args.database_name)
    before = workers_hwm(group)
    bare_times, export_times, rows = [], [], set()
    for _ in range(args.repeats):  # interleaved, so that a burst elsewhere hits both
        started = time.perf_counter()
        bare_rows = bare_loop()
        bare_times.append(time.perf_counter() - started)
        started = time.perf_counter()
        export_rows, size = export_over_http(port, hr.session_key)
        export_times.append(time.perf_counter() - started)
        rows.add((bare_rows, export_rows))
    connections.close_all()
    cpu_end = CpuSample.take(group, args.database_name)
    after = workers_hwm(group)
    grew = {pid: mb for pid, mb in after.items() if mb > before.get(pid, 0) + 0.5}
    return {"matrix": matrix, "paths": paths, "bare": min(bare_times), "export": min(export_times),
            "bare_times": bare_times, "export_times": export_times, "rows": rows, "csv_mb": size / 2**20,
            "hwm_before": max(before.values(), default=0), "hwm_after": max(after.values(), default=0),
            "hwm_export_workers": grew,
            "cpu_matrix": cpu_matrix - cpu_start, "cpu_export": cpu_end - cpu_matrix}


# -- the report -------------------------------------------------------------------------------


def report(args, facts, m):
    stamp = datetime.now(dt_timezone.utc).strftime("%Y%m%d-%H%M%SZ")
    about = machine()
    matrix = m["matrix"]
    [(bare_rows, export_rows)] = m["rows"] if len(m["rows"]) == 1 else [(0, -1)]
    expected = args.people * RULES
    p99 = matrix.percentile(99)
    matrix_ok = p99 < MATRIX_P99_MS and not matrix.errors
    bare_rate, export_rate = bare_rows / m["bare"], export_rows / m["export"]
    share = export_rate / bare_rate
    export_ok = share >= EXPORT_SHARE and export_rows == bare_rows == expected
    peak = max(m["hwm_export_workers"].values(), default=m["hwm_after"])
    memory_ok = peak < PEAK_MB
    lines = [
        f"# HR load, {args.db}, {stamp}: {about['cores']} cores ({about['cpu']}), {about['memory_gib']} GiB; "
        f"{facts['vendor']} {facts['version']}; gunicorn {args.workers} sync workers; {args.people} people × {RULES} "
        f"rules = {facts['certificates']} certificates (prepared in {facts['prepare_seconds']} s)",
        f"# {command_line()}", "",
        "| measurement | value | target |", "|---|---|---|",
        f"| matrix pages {', '.join(p.split('=')[1] for p in m['paths'])} ({args.concurrency} clients, "
        f"{matrix.requests} requests) | {matrix.rate:.1f} requests/s, p50 {matrix.percentile(50):.0f} ms, "
        f"p99 {p99:.0f} ms, errors {matrix.errors} | {'PASS' if matrix_ok else 'FAIL'} (p99 < {MATRIX_P99_MS} ms) |",
        f"| bare queryset-to-CSV loop, in process (best of {args.repeats}) | {bare_rows:,} rows in {m['bare']:.2f} s = "
        f"{bare_rate:,.0f} rows/s | anchor |",
        f"| CSV export over HTTP, streamed (best of {args.repeats}) | {export_rows:,} rows, {m['csv_mb']:.1f} MB in "
        f"{m['export']:.2f} s = {export_rate:,.0f} rows/s | {'PASS' if export_ok else 'FAIL'} {share:.2f}× the bare "
        f"loop (≥ {EXPORT_SHARE}, {expected:,} rows) |",
        f"| peak memory of the worker serving the export (VmHWM) | {peak:.0f} MB (every worker before the "
        f"exports: ≤ {m['hwm_before']:.0f} MB) | {'PASS' if memory_ok else 'FAIL'} (< {PEAK_MB} MB) |",
        "",
        f"bare loop times {[round(t, 2) for t in m['bare_times']]} s; export times "
        f"{[round(t, 2) for t in m['export_times']]} s",
    ]
    lines += cpu_lines(m, ("matrix", "export"))
    if matrix.errors:
        lines.append(f"matrix: {matrix.errors} errors, first: {matrix.first_error}")
    text = "\n".join(lines)
    print(text)
    (args.output / f"hr-{args.db}-{stamp}.md").write_text(text + "\n", encoding="utf-8")
    return 0 if matrix_ok and export_ok and memory_ok else 1


def main(argv=None):
    args = parse_args(argv)
    log_path = fresh_log(args, "hr-")
    with fresh_database(args.db, args.database_url) as database_url:
        print(f"Preparing {args.db} ({args.people} people × {RULES} certificates)…", file=sys.stderr)
        hr, facts = prepare(database_url, args)
        print(f"  ready in {facts['prepare_seconds']} s; starting gunicorn", file=sys.stderr)
        args.database_name = facts.get("database_name")
        with gunicorn(database_url, args.workers, log_path) as (port, group):
            measured = measure(port, group, hr, args)
        return report(args, facts, measured)


if __name__ == "__main__":
    sys.exit(main())
