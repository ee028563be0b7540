import pytest
from wagtail.models import Page

from courses.models import CatalogPage, CoursePage, LessonPage, ModulePage
from tests.conftest import make_user


def test_page_types_nest_catalog_course_module_lesson(tree):
    """Courses live in a catalog, modules in courses, lessons in modules — nowhere else."""
    catalog = tree.course.get_parent().specific
    assert CatalogPage.can_create_at(Page.get_first_root_node())
    assert CoursePage.can_create_at(catalog)
    assert ModulePage.can_create_at(tree.course)
    assert LessonPage.can_create_at(tree.modules[0])
    assert not LessonPage.can_create_at(tree.course)
    assert not ModulePage.can_create_at(catalog)


def test_lesson_renders_markdown_callout_and_key_points(client, tree):
    """A lesson body's Markdown, tip and key points blocks all reach the page."""
    html = client.get(tree.lessons[0][0].url).content.decode()
    assert "<h2" in html and "Body of 课1-1" in html
    assert 'class="callout callout--tip"' in html
    assert 'class="keypoints"' in html


def test_draft_pages_are_not_shown_to_trainees(trainee_client, tree):
    """Trainees see only live pages: an unpublished lesson 404s and leaves the module list."""
    lesson = tree.lessons[0][1]
    lesson.unpublish()
    assert trainee_client.get(lesson.url).status_code == 404
    assert lesson.title not in trainee_client.get(tree.modules[0].url).content.decode()


def test_root_redirects_to_the_browsers_language(client, tree):
    """`/` sends a visitor to the language their browser asks for."""
    assert client.get("/", HTTP_ACCEPT_LANGUAGE="en-GB,en;q=0.9")["Location"] == "/en/"
    assert client.get("/", HTTP_ACCEPT_LANGUAGE="zh-CN,zh;q=0.9")["Location"] == "/zh-hans/"


def test_language_switcher_keeps_the_reader_on_the_same_page(client, tree):
    """On a lesson, the switcher links to that lesson's translation."""
    lesson = tree.lessons[1][2]
    html = client.get(lesson.url).content.decode()
    assert f'href="{tree.en(lesson).url}" hreflang="en"' in html
    assert '<html lang="zh-hans">' in html


def test_unknown_url_gets_the_sites_404_in_the_visitors_language(client, tree):
    """A missing page answers 404 with our own page, in the URL's language."""
    zh = client.get("/zh-hans/no-such-page/")
    en = client.get("/en/no-such-page/")
    assert zh.status_code == en.status_code == 404
    assert '<html lang="zh-hans">' in zh.content.decode()
    assert '<html lang="en">' in en.content.decode()
    assert "Page not found" in en.content.decode()


def test_learner_pages_send_a_content_security_policy(client, tree):
    """Learner pages forbid inline script; the admin is excluded from the policy."""
    policy = client.get(tree.lessons[0][0].url)["Content-Security-Policy"]
    assert "script-src 'self'" in policy and "unsafe-inline" not in policy


def test_anonymous_catalog_is_served_from_cache_until_a_page_is_published(client, tree, django_assert_num_queries):
    """The anonymous catalog costs no query once cached; publishing empties the cache."""
    catalog_url = tree.course.get_parent().url
    client.get(catalog_url)  # the process learns that the catalog opts in (content.middleware)
    client.get(catalog_url)  # … and stores it
    with django_assert_num_queries(0):
        assert client.get(catalog_url).status_code == 200
    tree.course.title = "Renamed course"
    tree.course.save_revision().publish()
    assert "Renamed course" in client.get(catalog_url).content.decode()


def test_logged_in_readers_never_get_the_anonymous_copy(client, tree, trainee):
    """A cached anonymous catalog is not shown to someone logged in (it has no progress)."""
    catalog_url = tree.course.get_parent().url
    client.get(catalog_url)
    client.force_login(trainee)
    assert "trainee@example.com" not in client.get(catalog_url).content.decode()
    assert trainee.get_display_name() in client.get(catalog_url).content.decode()


# Query budgets: each page is measured at two data sizes and must cost the same.
SIZES = [(1, 2, 2), (4, 5, 20)]  # modules, lessons per module, completed lessons


def _learner_with_progress(tree, completed):
    from courses import api

    user = make_user("budget@example.com")
    api.enrol_learner(user, tree.course)
    done = 0
    for lessons in tree.lessons:
        for lesson in lessons:
            if done < completed:
                api.complete_lesson(user, lesson)
                done += 1
    return user


def _page_urls(tree):
    return {
        "catalog": tree.course.get_parent().url,
        "course": tree.course.url,
        "module": tree.modules[-1].url,
        "lesson": tree.lessons[-1][-1].url,
        "dashboard": "/zh-hans/my-learning/",
    }


QUERY_BUDGET = {
    # Every course page: its route comes from the cache (content.site_cache, warmed by the
    # first get), checked by one query that also reads the view restrictions of the page and
    # its ancestors; logged in: session and user. Then the page's own reads, each a single
    # query whatever the size. The catalog: the course listing's privacy check, the listing,
    # one grouped progress aggregate, the enrolments, translations for the language switcher.
    # Below it, the course's shape and its pages' translations come from the cached outline,
    # so only the learner's own rows are read: completed lessons, assessed modules and
    # enrolments in one query.
    "catalog": 8,
    "course": 5,  # … and the course's assessments
    "module": 5,  # … its assessments (the course's parent, for the breadcrumb, stays with the outline)
    "lesson": 4,
    "dashboard": 7,  # session, user, privacy, locale, enrolled courses, completed lessons, notices
}


@pytest.mark.parametrize("name", list(QUERY_BUDGET))
@pytest.mark.parametrize("modules,lessons,completed", SIZES)
def test_page_queries_do_not_grow_with_the_data(
    client, make_tree, name, modules, lessons, completed, django_assert_num_queries
):
    """Every learner page costs exactly the same number of queries at both data sizes."""
    tree = make_tree(modules=modules, lessons=lessons, prerequisite=False)
    client.force_login(_learner_with_progress(tree, completed))
    for other in range(3 * modules):  # more learners, more rows: none of it may be read
        make_user(f"o{other}@example.com")
    url = _page_urls(tree)[name]
    client.get(url)  # warm Wagtail's site-root cache
    with django_assert_num_queries(QUERY_BUDGET[name]):
        assert client.get(url).status_code == 200


def test_a_lesson_in_a_private_module_is_served_to_a_reader_it_lets_in(client, tree, trainee):
    """A private module's lessons are left out of listings, but a reader its restriction lets in
    reads them, the lesson in its sidebar (it used to be a server error)."""
    from wagtail.models import PageViewRestriction

    PageViewRestriction.objects.create(page=tree.modules[0], restriction_type=PageViewRestriction.LOGIN)
    lesson = tree.lessons[0][1]
    assert client.get(lesson.url).status_code == 302
    client.force_login(trainee)
    response = client.get(lesson.url)
    assert response.status_code == 200 and 'aria-current="page"' in response.content.decode()
