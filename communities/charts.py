"""Small charts drawn on the server as inline SVG, so one piece of markup serves both the web page
and the PDF that weasyprint prints from the same template.

The site's Content-Security-Policy forbids scripts and inline styles, so every colour, size and
font is an SVG presentation attribute (`fill=`, `font-size=`), never `style=`. Each chart is one
`<svg>` with a viewBox and `width="100%"`: it takes its container's width and keeps its
proportions, readable on a 390 px phone and on A4. Labels arrive translated; every text is
escaped here. A view puts the returned SafeString into its template context.
"""

from decimal import ROUND_HALF_UP, Decimal
from itertools import cycle
from math import ceil

from django.utils.html import format_html, format_html_join
from django.utils.safestring import mark_safe
from django.utils.translation import gettext as _

WIDTH = 400  # viewBox units; on a 390 px phone a 12-unit text is drawn about 11 px high
MARGIN = 8
PLOT_WIDTH = WIDTH - 2 * MARGIN

# The stack of static/css/yishi.css: PingFang on Apple devices, Noto Sans CJK SC on the server
# that prints the PDFs.
FONT = "PingFang SC, Hiragino Sans GB, Noto Sans CJK SC, Microsoft YaHei, system-ui, sans-serif"

RED = "#b91c1c"  # the site's red
GREEN = "#15803d"
AMBER = "#b45309"
GREY = "#6b7280"
DARK_GREY = "#374151"
INK = "#1f2937"
MUTED = "#6b7280"
TRACK = "#e5e7eb"
AXIS = "#9ca3af"
PALETTE = (RED, GREY, GREEN, AMBER, DARK_GREY)
LONGEST_SLANTED = 90  # a column's name turned 45° is cut beyond this width


def bar_chart(series, *, label, unit="", colour=RED, empty=None):
    """Vertical columns, one per (label, value), e.g. activities per month; the value is written
    above its column, so the chart needs no y axis."""
    series = [(name, value) for name, value in series]
    amounts = [max(float(value), 0) for _name, value in series]
    peak = max(amounts, default=0)
    if peak <= 0:
        return _empty_chart(label, empty)

    count = len(series)
    label_size = 12
    longest = max(_text_width(name, label_size) for name, _value in series)
    # Names that would collide under their columns turn 45°; they then reach down and to the
    # left, so the chart makes room below and before the first column.
    crowded = count > 12 or longest > PLOT_WIDTH / count - 4
    reach = min(longest, LONGEST_SLANTED) * 0.71
    left = max(MARGIN, reach - PLOT_WIDTH / count / 2 + 2) if crowded else MARGIN
    slot = (WIDTH - MARGIN - left) / count
    bar_width = slot * 0.64
    value_size = 12 if count <= 12 else 11 if count <= 24 else 9
    every = ceil(count / 24)  # beyond 24 columns only every n-th name is written
    top = 32 if unit else 22
    plot_height = 150
    base = top + plot_height
    bottom = reach + 16 if crowded else 20

    parts = [_tag("line", x1=left, y1=base, x2=WIDTH - MARGIN, y2=base, stroke=AXIS)]
    if unit:
        parts.append(_tag("text", unit, x=left, y=14, font_size=12, fill=MUTED))
    for index, ((name, value), amount) in enumerate(zip(series, amounts, strict=True)):
        centre = left + slot * (index + 0.5)
        height = plot_height * amount / peak
        shown = format_value(value)
        parts.append(
            _tag(
                "rect",
                _tag("title", f"{name}: {_with_unit(shown, unit)}"),
                class_="bar",
                x=centre - bar_width / 2,
                y=base - height,
                width=bar_width,
                height=height,
                fill=colour,
            )
        )
        parts.append(
            _tag(
                "text",
                shown,
                x=centre,
                y=base - height - 4,
                font_size=value_size,
                text_anchor="middle",
            )
        )
        if index % every:
            continue
        if crowded:
            parts.append(
                _tag(
                    "text",
                    _truncate(name, label_size, LONGEST_SLANTED),
                    x=centre,
                    y=base + 12,
                    font_size=label_size,
                    fill=MUTED,
                    text_anchor="end",
                    transform=f"rotate(-45 {_number(centre)} {_number(base + 12)})",
                )
            )
        else:
            parts.append(
                _tag(
                    "text",
                    name,
                    x=centre,
                    y=base + 15,
                    font_size=label_size,
                    fill=MUTED,
                    text_anchor="middle",
                )
            )
    summary = "; ".join(f"{name}: {_with_unit(format_value(v), unit)}" for name, v in series)
    return _svg(label, base + bottom, parts, summary)


def progress_bars(rows, *, label, empty=None):
    """One horizontal bar per (label, actual, target, unit), e.g. an indicator's readings against
    its target. Past the target the bar stops full and turns green; the text keeps the real
    percentage (150%), which is the news."""
    rows = list(rows)
    if not rows:
        return _empty_chart(label, empty)

    row_height = 46
    parts = []
    summary = []
    for index, (name, actual, target, unit) in enumerate(rows):
        top = index * row_height + 6
        percent = progress_percent(actual, target)
        text = _("%(actual)s / %(target)s %(unit)s (%(percent)s%%)") % {
            "actual": format_value(actual),
            "target": format_value(target),
            "unit": unit,
            "percent": percent,
        }
        text = " ".join(text.split())  # no double space when there is no unit
        room = PLOT_WIDTH - _text_width(text, 12) - 12
        filled = PLOT_WIDTH * min(max(percent, 0), 100) / 100
        parts.extend(
            [
                _tag("text", _truncate(name, 13, room), x=MARGIN, y=top + 14, font_size=13),
                _tag(
                    "text",
                    text,
                    x=WIDTH - MARGIN,
                    y=top + 14,
                    font_size=12,
                    fill=MUTED,
                    text_anchor="end",
                ),
                _tag(
                    "rect",
                    class_="track",
                    x=MARGIN,
                    y=top + 22,
                    width=PLOT_WIDTH,
                    height=12,
                    rx=2,
                    fill=TRACK,
                ),
                _tag(
                    "rect",
                    _tag("title", f"{name}: {text}"),
                    class_="bar",
                    x=MARGIN,
                    y=top + 22,
                    width=filled,
                    height=12,
                    rx=2,
                    fill=GREEN if percent >= 100 else RED,
                ),
            ]
        )
        summary.append(f"{name}: {text}")
    return _svg(label, len(rows) * row_height + 6, parts, "; ".join(summary))


def share_bar(parts, *, label, empty=None):
    """One bar split by (label, count, colour), e.g. satisfied / basically satisfied /
    dissatisfied, with a legend of counts and percentages that add up to 100."""
    parts = [(name, count, colour) for name, count, colour in parts]
    counts = [max(float(count), 0) for _name, count, _colour in parts]
    total = sum(counts)
    if total <= 0:
        return _empty_chart(label, empty)

    percents = _whole_percents(counts)
    colours = _colours([colour for _name, _count, colour in parts])
    bar_top, bar_height, line = 6, 28, 22
    elements = []
    legends = []
    x = MARGIN
    for (name, count, _colour), amount, percent, colour in zip(
        parts, counts, percents, colours, strict=True
    ):
        width = PLOT_WIDTH * amount / total
        numbers = _("%(count)s (%(percent)s%%)") % {
            "count": format_value(count),
            "percent": percent,
        }
        elements.append(
            _tag(
                "rect",
                _tag("title", f"{name}: {numbers}"),
                class_="bar",
                x=x,
                y=bar_top,
                width=width,
                height=bar_height,
                fill=colour,
            )
        )
        if width >= _text_width(f"{percent}%", 12) + 6:
            elements.append(
                _tag(
                    "text",
                    f"{percent}%",
                    x=x + width / 2,
                    y=bar_top + 19,
                    font_size=12,
                    fill="#ffffff",
                    text_anchor="middle",
                )
            )
        x += width
        legends.append(numbers)

    legend_top = bar_top + bar_height + 10
    for index, ((name, _count, _colour), colour, numbers) in enumerate(
        zip(parts, colours, legends, strict=True)
    ):
        y = legend_top + index * line
        elements.extend(
            [
                _tag("rect", class_="swatch", x=MARGIN, y=y + 2, width=12, height=12, fill=colour),
                _tag("text", name, x=MARGIN + 18, y=y + 13, font_size=13),
                _tag(
                    "text",
                    numbers,
                    x=WIDTH - MARGIN,
                    y=y + 13,
                    font_size=12,
                    fill=MUTED,
                    text_anchor="end",
                ),
            ]
        )
    height = legend_top + len(parts) * line
    names = [name for name, _count, _colour in parts]
    summary = "; ".join(f"{n}: {numbers}" for n, numbers in zip(names, legends, strict=True))
    return _svg(label, height, elements, summary)


def grouped_bars(categories, series_names, values, *, label, colours=None, empty=None):
    """Horizontal bars grouped by category, one per series, e.g. per community the amount
    awarded beside the amount spent; `values[i][j]` is category i in series j. Horizontal
    because community names and sums of money are long."""
    categories = list(categories)
    series_names = list(series_names)
    values = [list(row) for row in values]
    amounts = [[max(float(value), 0) for value in row] for row in values]
    peak = max((amount for row in amounts for amount in row), default=0)
    if not categories or not series_names or peak <= 0:
        return _empty_chart(label, empty)

    colours = _colours(colours or [None] * len(series_names))
    elements, y = _legend(series_names, colours)
    shown = [[format_value(value) for value in row] for row in values]
    value_room = max(_text_width(text, 12) for row in shown for text in row) + 6
    bar_height, gap = 12, 4
    summary = []
    for name, amount_row, text_row in zip(categories, amounts, shown, strict=True):
        elements.append(_tag("text", _truncate(name, 13, PLOT_WIDTH), x=MARGIN, y=y + 13))
        y += 20
        for series, amount, text, colour in zip(
            series_names, amount_row, text_row, colours, strict=True
        ):
            width = (PLOT_WIDTH - value_room) * amount / peak
            elements.append(
                _tag(
                    "rect",
                    _tag("title", f"{name}, {series}: {text}"),
                    class_="bar",
                    x=MARGIN,
                    y=y,
                    width=width,
                    height=bar_height,
                    fill=colour,
                )
            )
            elements.append(_tag("text", text, x=MARGIN + width + 4, y=y + 10, font_size=12))
            y += bar_height + gap
        y += 8
        summary.append(
            f"{name}: " + ", ".join(f"{s} {t}" for s, t in zip(series_names, text_row, strict=True))
        )
    return _svg(label, y, elements, "; ".join(summary))


def format_value(value):
    """A number as people write it: 12000 → "12,000", Decimal("83500.50") → "83,500.50" (sums
    of money are the usual fractions), 2.0 → "2"."""
    number = Decimal(str(value)).quantize(Decimal("0.01"), rounding=ROUND_HALF_UP)
    if number == number.to_integral_value():
        return f"{number:,.0f}"
    return f"{number:,.2f}"


def progress_percent(actual, target):
    """Whole percent of the target reached; with no target, any progress counts as all of it."""
    actual, target = Decimal(str(actual)), Decimal(str(target))
    if target <= 0:
        return 100 if actual > 0 else 0
    return int((actual * 100 / target).quantize(Decimal(1), rounding=ROUND_HALF_UP))


def _whole_percents(counts):
    """Whole percentages that add up to 100 (largest remainder), so a legend never reads 99%."""
    total = sum(counts)
    exact = [count * 100 / total for count in counts]
    whole = [int(share) for share in exact]
    by_remainder = sorted(range(len(exact)), key=lambda i: exact[i] - whole[i], reverse=True)
    for index in by_remainder[: 100 - sum(whole)]:
        whole[index] += 1
    return whole


def _legend(names, colours):
    """Swatches and names in a row, wrapping onto a new line when the width is used up."""
    elements, x, y = [], MARGIN, 4
    for name, colour in zip(names, colours, strict=True):
        width = 18 + _text_width(str(name), 12)
        if x > MARGIN and x + width > WIDTH - MARGIN:
            x, y = MARGIN, y + 20
        elements.append(
            _tag("rect", class_="swatch", x=x, y=y + 2, width=12, height=12, fill=colour)
        )
        elements.append(_tag("text", name, x=x + 18, y=y + 13, font_size=12))
        x += width + 16
    return elements, y + 28


def _colours(chosen):
    """The caller's colours, the palette's where none was given."""
    palette = cycle(PALETTE)
    return [colour or next(palette) for colour in chosen]


def _empty_chart(label, empty):
    text = empty if empty is not None else _("No data yet")
    parts = [
        _tag("line", x1=MARGIN, y1=60, x2=WIDTH - MARGIN, y2=60, stroke=AXIS),
        _tag("text", text, x=WIDTH / 2, y=40, font_size=13, fill=MUTED, text_anchor="middle"),
    ]
    return _svg(label, 72, parts, text)


def _svg(label, height, parts, summary):
    return format_html(
        '<svg xmlns="http://www.w3.org/2000/svg" class="chart" viewBox="0 0 {} {}"'
        ' width="100%" role="img" aria-label="{}" font-family="{}" font-size="13" fill="{}">'
        "<title>{}</title><desc>{}</desc>{}</svg>",
        WIDTH,
        _number(height),
        label,
        FONT,
        INK,
        label,
        summary,
        mark_safe("".join(parts)),  # each part was built by format_html
    )


def _tag(name, content="", **attributes):
    """One SVG element; `font_size` becomes `font-size`, `class_` becomes `class`."""
    attributes = format_html_join(
        "",
        ' {}="{}"',
        (
            (key.rstrip("_").replace("_", "-"), _number(value))
            for key, value in attributes.items()
            if value is not None
        ),
    )
    if content == "":
        return format_html("<{}{}/>", name, attributes)
    return format_html("<{}{}>{}</{}>", name, attributes, content, name)


def _number(value):
    """Coordinates to one decimal: short markup, no visible difference."""
    if isinstance(value, float):
        return f"{value:.1f}".rstrip("0").rstrip(".")
    return value


def _with_unit(text, unit):
    return f"{text} {unit}" if unit else text


def _text_width(text, size):
    """Roughly how wide a text draws: Chinese characters are square, Latin about half."""
    return sum(size if ord(char) >= 0x2E80 else size * 0.6 for char in str(text))


def _truncate(text, size, room):
    """The text cut with an ellipsis to fit `room`; the bar's title keeps it whole."""
    text = str(text)
    if _text_width(text, size) <= room:
        return text
    while text and _text_width(text, size) + size > room:
        text = text[:-1]
    return text + "…"
