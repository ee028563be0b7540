"""Lesson search: an index of live lessons' text, and the query that reads it.

Wagtail's search backends cannot find a Chinese word inside unsegmented text (SQLite FTS5's
unicode61 tokenizer and PostgreSQL's `to_tsvector` take a run of Chinese characters as one
word), so lessons are indexed here, one `LessonSearchEntry` per live lesson, written when a
lesson is published and removed when it is unpublished (the receivers below) and rebuilt by
`load_curriculum`. A term matches as a substring of the lower-cased title or text (`LIKE`, the
same rule on both databases); SQLite's FTS5 trigram table narrows the rows first for terms of
three characters or more, PostgreSQL's pg_trgm GIN indexes serve the `LIKE` itself. Results are
ranked by how often the terms occur (in the title ten times more), counted in SQL, so only the
page of results shown is read. A search costs a fixed number of queries whatever the size of
the curriculum.
"""

import html
import re
from dataclasses import dataclass
from functools import cache

from django.db import connection, transaction
from django.dispatch import receiver
from django.utils.html import escape, strip_tags
from django.utils.safestring import mark_safe
from wagtail import blocks
from wagtail.models import Locale, Page, PageViewRestriction
from wagtail.signals import page_published, page_unpublished

from content.blocks import MarkdownBlock
from content.markdown import render_markdown

from .models import LessonPage, LessonSearchEntry

MAX_QUERY = 100  # characters of a query that are read; the rest is left out, and the page says so
MAX_TERMS = 8
MIN_TERM = 2  # one character (one Chinese character, one letter) matches nearly every lesson
RESULTS = 20
TITLE_WEIGHT = 10
SNIPPET = 90  # characters of text around the first match

# Han, kana and hangul: written without spaces, so a query's CJK run and its Latin run are
# separate terms ("SQL查询" finds "SQL 查询" too).
_CJK = "\u3040-\u30ff\u3400-\u4dbf\u4e00-\u9fff\uac00-\ud7af\uf900-\ufaff\U00020000-\U0003134f"
_TERM = re.compile(f"[{_CJK}]+|[^\\W_{_CJK}]+")
_CJK_TEXT = _CJK + "\u3000-\u303f\uff00-\uffef"  # with CJK punctuation and full-width forms
_WRAPPED_CJK = re.compile(f"(?<=[{_CJK_TEXT}])[ \\t]*\\n\\s*(?=[{_CJK_TEXT}])")  # a line break inside Chinese
_BLOCK_END = re.compile(r"</(?:p|li|h[1-6]|td|th|tr|pre|blockquote|div|dt|dd)>|<br\s*/?>", re.IGNORECASE)
_SPACES = re.compile(r"\s+")


# Indexing ------------------------------------------------------------------------------------

def html_text(fragment):
    """The text a reader sees in an HTML fragment, on one line."""
    fragment = _BLOCK_END.sub(" ", _WRAPPED_CJK.sub("", fragment))
    return _SPACES.sub(" ", html.unescape(strip_tags(fragment))).strip()


def _block_text(block, value):
    if isinstance(block, MarkdownBlock):
        return html_text(render_markdown(value))
    if isinstance(block, blocks.StructBlock):
        return _joined(_block_text(child, value.get(name)) for name, child in block.child_blocks.items())
    if isinstance(block, blocks.ListBlock):
        return _joined(_block_text(block.child_block, item) for item in value or ())
    if isinstance(block, (blocks.CharBlock, blocks.TextBlock)):
        return _SPACES.sub(" ", value or "").strip()
    return ""  # choices, images, documents, embeds: nothing a reader searches for


def _joined(parts):
    return " ".join(part for part in parts if part)


def lesson_text(lesson):
    """A lesson's summary and body as plain text."""
    return _joined([lesson.summary] + [_block_text(child.block, child.value) for child in lesson.body])


def index_lesson(lesson):
    """Write `lesson`'s entry if it is live, else remove it."""
    if not lesson.live:
        return remove_lesson(lesson)
    body = lesson_text(lesson)
    LessonSearchEntry.objects.update_or_create(
        page_id=lesson.pk, defaults={"title_folded": lesson.title.lower(), "body": body, "body_folded": body.lower()}
    )


def remove_lesson(lesson):
    LessonSearchEntry.objects.filter(page_id=lesson.pk).delete()


@transaction.atomic
def rebuild_index():
    """Index every live lesson afresh; returns how many."""
    LessonSearchEntry.objects.all().delete()
    entries = []
    for lesson in LessonPage.objects.live().iterator(chunk_size=200):
        body = lesson_text(lesson)
        entries.append(LessonSearchEntry(
            page_id=lesson.pk, title_folded=lesson.title.lower(), body=body, body_folded=body.lower()))
    LessonSearchEntry.objects.bulk_create(entries, batch_size=200)
    return len(entries)


@receiver(page_published, sender=LessonPage)
def _published(sender, instance, **kwargs):
    index_lesson(instance)


@receiver(page_unpublished, sender=LessonPage)
def _unpublished(sender, instance, **kwargs):
    remove_lesson(instance)


# Searching -----------------------------------------------------------------------------------

@dataclass(frozen=True)
class Query:
    text: str = ""  # what was searched for, at most MAX_QUERY characters
    terms: tuple = ()  # lower-cased terms, each of MIN_TERM characters or more; all must match
    shortened: bool = False  # the query was longer than MAX_QUERY (or had more than MAX_TERMS terms)
    too_short: bool = False  # something was typed, but no term of MIN_TERM characters


def parse_query(raw):
    """The terms of a search box's text: runs of letters and digits, Chinese runs apart from
    Latin ones. Punctuation and operators of any search syntax (`"`, `*`, `-`, `%`) only separate
    terms, and words like NEAR or OR are plain words."""
    raw = " ".join((raw or "")[: 4 * MAX_QUERY].split())  # a megabyte of q is not split whole
    shortened = len(raw) > MAX_QUERY
    text = raw[:MAX_QUERY]
    terms = []
    for term in _TERM.findall(text.lower()):
        if len(term) >= MIN_TERM and term not in terms:
            terms.append(term)
    shortened = shortened or len(terms) > MAX_TERMS
    return Query(text=text, terms=tuple(terms[:MAX_TERMS]), shortened=shortened, too_short=bool(text) and not terms)


def hidden_sections(request):
    """Tree paths of the private sections (Wagtail view restrictions) this request may not
    read: one query, two with group restrictions, three if the reader's groups are needed."""
    restrictions = list(
        PageViewRestriction.objects.select_related("page").only("restriction_type", "page__path")
        .prefetch_related("groups")
    )
    user_groups = None
    hidden = []
    for restriction in restrictions:
        if restriction.restriction_type == PageViewRestriction.GROUPS:
            if request.user.is_superuser:
                continue
            if user_groups is None:
                user = request.user
                user_groups = set(user.groups.values_list("pk", flat=True)) if user.is_authenticated else set()
            allowed = any(group.pk in user_groups for group in restriction.groups.all())
        else:
            allowed = restriction.accept_request(request)
        if not allowed:
            hidden.append(restriction.page.path)
    return tuple(hidden)


@dataclass
class Result:
    page: Page
    title: str  # HTML: the title with its matches marked
    snippet: str  # HTML: text around the first match, matches marked
    module: str = ""
    course: str = ""


@dataclass
class Results:
    items: list
    total: int


def search_lessons(query, *, language, hidden=()):
    """The live lessons in `language` outside the `hidden` sections that contain every term,
    most occurrences first (in the title ten times), at most RESULTS of them, and how many
    there are: two queries. The statement is SQL built once per shape (docs/decisions.md, "hot
    statements"): the ORM took longer to build it than the database to run it."""
    terms = query.terms
    fts_terms = [term for term in terms if len(term) >= 3] if connection.vendor == "sqlite" else []
    params = []
    for term in terms:
        params += [term, len(term), term, len(term)]
    params.append(language)
    params += [f"{path}%" for path in hidden]  # tree paths are letters and digits: no wildcards
    for term in terms:  # letters and digits only (parse_query), so no LIKE escapes either
        params += [f"%{term}%", f"%{term}%"]
    if fts_terms:
        params.append(" AND ".join(f'"{term}"' for term in fts_terms))  # each term an FTS5 string
    params.append(RESULTS)
    with connection.cursor() as cursor:
        cursor.execute(_statement(len(terms), len(hidden), bool(fts_terms)), params)
        rows = cursor.fetchall()
    return Results(items=_results(rows, terms), total=rows[0][-1] if rows else 0)


@cache
def _statement(terms, hidden, fts):
    qn = connection.ops.quote_name
    entry, page, locale = (qn(m._meta.db_table) for m in (LessonSearchEntry, Page, Locale))
    occurrences = "(LENGTH(e.{0}) - LENGTH(REPLACE(e.{0}, %s, ''))) / %s"
    score = " + ".join(
        f"{TITLE_WEIGHT} * {occurrences.format('title_folded')} + {occurrences.format('body_folded')}"
        for _ in range(terms)
    )
    where = ["p.live", "l.language_code = %s"]
    where += ["p.path NOT LIKE %s"] * hidden
    where += ["(e.title_folded LIKE %s OR e.body_folded LIKE %s)"] * terms
    if fts:
        where.append("e.id IN (SELECT rowid FROM courses_lessonsearch_fts WHERE courses_lessonsearch_fts MATCH %s)")
    return (
        f"SELECT p.id, p.title, p.path, p.url_path, p.depth, e.body, {score} AS score, COUNT(*) OVER () AS total"
        f" FROM {entry} e JOIN {page} p ON p.id = e.page_id JOIN {locale} l ON l.id = p.locale_id"
        f" WHERE {' AND '.join(where)} ORDER BY score DESC, p.path LIMIT %s"
    )


def _results(rows, terms):
    steplen = Page.steplen
    pages = [Page(id=id, title=title, path=path, url_path=url_path, depth=depth)
             for id, title, path, url_path, depth, *_ in rows]
    modules = {page.path[:-steplen] for page in pages}
    ancestors = modules | {path[:-steplen] for path in modules}
    titles = dict(Page.objects.filter(path__in=ancestors).values_list("path", "title")) if rows else {}
    return [
        Result(
            page=page,
            title=highlight(page.title, terms),
            snippet=snippet(row[5], terms),
            module=titles.get(page.path[:-steplen], ""),
            course=titles.get(page.path[: -2 * steplen], ""),
        )
        for page, row in zip(pages, rows)
    ]


# Highlighting --------------------------------------------------------------------------------

def _pattern(terms):
    return re.compile("|".join(re.escape(term) for term in sorted(terms, key=len, reverse=True)), re.IGNORECASE)


def _marked(text, pattern, start, end):
    out, at = [], start
    for match in pattern.finditer(text, start, end):
        out += [escape(text[at:match.start()]), "<mark>", escape(match.group()), "</mark>"]
        at = match.end()
    out.append(escape(text[at:end]))
    return "".join(out)


def highlight(text, terms):
    """`text` HTML-escaped, with each occurrence of a term in <mark>."""
    return mark_safe(_marked(text, _pattern(terms), 0, len(text))) if terms else escape(text)


def snippet(text, terms, width=SNIPPET):
    """About `width` characters of `text` around the first occurrence of a term, HTML-escaped,
    with every occurrence inside marked; the text's beginning when no term occurs in it."""
    pattern = _pattern(terms) if terms else None
    first = pattern.search(text) if pattern else None
    start = max(0, first.start() - width // 3) if first else 0
    if start:  # begin at a word, where there are words: within a few characters, after a space
        space = text.find(" ", start, first.start())
        start = space + 1 if 0 <= space < start + 15 else start
    end = min(len(text), start + width)
    if first and first.end() > end:
        end = first.end()
    if end < len(text):  # and end after a word
        space = text.rfind(" ", max(start, first.end() if first else 0), end)
        end = space if space > end - 15 else end
    body = _marked(text, pattern, start, end) if pattern else escape(text[start:end])
    return mark_safe(("…" if start else "") + body + ("…" if end < len(text) else ""))
