"""Geometry of the admin's bar charts, which templates draw as inline SVG (no JavaScript).

`bar_chart` lays out groups of bars in equal bands along one axis and scales their values
along the other; the caller turns band offsets and lengths into x/y for its orientation (HR's
department summary: horizontal; quiz statistics' score distribution: vertical) and adds its
labels. Coordinates are rounded to 0.1, enough for a crisp SVG and short markup.
"""


def scale(value, maximum, length):
    """`value` on an axis where `maximum` is `length` long (None and negatives draw as 0)."""
    return round(length * max(value or 0, 0) / maximum, 1) if maximum else 0


def bar_chart(groups, *, maximum, length, start, band, gap=4, spacing=1, ticks=()):
    """Grouped bars: `groups` is [(label, [value, …])], band i spans `band` from
    `start + i * band`, its bars share it less `gap` at either end and `spacing` between them,
    and a value of `maximum` is `length` long.

    Returns {"rows": [{"label", "offset", "centre", "bars": [{"value", "offset", "thickness",
    "length"}]}], "ticks": [{"value", "at"}], "end": where the last band ends}."""
    rows = []
    for index, (label, values) in enumerate(groups):
        offset = start + index * band
        thickness = (band - 2 * gap - spacing * (len(values) - 1)) / max(len(values), 1)
        rows.append({
            "label": label, "offset": offset, "centre": round(offset + band / 2, 1),
            "bars": [
                {"value": value, "offset": round(offset + gap + i * (thickness + spacing), 1),
                 "thickness": round(thickness, 1), "length": scale(value, maximum, length)}
                for i, value in enumerate(values)
            ],
        })
    return {
        "rows": rows,
        "ticks": [{"value": tick, "at": scale(tick, maximum, length)} for tick in ticks],
        "end": start + len(rows) * band,
    }
