"""Server-drawn SVG charts: well-formed, escaped, free of anything the Content-Security-Policy
would block, and the same markup readable in a weasyprint PDF."""

import re
import shutil
import subprocess
import xml.etree.ElementTree as ET
from decimal import Decimal

import pytest
from django.utils.safestring import SafeString
from django.utils.translation import override

from communities.charts import bar_chart, grouped_bars, progress_bars, share_bar

SVG = "{http://www.w3.org/2000/svg}"
EVIL = "<script>alert(1)</script>"


@pytest.fixture(autouse=True)
def _english():
    """The numbers' wording is read in English; Chinese is the site's default."""
    with override("en"):
        yield


def parse(svg):
    assert isinstance(svg, SafeString)
    return ET.fromstring(str(svg))


def bars(root):
    return [rect for rect in root.iter(f"{SVG}rect") if rect.get("class") == "bar"]


def drawn_texts(root):
    """What the chart writes on the canvas (not the title and description for screen readers)."""
    return [text.text for text in root.iter(f"{SVG}text")]


def assert_csp_safe(svg):
    root = parse(svg)
    assert root.tag == f"{SVG}svg"
    assert root.get("width") == "100%"
    assert re.fullmatch(r"0 0 \d+(\.\d+)? \d+(\.\d+)?", root.get("viewBox"))
    assert root.get("role") == "img"
    assert root.get("aria-label")
    assert root.find(f"{SVG}title").text == root.get("aria-label")
    for element in root.iter():
        assert "style" not in element.attrib
        assert not element.tag.endswith(("script", "style", "foreignObject"))
    assert "<script" not in str(svg)


MONTHS = [("2026-01", 4), ("2026-02", 0), ("2026-03", Decimal("7")), ("2026-04", 2.5)]


def test_bar_chart_draws_a_column_per_month_with_its_value():
    svg = bar_chart(MONTHS, label="Activities per month", unit="times")
    assert_csp_safe(svg)
    root = parse(svg)
    assert len(bars(root)) == 4
    texts = drawn_texts(root)
    assert {"4", "0", "7", "2.50", "2026-01", "2026-04", "times"} <= set(texts)
    heights = [float(rect.get("height")) for rect in bars(root)]
    assert heights[2] == max(heights) and heights[1] == 0


def test_bar_chart_slants_names_when_months_crowd():
    months = [(f"2025-{month:02d}", month) for month in range(1, 13)] + [("2026-01", 3)]
    root = parse(bar_chart(months, label="Activities per month"))
    assert len(bars(root)) == 13
    slanted = [text for text in root.iter(f"{SVG}text") if text.get("transform")]
    assert len(slanted) == 13
    assert all("rotate(-45" in text.get("transform") for text in slanted)


def test_bar_chart_names_every_other_column_beyond_two_years():
    months = [(f"M{index}", index + 1) for index in range(30)]
    root = parse(bar_chart(months, label="Activities"))
    assert len(bars(root)) == 30
    names = [text for text in drawn_texts(root) if text.startswith("M")]
    assert names == [f"M{index}" for index in range(0, 30, 2)]


@pytest.mark.parametrize("series", [[], [("2026-01", 0), ("2026-02", 0)]])
def test_bar_chart_without_activity_says_so(series):
    svg = bar_chart(series, label="Activities", empty="Nothing recorded")
    assert_csp_safe(svg)
    root = parse(svg)
    assert bars(root) == []
    assert drawn_texts(root) == ["Nothing recorded"]
    assert root.find(f"{SVG}line") is not None  # the axis stays


def test_empty_text_defaults_to_the_readers_language():
    with override("en"):
        assert drawn_texts(parse(bar_chart([], label="x"))) == ["No data yet"]


def test_labels_are_escaped_and_read_as_text():
    svg = bar_chart([(EVIL, 3)], label=EVIL, unit=EVIL)
    assert_csp_safe(svg)
    root = parse(svg)
    assert root.get("aria-label") == EVIL
    assert EVIL in drawn_texts(root)
    assert "&lt;script&gt;" in str(svg)
    for chart in (
        progress_bars([(EVIL, 1, 2, EVIL)], label=EVIL),
        share_bar([(EVIL, 1, None)], label=EVIL),
        grouped_bars([EVIL], [EVIL], [[1]], label=EVIL),
    ):
        assert_csp_safe(chart)
        assert any("<script>" in text for text in drawn_texts(parse(chart)))


def test_progress_beyond_the_target_fills_the_bar_once_and_says_how_far():
    svg = progress_bars(
        [
            ("Residents taking part", 87, 100, "people"),
            ("Trees planted", Decimal("150"), 100, "trees"),
        ],
        label="Indicators",
    )
    assert_csp_safe(svg)
    root = parse(svg)
    tracks = [rect for rect in root.iter(f"{SVG}rect") if rect.get("class") == "track"]
    part, over = bars(root)
    full = float(tracks[0].get("width"))
    assert float(part.get("width")) == pytest.approx(full * 0.87, abs=0.1)
    assert float(over.get("width")) == pytest.approx(full)
    texts = drawn_texts(root)
    assert "87 / 100 people (87%)" in texts
    assert "150 / 100 trees (150%)" in texts
    assert over.get("fill") != part.get("fill")  # reaching the target shows


def test_progress_without_a_target_counts_any_progress_as_complete():
    root = parse(progress_bars([("Visits", 3, 0, ""), ("Talks", 0, 0, "")], label="Indicators"))
    assert "3 / 0 (100%)" in drawn_texts(root)
    assert "0 / 0 (0%)" in drawn_texts(root)
    done, nothing = bars(root)
    assert float(done.get("width")) > 0 and float(nothing.get("width")) == 0


def test_a_long_indicator_name_is_cut_to_leave_room_for_its_numbers():
    name = "居民参与社区花园日常养护与垃圾分类宣传活动的累计人次统计" * 2
    root = parse(progress_bars([(name, 5, 10, "人次")], label="x"))
    written = drawn_texts(root)[0]
    assert written.endswith("…") and name.startswith(written[:-1])
    assert "5 / 10 人次 (50%)" in drawn_texts(root)
    assert name in bars(root)[0].find(f"{SVG}title").text  # whole on hover


def test_no_indicators_shows_the_empty_text():
    assert drawn_texts(parse(progress_bars([], label="x", empty="None yet"))) == ["None yet"]


def test_share_bar_splits_by_count_with_percentages_adding_up_to_100():
    parts = [("Satisfied", 2, "#15803d"), ("Basically", 2, "#b45309"), ("Dissatisfied", 2, None)]
    svg = share_bar(parts, label="Satisfaction")
    assert_csp_safe(svg)
    root = parse(svg)
    assert len(bars(root)) == 3
    assert [rect.get("fill") for rect in bars(root)][:2] == ["#15803d", "#b45309"]
    assert bars(root)[2].get("fill")  # a colour from the palette
    texts = drawn_texts(root)
    assert {"Satisfied", "2 (34%)", "2 (33%)"} <= set(texts)
    legend = [text for text in texts if text.startswith("2 (")]
    assert sum(int(re.search(r"\((\d+)%", text).group(1)) for text in legend) == 100


def test_share_bar_with_no_answers_shows_the_empty_text():
    root = parse(share_bar([("Satisfied", 0, "#15803d")], label="x", empty="No answers"))
    assert bars(root) == []
    assert drawn_texts(root) == ["No answers"]


def test_grouped_bars_draw_each_series_per_community():
    svg = grouped_bars(
        ["Xingfuli", "Dongfeng", "Nanhu"],
        ["Awarded", "Spent"],
        [[Decimal("120000.00"), Decimal("83500.50")], [50000, 50000], [80000, 0]],
        label="Awarded and spent",
    )
    assert_csp_safe(svg)
    root = parse(svg)
    assert len(bars(root)) == 6
    widths = [float(rect.get("width")) for rect in bars(root)]
    assert widths[0] == max(widths) and widths[5] == 0
    assert widths[2] == widths[3]
    assert {"Xingfuli", "Awarded", "Spent", "120,000", "83,500.50", "0"} <= set(drawn_texts(root))
    fills = [rect.get("fill") for rect in bars(root)]
    assert fills[0] == fills[2] != fills[1]


def test_grouped_bars_take_the_callers_colours():
    root = parse(grouped_bars(["A"], ["x", "y"], [[1, 2]], label="c", colours=["#111", "#222"]))
    assert [rect.get("fill") for rect in bars(root)] == ["#111", "#222"]


def test_grouped_bars_without_amounts_show_the_empty_text():
    root = parse(grouped_bars(["A"], ["x"], [[0]], label="c", empty="Nothing yet"))
    assert drawn_texts(root) == ["Nothing yet"]


@pytest.mark.skipif(not shutil.which("pdftotext"), reason="poppler-utils not installed")
def test_the_same_svg_prints_its_chinese_labels_in_a_pdf(tmp_path):
    from weasyprint import HTML

    chart = share_bar(
        [("满意", 30, "#15803d"), ("基本满意", 12, "#b45309"), ("不满意", 3, "#b91c1c")],
        label="居民满意度",
    )
    html = f'<html><body><div style="width: 120mm">{chart}</div></body></html>'
    path = tmp_path / "chart.pdf"
    path.write_bytes(HTML(string=html).write_pdf())
    text = subprocess.run(
        ["pdftotext", "-enc", "UTF-8", str(path), "-"],
        capture_output=True,
        check=True,
        text=True,
        timeout=60,
    ).stdout
    flat = re.sub(r"\s+", "", text)
    assert "基本满意" in flat
    assert "30(67%)" in flat
