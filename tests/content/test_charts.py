"""Bar chart geometry shared by the admin's SVG charts."""

from content.charts import bar_chart, scale


def test_groups_share_their_band_and_values_scale_to_the_maximum():
    chart = bar_chart([("a", [50, None]), ("b", [100, 25])], maximum=100, length=400, start=20, band=30,
                      ticks=(0, 50, 100))
    first, second = chart["rows"]
    assert (first["offset"], first["centre"], second["offset"], chart["end"]) == (20, 35.0, 50, 80)
    assert [(b["offset"], b["thickness"], b["length"]) for b in first["bars"]] == [(24.0, 10.5, 200.0), (35.5, 10.5, 0)]
    assert [b["length"] for b in second["bars"]] == [400.0, 100.0]
    assert chart["ticks"] == [{"value": 0, "at": 0.0}, {"value": 50, "at": 200.0}, {"value": 100, "at": 400.0}]


def test_an_empty_axis_draws_nothing():
    assert scale(5, 0, 100) == 0 and scale(-3, 10, 100) == 0.0
    assert bar_chart([], maximum=1, length=10, start=0, band=5)["rows"] == []
