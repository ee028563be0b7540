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
