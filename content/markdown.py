"""Instructor Markdown to safe HTML.

Python-Markdown renders (tables, fenced code, footnotes, heading anchors); nh3 then keeps only
the tags, attributes and URL schemes listed here. Anything not listed is dropped, so a new
Markdown extension cannot widen what reaches the browser without a change to this file.
"""

from functools import lru_cache

import markdown
import nh3
from markdown.extensions.toc import slugify_unicode

ALLOWED_TAGS = {
    "a", "abbr", "blockquote", "br", "code", "dd", "del", "div", "dl", "dt", "em",
    "h1", "h2", "h3", "h4", "h5", "h6", "hr", "img", "kbd", "li", "ol", "p", "pre",
    "s", "span", "strong", "sub", "sup", "table", "tbody", "td", "tfoot", "th", "thead",
    "tr", "ul",
}
ALLOWED_ATTRIBUTES = {
    "a": {"href", "title", "id"},
    "abbr": {"title"},
    "img": {"src", "alt", "title", "width", "height"},
    "h1": {"id"}, "h2": {"id"}, "h3": {"id"}, "h4": {"id"}, "h5": {"id"}, "h6": {"id"},
    "li": {"id"},
    "sup": {"id"},
    "td": {"align"},
    "th": {"align"},
    "ol": {"start"},
}
ALLOWED_URL_SCHEMES = {"http", "https", "mailto"}
# Only the classes Markdown itself emits survive (nh3 wants `class` here, not in ATTRIBUTES).
ALLOWED_CLASSES = {
    "div": {"footnote"},
    "code": {f"language-{lang}" for lang in ("python", "sql", "json", "text", "bash", "yaml")},
}

EXTENSIONS = ["tables", "fenced_code", "footnotes", "toc", "sane_lists"]
# Unicode slugs keep anchors on Chinese headings (the default drops every CJK character).
EXTENSION_CONFIGS = {"toc": {"permalink": False, "slugify": slugify_unicode}}


@lru_cache(maxsize=2048)
def render_markdown(text: str) -> str:
    """Return sanitised HTML for `text`. Cached: lesson bodies are rendered on every view."""
    html = markdown.markdown(
        text or "", extensions=EXTENSIONS, extension_configs=EXTENSION_CONFIGS, output_format="html"
    )
    return nh3.clean(
        html,
        tags=ALLOWED_TAGS,
        attributes=ALLOWED_ATTRIBUTES,
        url_schemes=ALLOWED_URL_SCHEMES,
        allowed_classes=ALLOWED_CLASSES,
        link_rel="noopener noreferrer nofollow",
        strip_comments=True,
    )
