"""axe-core (the npm devDependency in package.json) run inside a Playwright page.

`assert_accessible(page)` injects node_modules/axe-core/axe.min.js, runs it against the WCAG
2.0, 2.1 and 2.2 level A and AA rules, and fails with one readable line per violation. Our
Content-Security-Policy refuses injected scripts: a test module using this sets
`bypass_csp` in its `browser_context_args`.
"""

from pathlib import Path

import pytest

AXE = Path(__file__).resolve().parents[2] / "node_modules" / "axe-core" / "axe.min.js"
WCAG_AA = ["wcag2a", "wcag2aa", "wcag21a", "wcag21aa", "wcag22a", "wcag22aa"]


def violations(page):
    """axe's violations on the page as it is now, WCAG 2.2 A and AA rules only."""
    if not AXE.exists():
        pytest.fail(f"{AXE} is missing: run `npm ci` in the repository root")
    if not page.evaluate("typeof window.axe !== 'undefined'"):
        page.add_script_tag(path=str(AXE))
    return page.evaluate(
        "tags => axe.run(document, {runOnly: {type: 'tag', values: tags}, resultTypes: ['violations']})"
        ".then(result => result.violations)",
        WCAG_AA,
    )


def describe(found):
    """One line per failing element: rule (impact) at its target: help, and axe's summary."""
    lines = []
    for violation in found:
        for node in violation["nodes"]:
            target = " ".join(str(part) for part in node["target"])
            summary = " ".join(line.strip() for line in (node.get("failureSummary") or "").splitlines()[1:])
            lines.append(f"{violation['id']} ({violation['impact']}) at {target}: {violation['help']}. {summary}")
    return "\n".join(lines)


def assert_accessible(page, where=""):
    found = violations(page)
    assert not found, f"axe found WCAG 2.2 AA violations on {where or page.url}:\n{describe(found)}"
