"""Fixtures for the Playwright tests, which talk to `live_server` in a thread of this process.

The live server reads the database over its own connection, so these tests run in a
transactional database, whose teardown empties every table. Wagtail's root page, locale and
default site and our role groups come from data migrations, so the tests also ask for a
serialized rollback: Django reloads the migrated rows at the start of each such test.
(pytest-django runs transactional tests after the `db` ones, which therefore still see them.)
"""

import pytest
from django.conf import settings
from django.db import connections
from django.test import Client

from courses import api


@pytest.fixture(scope="session", autouse=True)
def _same_connections_inside_playwright(request, django_db_setup):
    """Keep the ORM on the connections the test database was set up with once Playwright runs.

    Playwright's sync API leaves an asyncio loop running in the test thread, and while one
    runs, asgiref hands Django's ORM a second set of connections (context-local instead of
    thread-local). `django_db_setup` serialized the migrated rows on the connection it used; if
    it ran before Playwright started (as it does when any `db` test runs first), the new
    connections lack them, and serialized rollback silently reloads nothing. So: start
    Playwright, then put the first connections back in the new context, as Django's own
    live server thread shares connections (`connections[alias] = conn`).
    """
    first = {alias: connections[alias] for alias in connections}
    request.getfixturevalue("playwright")
    for alias, connection in first.items():
        connections[alias] = connection


@pytest.fixture
def live_tree(transactional_db, django_db_serialized_rollback, make_tree):
    """The test curriculum (2 modules × 3 lessons, module 2 requires module 1), committed."""
    return make_tree()


@pytest.fixture
def log_in(context, live_server):
    """Give the browser a session for `user`, enrolled in `course` when one is given."""

    def log_in(user, course=None):
        if course is not None:
            api.enrol_learner(user, course)
        client = Client()
        client.force_login(user)
        context.add_cookies([{
            "name": settings.SESSION_COOKIE_NAME,
            "value": client.cookies[settings.SESSION_COOKIE_NAME].value,
            "url": live_server.url,
        }])

    return log_in
