"""Skills load: 20,000 people × 30 skills of mastery — HR's skills heatmap served by gunicorn,
its query count at that size, and the export of the people behind a cell against a bare
queryset-to-CSV loop in the same run.

    .venv/bin/python bench/skills.py --db sqlite
    .venv/bin/python bench/skills.py --db postgres --database-url postgres://…/some_database

A fresh database (bench/run.py's helpers) gets the curriculum, a department tree of 4 divisions,
their teams and sub-teams (27 departments, depth 3), `--people` employees spread over it (most
in teams, some placed in a division itself), 30 skills in 5 areas (the curriculum's framework,
if it has one, topped up to 30), a role requiring 8 of them, and one mastery row per person and
skill (bulk-inserted): levels drawn around a level that differs by division and area, so that
the heatmap tells a story, and evidence from 1 to 12 answers (about one row in six below the
minimum, so not counted). An HR user gets a session directly.

Measured: the heatmap (everyone; a division; a division with the role; a team) by
`--concurrency` clients over loopback; the number of queries of each of those pages, in this
process through Django's test client, before the people and their mastery exist and after
(the same number, or the run fails); the CSV export of the people behind one cell (a skill, all
departments: ~16,000 rows) streamed over loopback, against a bare loop over the same rows run
in this process, best of `--repeats` each, interleaved. Exit status 1 on a missed target.
"""

import argparse
import asyncio
import csv
import random
import sys
import time
from datetime import datetime
from datetime import timezone as dt_timezone
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from bench.hr import export_over_http  # noqa: E402
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

SKILLS, AREAS = 30, 5
BATCH = 5000
HEATMAP_P99_MS = 500
EXPORT_SHARE = 0.5

# (code, name, parent code): 4 divisions, their teams and sub-teams.
TREE = [
    ("ops", "运营部", None), ("ops-users", "用户运营组", "ops"), ("ops-users-new", "新用户组", "ops-users"),
    ("ops-users-loyal", "老用户组", "ops-users"), ("ops-content", "内容运营组", "ops"),
    ("ops-video", "短视频组", "ops-content"), ("ops-articles", "图文组", "ops-content"),
    ("ops-campaigns", "活动运营组", "ops"), ("ops-data", "数据运营组", "ops"),
    ("sales", "销售部", None), ("sales-east", "华东大区", "sales"), ("sales-sh", "上海", "sales-east"),
    ("sales-hz", "杭州", "sales-east"), ("sales-south", "华南大区", "sales"), ("sales-gz", "广州", "sales-south"),
    ("sales-sz", "深圳", "sales-south"), ("sales-north", "华北大区", "sales"),
    ("mkt", "市场部", None), ("mkt-brand", "品牌组", "mkt"), ("mkt-ads", "投放组", "mkt"),
    ("mkt-feed", "信息流", "mkt-ads"), ("mkt-search", "搜索", "mkt-ads"), ("mkt-pr", "公关组", "mkt"),
    ("care", "客服部", None), ("care-l1", "一线客服", "care"), ("care-l2", "二线客服", "care"),
    ("care-quality", "质检组", "care"),
]
# Each division's usual level in each area (the story: ops strong in data, sales weak in it, …).
STRENGTH = {"ops": [2.2, 1.6, 1.2, 2.4, 1.0], "sales": [1.0, 1.4, 2.3, 0.6, 1.5],
            "mkt": [1.4, 2.5, 2.0, 1.3, 0.9], "care": [2.0, 1.0, 0.8, 0.9, 1.8]}
VALUE_AT = {0: 0.25, 1: 0.52, 2: 0.75, 3: 0.92}  # a value inside each level's band (quizzes.mastery)


def parse_args(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    add_common_arguments(parser)
    parser.add_argument("--people", type=int, default=20_000)
    parser.add_argument("--concurrency", type=int, default=3, help="clients requesting heatmap pages")
    parser.add_argument("--requests", type=int, default=200, help="heatmap pages measured (cap)")
    parser.add_argument("--seconds", type=float, default=60.0, help="time cap for the heatmap pages")
    parser.add_argument("--repeats", type=int, default=3, help="best of N for the export and the bare loop")
    return parser.parse_args(argv)


# -- the data ---------------------------------------------------------------------------------


def seed(people):
    """Departments, skills, a role, the HR user, the page query counts before anyone exists,
    then the people and their mastery; returns what the measurements need."""
    from django.contrib.auth import get_user_model
    from django.contrib.auth.models import Group
    from wagtail.users.models import UserProfile

    from accounts.api import add_department
    from accounts.groups import HR
    from accounts.models import Department
    from bench.seed import Trainee, log_in

    for code, name, parent in TREE:
        add_department(name, code=code, parent=Department.objects.get(code=parent) if parent else None)
    departments = {d.code: d for d in Department.objects.all()}
    skills, role = framework()
    User = get_user_model()
    hr = User.objects.create_user(username="hr-bench", email="hr@bench.local", password="!", display_name="HR Bench")
    hr.groups.add(Group.objects.get(name=HR))
    UserProfile.objects.update_or_create(user=hr, defaults={"preferred_language": "en"})
    [session] = log_in([Trainee(hr.pk, hr.display_name)])
    paths = heatmap_paths(departments, role)
    empty = query_counts(session.session_key, paths)
    mastery_rows = seed_people(people, departments, skills)
    return {"session": session.session_key, "paths": paths, "counts_empty": empty, "mastery": mastery_rows,
            "skill": skills[0].pk, "skill_name": skills[0].name_en}


def framework():
    """30 skills in 5 areas (the curriculum's own first, if it has a framework) and a role
    requiring 8 of them."""
    from content.models import Role, RoleRequirement, Skill, SkillArea

    areas = list(SkillArea.objects.order_by("sort_order", "slug")[:AREAS])
    for n in range(len(areas), AREAS):
        areas.append(SkillArea.objects.create(slug=f"bench-area-{n}", name=f"领域{n}", name_en=f"Area {n}",
                                              sort_order=100 + n))
    skills = list(Skill.objects.order_by("pk")[:SKILLS])
    for n in range(len(skills), SKILLS):
        skills.append(Skill.objects.create(slug=f"bench-skill-{n}", area=areas[n % AREAS], name=f"技能{n}",
                                           name_en=f"Skill {n}", sort_order=n))
    role = Role.objects.create(slug="bench-role", name="高级运营（测）", name_en="Bench senior")
    RoleRequirement.objects.bulk_create(RoleRequirement(role=role, skill=skill, level=2 + n % 2)
                                        for n, skill in enumerate(skills[::4][:8]))
    return skills, role


def seed_people(people, departments, skills):
    from django.contrib.auth import get_user_model
    from django.contrib.auth.hashers import make_password
    from django.db import transaction
    from django.utils import timezone

    from accounts.models import EmployeeProfile
    from quizzes.models import SkillMastery

    User = get_user_model()
    rng = random.Random(11)
    leaves = [d for d in departments.values() if d.numchild == 0]
    middles = [d for d in departments.values() if d.numchild and d.depth > 1]
    password = make_password("bench-not-a-secret")
    with transaction.atomic():
        User.objects.bulk_create(
            [User(username=f"s{i:05d}", email=f"s{i:05d}@staff.bench.local", display_name=f"员工{i:05d}",
                  password=password) for i in range(people)], batch_size=BATCH)
        users = list(User.objects.filter(email__endswith="@staff.bench.local").order_by("pk")
                     .values_list("pk", flat=True))
        placed = [middles[i % len(middles)] if i % 20 == 0 else leaves[i % len(leaves)] for i in range(len(users))]
        EmployeeProfile.objects.bulk_create(
            [EmployeeProfile(user_id=pk, employee_id=f"S{pk:06d}", department=department)
             for pk, department in zip(users, placed)], batch_size=BATCH)
    areas = {area: n for n, area in enumerate(sorted({s.area_id for s in skills}))}
    now = timezone.now()
    rows, step = 0, max(1, BATCH // len(skills)) * 10  # people per transaction
    for start in range(0, len(users), step):
        batch = []
        for pk, department in zip(users[start:start + step], placed[start:start + step]):
            usual = STRENGTH[department.code.split("-")[0]]
            for skill in skills:
                level = max(0, min(3, round(usual[areas[skill.area_id] % len(usual)] + rng.gauss(0, 0.8))))
                batch.append(SkillMastery(user_id=pk, skill_id=skill.pk, level=level,
                                          value=VALUE_AT[level] + rng.uniform(-0.05, 0.05),
                                          evidence=rng.randint(1, 12), previous=None, updated_at=now))
        with transaction.atomic():
            SkillMastery.objects.bulk_create(batch, batch_size=BATCH)
        rows += len(batch)
    return rows


def heatmap_paths(departments, role):
    return [
        "/admin/hr/skills/",
        f"/admin/hr/skills/?department={departments['ops'].pk}",
        f"/admin/hr/skills/?department={departments['ops'].pk}&role={role.pk}",
        f"/admin/hr/skills/?department={departments['sales-east'].pk}",
    ]


def query_counts(session_key, paths):
    """{path: queries} of one request each through Django's test client, after one to warm up."""
    from django.db import connection
    from django.test import Client
    from django.test.utils import CaptureQueriesContext

    client = Client(HTTP_HOST="127.0.0.1")
    client.cookies["sessionid"] = session_key
    counts = {}
    for path in paths:
        assert client.get(path).status_code == 200, path
        with CaptureQueriesContext(connection) as captured:
            client.get(path)
        counts[path] = len(captured.captured_queries)
    return counts


# -- the measurements -------------------------------------------------------------------------


def bare_loop(skill_id):
    """The anchor: the rows behind one cell (a skill, everyone with enough evidence), with their
    person and department, straight into csv.writer."""
    from wagtail.admin.views.mixins import Echo

    from quizzes.mastery import MIN_EVIDENCE
    from quizzes.models import SkillMastery

    rows = SkillMastery.objects.filter(skill_id=skill_id, evidence__gte=MIN_EVIDENCE).values_list(
        "user__employee__employee_id", "user__display_name", "user__email", "user__employee__department__name",
        "level", "value", "evidence", "updated_at",
    )
    writer = csv.writer(Echo())
    count = 0
    for row in rows.iterator(chunk_size=2000):
        writer.writerow(row)
        count += 1
    return count


async def heatmap_pages(port, session_key, paths, args):
    identities = [[Identity({"sessionid": session_key})] for _ in range(args.concurrency)]
    endpoint = Endpoint("skills heatmap", paths, identities, b'class="hr-heatmap"')
    status, body = await fetch(port, paths[0], identities[0][0])
    if status != 200 or b'class="hr-heatmap"' not in body:
        sys.exit(f"the heatmap answered {status} without its table")
    await hammer(port, endpoint, concurrency=args.concurrency, seconds=10, max_requests=2 * len(paths))
    return await hammer(port, endpoint, concurrency=args.concurrency, seconds=args.seconds,
                        max_requests=args.requests)


def rebuild_times(session_key, path, repeats):
    """The heatmap right after a grade: the data's state changes (a mastery row for the HR user,
    who is no employee, so the figures stay), and the page rebuilds the summary. Milliseconds,
    in this process."""
    from django.contrib.auth import get_user_model
    from django.test import Client
    from django.utils import timezone

    from content.models import Skill
    from quizzes.models import SkillMastery

    client = Client(HTTP_HOST="127.0.0.1")
    client.cookies["sessionid"] = session_key
    hr = get_user_model().objects.get(username="hr-bench")
    times = []
    for skill in Skill.objects.order_by("pk")[:repeats]:
        SkillMastery.objects.create(user=hr, skill=skill, level=1, value=0.5, evidence=3, updated_at=timezone.now())
        started = time.perf_counter()
        assert client.get(path).status_code == 200
        times.append((time.perf_counter() - started) * 1000)
    SkillMastery.objects.filter(user=hr).delete()
    return times


def measure(port, group, seeded, args):
    from django.db import connections

    cpu_start = CpuSample.take(group, args.database_name)
    heatmap = asyncio.run(heatmap_pages(port, seeded["session"], seeded["paths"], args))
    cpu_heatmap = CpuSample.take(group, args.database_name)
    counts = query_counts(seeded["session"], seeded["paths"])
    rebuilds = rebuild_times(seeded["session"], seeded["paths"][0], args.repeats)
    export_path = f"/admin/hr/skills/people/?skill={seeded['skill']}&export=csv"
    bare_times, export_times, rows = [], [], set()
    for _ in range(args.repeats):
        started = time.perf_counter()
        bare_rows = bare_loop(seeded["skill"])
        bare_times.append(time.perf_counter() - started)
        started = time.perf_counter()
        export_rows, size = export_over_http(port, seeded["session"], export_path)
        export_times.append(time.perf_counter() - started)
        rows.add((bare_rows, export_rows))
    connections.close_all()
    cpu_end = CpuSample.take(group, args.database_name)
    return {"heatmap": heatmap, "counts": counts, "rebuilds": rebuilds, "bare": min(bare_times),
            "export": min(export_times), "bare_times": bare_times, "export_times": export_times, "rows": rows,
            "csv_mb": size / 2**20,
            "cpu_heatmap": cpu_heatmap - cpu_start, "cpu_export": cpu_end - cpu_heatmap}


# -- the report -------------------------------------------------------------------------------


def report(args, facts, seeded, m):
    stamp = datetime.now(dt_timezone.utc).strftime("%Y%m%d-%H%M%SZ")
    about = machine()
    heatmap = m["heatmap"]
    p99 = heatmap.percentile(99)
    heatmap_ok = p99 < HEATMAP_P99_MS and not heatmap.errors
    counts_ok = m["counts"] == seeded["counts_empty"]
    [(bare_rows, export_rows)] = m["rows"] if len(m["rows"]) == 1 else [(0, -1)]
    bare_rate, export_rate = bare_rows / m["bare"], export_rows / m["export"]
    share = export_rate / bare_rate
    export_ok = share >= EXPORT_SHARE and export_rows == bare_rows > 0
    counts = ", ".join(f"{path.removeprefix('/admin/hr/skills/') or '(all)'}: {seeded['counts_empty'][path]} → "
                       f"{n}" for path, n in m["counts"].items())
    lines = [
        f"# Skills load, {args.db}, {stamp}: {about['cores']} cores ({about['cpu']}), {about['memory_gib']} GiB; "
        f"{facts['vendor']} {facts['version']}; gunicorn {args.workers} sync workers; {args.people} people × "
        f"{SKILLS} skills = {seeded['mastery']:,} mastery rows, {len(TREE)} departments (prepared in "
        f"{facts['prepare_seconds']} s)",
        f"# {command_line()}", "",
        "| measurement | value | target |", "|---|---|---|",
        f"| heatmap: all, a division, a division with a role, a team ({args.concurrency} clients, "
        f"{heatmap.requests} requests) | {heatmap.rate:.1f} requests/s, p50 {heatmap.percentile(50):.0f} ms, "
        f"p99 {p99:.0f} ms, errors {heatmap.errors} | {'PASS' if heatmap_ok else 'FAIL'} (p99 < {HEATMAP_P99_MS} ms) |",
        f"| queries per heatmap page, before the people existed → at {args.people:,} × {SKILLS} | {counts} | "
        f"{'PASS' if counts_ok else 'FAIL'} (the same) |",
        f"| heatmap (all) right after a grade: the summary rebuilt, in process | "
        f"{', '.join(f'{t:.0f}' for t in m['rebuilds'])} ms | none (once per change of the data) |",
        f"| bare queryset-to-CSV loop over one cell's people, in process (best of {args.repeats}) | {bare_rows:,} rows "
        f"in {m['bare']:.3f} s = {bare_rate:,.0f} rows/s | anchor |",
        f"| CSV export of one cell's people (\"{seeded['skill_name']}\", all departments) over HTTP, streamed (best "
        f"of {args.repeats}) | {export_rows:,} rows, {m['csv_mb']:.1f} MB in {m['export']:.3f} s = "
        f"{export_rate:,.0f} rows/s | {'PASS' if export_ok else 'FAIL'} {share:.2f}× the bare loop "
        f"(≥ {EXPORT_SHARE}) |",
        "",
        f"bare loop times {[round(t, 3) for t in m['bare_times']]} s; export times "
        f"{[round(t, 3) for t in m['export_times']]} s",
    ]
    lines += cpu_lines(m, ("heatmap", "export"))
    if heatmap.errors:
        lines.append(f"heatmap: {heatmap.errors} errors, first: {heatmap.first_error}")
    text = "\n".join(lines)
    print(text)
    args.output.mkdir(parents=True, exist_ok=True)
    (args.output / f"skills-{args.db}-{stamp}.md").write_text(text + "\n", encoding="utf-8")
    return 0 if heatmap_ok and counts_ok and export_ok else 1


def main(argv=None):
    args = parse_args(argv)
    log_path = fresh_log(args, "skills-")
    with fresh_database(args.db, args.database_url) as database_url:
        print(f"Preparing {args.db} ({args.people} people × {SKILLS} skills)…", file=sys.stderr)
        seeded, facts = prepare_database(database_url, lambda: seed(args.people))
        print(f"  ready in {facts['prepare_seconds']} s; starting gunicorn", file=sys.stderr)
        args.database_name = facts.get("database_name")
        with gunicorn(database_url, args.workers, log_path) as (port, group):
            measured = measure(port, group, seeded, args)
        return report(args, facts, seeded, measured)


if __name__ == "__main__":
    sys.exit(main())
