"""`render_markdown`: the Markdown feature set works and no known XSS vector survives.

The XSS checks parse the rendered HTML with `html.parser` (which decodes entities in attribute
values the way a browser does) and inspect every tag and attribute, instead of matching
substrings: `&lt;script&gt;` in text is harmless, `<a href="&#106;avascript:...">` is not.
The safe sets below are written out here rather than imported from `content.markdown`, so
widening the module's allow-list makes these tests fail until someone looks at it.
"""

import re
from html.parser import HTMLParser

import pytest

from content.markdown import render_markdown

SAFE_TAGS = {
    "a", "abbr", "blockquote", "br", "code", "dd", "del", "div", "dl", "dt", "em",
    "h1", "h2", "h3", "h4", "h5", "h6", "hr", "img", "kbd", "li", "ol", "p", "pre",
    "s", "span", "strong", "sub", "sup", "table", "tbody", "td", "tfoot", "th", "thead",
    "tr", "ul",
}
SAFE_ATTRIBUTES = {"href", "src", "alt", "title", "id", "class", "rel", "width", "height", "align", "start"}
FORBIDDEN_TAGS = {
    "script", "style", "iframe", "frame", "frameset", "object", "embed", "applet", "form",
    "input", "button", "textarea", "select", "svg", "math", "base", "meta", "link", "noscript",
    "template", "xmp", "noembed", "plaintext", "video", "audio", "source", "body", "html",
}
SAFE_SCHEMES = {"http", "https", "mailto"}
DANGEROUS_SCHEMES = {"javascript", "data", "vbscript"}
URL_ATTRIBUTES = {"href", "src", "action", "formaction", "data", "srcset", "background", "xlink:href"}

# Browsers ignore ASCII whitespace and control characters anywhere in a scheme ("jav\tascript:").
_IGNORED_IN_SCHEME = re.compile(r"[\x00-\x20\x7f]")
_SCHEME = re.compile(r"^([a-z][a-z0-9+.\-]*):")


class _TagCollector(HTMLParser):
    """Collects every start tag as `(tag, [(attribute, value), ...])`, values entity-decoded."""

    def __init__(self):
        super().__init__(convert_charrefs=True)
        self.tags = []

    def handle_starttag(self, tag, attrs):
        self.tags.append((tag, attrs))


def parse_tags(html):
    parser = _TagCollector()
    parser.feed(html)
    parser.close()
    return parser.tags


def url_scheme(value):
    """The scheme a browser would see in `value`, lowercased; None for a relative URL."""
    match = _SCHEME.match(_IGNORED_IN_SCHEME.sub("", value or "").lower())
    return match.group(1) if match else None


XSS_VECTORS = [
    # <script> and its disguises
    pytest.param("<script>alert(1)</script>", id="script"),
    pytest.param("<ScRiPt>alert(1)</sCrIpT>", id="script-mixed-case"),
    pytest.param('<SCRIPT SRC="https://xss.rocks/xss.js"></SCRIPT>', id="script-src"),
    pytest.param('<SCRIPT/XSS SRC="https://xss.rocks/xss.js"></SCRIPT>', id="script-slash-attr"),
    pytest.param('<<SCRIPT>alert("XSS");//\\<</SCRIPT>', id="script-double-open"),
    pytest.param("<SCRIPT SRC=https://xss.rocks/xss.js?< B >", id="script-unclosed"),
    pytest.param("<scr<script>ipt>alert(1)</scr</script>ipt>", id="script-split"),
    pytest.param('<IMG """><SCRIPT>alert("XSS")</SCRIPT>">', id="script-after-malformed-img"),
    pytest.param("Text\n\n<script>\nalert(1)\n</script>\n\nmore", id="script-html-block"),
    # event handlers
    pytest.param("<img src=x onerror=alert(1)>", id="img-onerror"),
    pytest.param('<IMG SRC=/ onerror="alert(String.fromCharCode(88,83,83))"></img>', id="img-onerror-upper"),
    pytest.param("<img src=x:alert(alt) onerror=eval(src) alt=0>", id="img-onerror-eval-src"),
    pytest.param("<img/src=x/onerror=alert(1)>", id="img-slash-separators"),
    pytest.param("<img src=x onerror=alert(1)//", id="img-unclosed"),
    pytest.param('<a href="https://example.com" onclick="alert(1)">x</a>', id="a-onclick"),
    pytest.param('<p onmouseover="alert(1)">hover</p>', id="p-onmouseover"),
    pytest.param("<h2 onclick=alert(1)>Heading</h2>", id="allowed-tag-onclick"),
    pytest.param("<body onload=alert(1)>", id="body-onload"),
    pytest.param("<input autofocus onfocus=alert(1)>", id="input-autofocus-onfocus"),
    pytest.param("<details open ontoggle=alert(1)>x</details>", id="details-ontoggle"),
    pytest.param("<video><source onerror=alert(1)></video>", id="video-source-onerror"),
    pytest.param("<audio src=x onerror=alert(1)>", id="audio-onerror"),
    pytest.param("<marquee onstart=alert(1)>x</marquee>", id="marquee-onstart"),
    pytest.param("<xss onmouseover=alert(1) style=display:block>x</xss>", id="custom-tag-handler"),
    # SVG and MathML
    pytest.param("<svg onload=alert(1)>", id="svg-onload"),
    pytest.param("<svg/onload=alert(1)>", id="svg-slash-onload"),
    pytest.param("<svg><script>alert(1)</script></svg>", id="svg-script"),
    pytest.param('<svg><a xlink:href="javascript:alert(1)"><text x="20" y="20">x</text></a></svg>', id="svg-xlink"),
    pytest.param("<svg><animate onbegin=alert(1) attributeName=x dur=1s>", id="svg-animate-onbegin"),
    pytest.param('<svg><use href="data:image/svg+xml;base64,PHN2Zz48L3N2Zz4=#x"></use></svg>', id="svg-use-data"),
    pytest.param('<math><a xlink:href="javascript:alert(1)">x</a></math>', id="math-xlink"),
    pytest.param("<math><mtext><table><mglyph><style><img src=x onerror=alert(1)>", id="mxss-math-mglyph-style"),
    pytest.param(
        '<math><mtext><table><mglyph><style><!--</style><img title="--&gt;&lt;/mglyph&gt;'
        '&lt;img&Tab;src=1&Tab;onerror=alert(1)&gt;">',
        id="mxss-dompurify-comment",
    ),
    pytest.param('<svg></p><style><a id="</style><img src=1 onerror=alert(1)>">', id="mxss-svg-style"),
    pytest.param(
        "<form><math><mtext></form><form><mglyph><style></math><img src onerror=alert(1)>",
        id="mxss-nested-form",
    ),
    # frames, plugins, forms
    pytest.param('<iframe src="javascript:alert(1)"></iframe>', id="iframe-javascript"),
    pytest.param('<iframe srcdoc="<script>alert(1)</script>"></iframe>', id="iframe-srcdoc"),
    pytest.param('<object data="javascript:alert(1)"></object>', id="object-data"),
    pytest.param('<embed src="data:text/html;base64,PHNjcmlwdD5hbGVydCgxKTwvc2NyaXB0Pg==">', id="embed-data"),
    pytest.param('<form action="javascript:alert(1)"><input type=submit></form>', id="form-action"),
    pytest.param('<form><button formaction="javascript:alert(1)">x</button></form>', id="button-formaction"),
    pytest.param('<isindex action="javascript:alert(1)" type=image>', id="isindex-action"),
    # javascript:, data:, vbscript: in raw HTML
    pytest.param('<a href="javascript:alert(1)">x</a>', id="a-javascript"),
    pytest.param("<a href=JaVaScRiPt:alert(1)>x</a>", id="a-javascript-mixed-case"),
    pytest.param('<a href="jav&#x09;ascript:alert(1)">x</a>', id="a-javascript-tab-entity"),
    pytest.param('<a href="jav&#x0A;ascript:alert(1)">x</a>', id="a-javascript-newline-entity"),
    pytest.param('<a href="jav\tascript:alert(1)">x</a>', id="a-javascript-literal-tab"),
    pytest.param('<a href=" &#14;  javascript:alert(1)">x</a>', id="a-javascript-leading-control"),
    pytest.param('<a href="javascript&colon;alert(1)">x</a>', id="a-javascript-named-colon"),
    pytest.param(
        '<a href="&#x6A;&#x61;&#x76;&#x61;&#x73;&#x63;&#x72;&#x69;&#x70;&#x74;&#x3A;alert(1)">x</a>',
        id="a-javascript-hex-entities",
    ),
    pytest.param(
        '<a href="&#0000106&#0000097&#0000118&#0000097&#0000115&#0000099&#0000114'
        '&#0000105&#0000112&#0000116&#0000058alert(1)">x</a>',
        id="a-javascript-padded-decimal-no-semicolons",
    ),
    pytest.param("<IMG SRC=JaVaScRiPt:alert('XSS')>", id="img-javascript"),
    pytest.param('<img src="jav&#x09;ascript:alert(1)">', id="img-javascript-tab-entity"),
    pytest.param('<img srcset="javascript:alert(1)">', id="img-srcset"),
    pytest.param('<a href="data:text/html;base64,PHNjcmlwdD5hbGVydCgxKTwvc2NyaXB0Pg==">x</a>', id="a-data-html"),
    pytest.param('<img src="data:image/svg+xml;base64,PHN2ZyBvbmxvYWQ9YWxlcnQoMSk+">', id="img-data-svg"),
    pytest.param('<a href="vbscript:msgbox(1)">x</a>', id="a-vbscript"),
    pytest.param('<table background="javascript:alert(1)"><tr><td>x</td></tr></table>', id="table-background"),
    # the same through Markdown syntax
    pytest.param("[x](javascript:alert(1))", id="md-link-javascript"),
    pytest.param("[x](JaVaScRiPt:alert(1))", id="md-link-javascript-mixed-case"),
    pytest.param("[x](<javascript:alert(1)>)", id="md-link-javascript-angle"),
    pytest.param('[x](javascript:alert(1) "title")', id="md-link-javascript-title"),
    pytest.param("[x](&#x6A;avascript:alert(1))", id="md-link-javascript-entity"),
    pytest.param("[x](javascript&#58;alert(1))", id="md-link-javascript-colon-entity"),
    pytest.param("[x](data:text/html;base64,PHNjcmlwdD5hbGVydCgxKTwvc2NyaXB0Pg==)", id="md-link-data"),
    pytest.param("[x](vbscript:msgbox(1))", id="md-link-vbscript"),
    pytest.param("![x](javascript:alert(1))", id="md-image-javascript"),
    pytest.param("![x](data:image/svg+xml;base64,PHN2ZyBvbmxvYWQ9YWxlcnQoMSk+)", id="md-image-data"),
    pytest.param("[x][evil]\n\n[evil]: javascript:alert(1)", id="md-reference-link-javascript"),
    pytest.param("![x][evil]\n\n[evil]: data:text/html,alert(1)", id="md-reference-image-data"),
    pytest.param("<javascript:alert(1)>", id="md-autolink-javascript"),
    pytest.param(
        "| a | b |\n|---|---|\n| <img src=x onerror=alert(1)> | [x](javascript:alert(1)) |",
        id="md-table-cell",
    ),
    pytest.param("Footnote[^1]\n\n[^1]: <script>alert(1)</script> [x](javascript:alert(1))", id="md-footnote"),
    pytest.param("## <img src=x onerror=alert(1)>", id="md-heading-html"),
    # style injection
    pytest.param("<style>body{background:url(javascript:alert(1))}</style>", id="style-tag"),
    pytest.param("<style>@import 'https://evil.example/x.css';</style>", id="style-import"),
    pytest.param('<p style="background:url(javascript:alert(1))">x</p>', id="style-attr-url"),
    pytest.param('<div style="width: expression(alert(1))">x</div>', id="style-attr-expression"),
    pytest.param('<span style="position:fixed;top:0;left:0;width:100%;height:100%">x</span>', id="style-attr-overlay"),
    # document-level tags
    pytest.param('<base href="javascript:alert(1)//">', id="base-href"),
    pytest.param('<meta http-equiv="refresh" content="0;url=javascript:alert(1)">', id="meta-refresh"),
    pytest.param('<link rel="import" href="https://evil.example/x.html">', id="link-import"),
    pytest.param('<link rel="stylesheet" href="javascript:alert(1)">', id="link-stylesheet"),
    # comments, raw-text elements and mutation XSS
    pytest.param("<!--<script>alert(1)</script>-->", id="comment"),
    pytest.param("<!--[if gte IE 4]><script>alert(1)</script><![endif]-->", id="conditional-comment"),
    pytest.param("<!-- --!><img src=x onerror=alert(1)> -->", id="comment-bang-close"),
    pytest.param('<noscript><p title="</noscript><img src=x onerror=alert(1)>">', id="mxss-noscript"),
    pytest.param('<xmp><p title="</xmp><img src=x onerror=alert(1)>">', id="mxss-xmp"),
    pytest.param("<textarea><img src=x onerror=alert(1)></textarea>", id="textarea"),
    pytest.param("<title><img src=x onerror=alert(1)></title>", id="title"),
    pytest.param("<template><script>alert(1)</script></template>", id="template"),
    pytest.param('<div><a href="javascript:alert(1)"><b><i>x', id="nested-unclosed"),
    pytest.param("<a href='javascript:alert(1)'", id="unterminated-tag"),
]


@pytest.mark.parametrize("source", XSS_VECTORS)
def test_xss_vector_is_neutralised(source):
    """No script, handler, dangerous URL, style or non-allow-listed tag survives rendering."""
    html = render_markdown(source)
    for tag, attrs in parse_tags(html):
        assert tag in SAFE_TAGS, f"<{tag}> survived in {html!r}"
        assert tag not in FORBIDDEN_TAGS, f"<{tag}> survived in {html!r}"
        for name, value in attrs:
            assert not name.startswith("on"), f"{name}= survived on <{tag}> in {html!r}"
            assert name != "style", f"style= survived on <{tag}> in {html!r}"
            assert name in SAFE_ATTRIBUTES, f"{name}= survived on <{tag}> in {html!r}"
            if name in URL_ATTRIBUTES:
                scheme = url_scheme(value)
                assert scheme not in DANGEROUS_SCHEMES, f"{name}={value!r} survived in {html!r}"
                assert scheme is None or scheme in SAFE_SCHEMES, f"{name}={value!r} survived in {html!r}"


def test_vector_list_is_large_enough():
    """The issue asks for at least 30 known vectors; we keep well over 40."""
    assert len(XSS_VECTORS) >= 40


@pytest.mark.parametrize(
    ("value", "scheme"),
    [
        ("https://example.com", "https"),
        ("jav\tascript:alert(1)", "javascript"),
        (" \x0e JaVaScRiPt:alert(1)", "javascript"),
        ("DATA:text/html,x", "data"),
        ("/relative/path", None),
        ("#fn:1", None),
    ],
)
def test_url_scheme_sees_through_whitespace_and_case(value, scheme):
    """The checker itself normalises a URL the way a browser does before reading its scheme."""
    assert url_scheme(value) == scheme


def test_javascript_link_loses_its_href():
    """A javascript: link keeps its text but loses its href."""
    [(tag, attrs)] = [t for t in parse_tags(render_markdown("[click](javascript:alert(1))")) if t[0] == "a"]
    assert "href" not in dict(attrs)


def test_tables_render():
    """A pipe table renders as <table> with a header row and body cells."""
    html = render_markdown("| Metric | Value |\n|---|---:|\n| DAU | 1200 |")
    tags = [tag for tag, _ in parse_tags(html)]
    assert {"table", "thead", "tbody", "tr", "th", "td"} <= set(tags)
    assert "<td align=\"right\">1200</td>" in html


def test_fenced_code_keeps_language_class():
    """A fenced block renders as <pre><code class="language-python"> with its code escaped."""
    html = render_markdown("```python\nif a < b:\n    print('hi')\n```")
    assert html.startswith('<pre><code class="language-python">')
    assert "if a &lt; b:" in html


def test_unknown_code_language_loses_its_class():
    """A language outside the class allow-list renders as plain <code>."""
    html = render_markdown("```evil onclick=alert(1)\nx\n```")
    for _tag, attrs in parse_tags(html):
        assert "class" not in dict(attrs)


def test_footnotes_render():
    """A footnote reference links to a footnote list inside <div class="footnote">."""
    html = render_markdown("Retention matters.[^1]\n\n[^1]: Measured weekly.")
    tags = parse_tags(html)
    assert ("sup", [("id", "fnref:1")]) in tags
    assert ("div", [("class", "footnote")]) in tags
    assert ("li", [("id", "fn:1")]) in tags
    assert "Measured weekly." in html


def test_headings_get_ids():
    """Headings get slug ids for in-page anchors."""
    tags = parse_tags(render_markdown("## Getting started"))
    assert tags == [("h2", [("id", "getting-started")])]


def test_chinese_heading_gets_non_empty_id():
    """A Chinese heading keeps a non-empty anchor id (unicode slugs, not ASCII-only)."""
    [(tag, attrs)] = parse_tags(render_markdown("## 用户留存"))
    assert tag == "h2"
    assert dict(attrs)["id"] == "用户留存"


def test_https_link_keeps_href_and_gets_rel():
    """An ordinary https link keeps its href and gets rel="noopener noreferrer nofollow"."""
    [(tag, attrs)] = [t for t in parse_tags(render_markdown("[docs](https://example.com/a?b=1)")) if t[0] == "a"]
    assert dict(attrs) == {"href": "https://example.com/a?b=1", "rel": "noopener noreferrer nofollow"}


@pytest.mark.parametrize("href", ["/courses/ops/", "#fn:1", "../lesson-2/", "?tab=quiz"])
def test_relative_link_keeps_href(href):
    """Relative, fragment and query-only links (including footnote anchors) keep their href."""
    [(_tag, attrs)] = [t for t in parse_tags(render_markdown(f"[next]({href})")) if t[0] == "a"]
    assert dict(attrs)["href"] == href


def test_mailto_link_keeps_href():
    """A mailto: link is allowed."""
    [(_tag, attrs)] = [t for t in parse_tags(render_markdown("<mailto:ops@example.com>")) if t[0] == "a"]
    assert url_scheme(dict(attrs)["href"]) == "mailto"


def test_https_image_survives():
    """An image with an https src keeps its src and alt."""
    html = render_markdown("![漏斗图](https://example.com/funnel.png)")
    [(_tag, attrs)] = [t for t in parse_tags(html) if t[0] == "img"]
    assert dict(attrs) == {"src": "https://example.com/funnel.png", "alt": "漏斗图"}


def test_chinese_text_passes_through_unchanged():
    """Chinese prose is neither escaped nor altered."""
    text = "提高用户留存率的三个方法：拉新、促活、召回。"
    assert render_markdown(text) == f"<p>{text}</p>"


def test_second_call_is_cached_and_identical():
    """A second call returns the same HTML, served from the cache."""
    source = "# Cached 缓存\n\nSome *text* for the cache test."
    first = render_markdown(source)
    hits = render_markdown.cache_info().hits
    second = render_markdown(source)
    assert second == first
    assert render_markdown.cache_info().hits == hits + 1


@pytest.mark.parametrize("empty", ["", None, "   \n\n  "])
def test_empty_input_renders_empty_string(empty):
    """Empty (or None, or whitespace-only) input renders as the empty string."""
    assert render_markdown(empty) == ""
