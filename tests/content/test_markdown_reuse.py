"""`render_markdown` reuses one Markdown parser per thread (content/markdown.py): nothing a
text leaves in it (heading anchors, footnotes, list state) reaches the next text."""

import markdown

from content.markdown import EXTENSION_CONFIGS, EXTENSIONS, _parser, render_markdown

TEXTS = [
    "# 标题\n\n# 标题\n\n## Steps",
    "See the note[^1].\n\n[^1]: A footnote.",
    "Another[^1] and[^n].\n\n[^1]: One.\n[^n]: Two.",
    "# 标题",
    "| a | b |\n|:-|-:|\n| 1 | 2 |",
    "```sql\nSELECT 1;\n```",
    "3. three\n4. four",
    "<script>alert(1)</script>[x](javascript:alert(1))",
]


def test_each_text_renders_as_a_fresh_parser_would_whatever_came_before():
    for text in TEXTS * 2:
        fresh = markdown.markdown(text, extensions=EXTENSIONS, extension_configs=EXTENSION_CONFIGS,
                                  output_format="html")
        assert _parser().reset().convert(text) == fresh


def test_a_repeated_heading_gets_the_same_anchor_each_time():
    render_markdown.cache_clear()
    first = render_markdown("# 标题\n\n# 标题")
    render_markdown("# 标题")
    render_markdown.cache_clear()
    assert render_markdown("# 标题\n\n# 标题") == first == '<h1 id="标题">标题</h1>\n<h1 id="标题_1">标题</h1>'


def _through_the_parser(text):
    import nh3

    from content import markdown as md

    return nh3.clean(_parser().reset().convert(text), tags=md.ALLOWED_TAGS, attributes=md.ALLOWED_ATTRIBUTES,
                     url_schemes=md.ALLOWED_URL_SCHEMES, allowed_classes=md.ALLOWED_CLASSES,
                     link_rel="noopener noreferrer nofollow", attribute_filter=md._drop_disguised_schemes,
                     strip_comments=True)


PLAIN_OR_NOT = [
    "落地页有 1,234 位访客、56 笔订单，转化率（%）是多少？",  # a calculated stem: plain
    "Growth rate from 80,000 to 92,000 (%)?", "Version 2. Then C# and a = b + c: ok", "e-mail: a@b.c",
    "1. a list", "12) not a list", "- item", "+ item", "# heading", "> quote", "    code", "=", "a  ",
    "**bold**", "a_b_c", "[link](x)", "<b>x</b>", "a & b", "a < b", 'say "hi"', "it's", "x\ty", "a\nb",
    "a\u00a0b", "a\u3000b", "a\u2028b", "~~~", "`x`", "a\\*b", "![i](x)", "| a |", "",
]


def test_plain_lines_skip_the_parser_and_come_out_as_it_would_give_them():
    """A line with nothing for Markdown or the sanitiser to act on is wrapped in a paragraph
    without the parser (a calculated stem is rendered per attempt); every line, plain or not,
    renders exactly as the parser and nh3 give it."""
    for text in PLAIN_OR_NOT:
        assert render_markdown.__wrapped__(text) == _through_the_parser(text), text
    assert render_markdown.__wrapped__(PLAIN_OR_NOT[0]) == f"<p>{PLAIN_OR_NOT[0]}</p>"
