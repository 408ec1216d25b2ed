"""What a representative's browser posts: the application form and its three formsets."""

LINE_FIELDS = ("item", "unit_cost", "quantity", "requested", "cofunded")
INDICATOR_FIELDS = ("name", "unit", "target")


def management(prefix, total, initial=0):
    return {
        f"{prefix}-TOTAL_FORMS": str(total),
        f"{prefix}-INITIAL_FORMS": str(initial),
        f"{prefix}-MIN_NUM_FORMS": "0",
        f"{prefix}-MAX_NUM_FORMS": "1000",
    }


def rows(prefix, fields, values, existing=()):
    """`existing` rows (model instances) first, then new `values`, as a formset posts them."""
    data = management(prefix, len(existing) + len(values), len(existing))
    for index, instance in enumerate(existing):
        data[f"{prefix}-{index}-id"] = str(instance.pk)
        for name in fields:
            data[f"{prefix}-{index}-{name}"] = str(getattr(instance, name))
    for offset, row in enumerate(values):
        index = len(existing) + offset
        for name, value in zip(fields, row, strict=True):
            data[f"{prefix}-{index}-{name}"] = value
    return data


def application_data(
    communities,
    *,
    lines=(("书法用纸", "12.35", "20", "247.00", "0"), ("讲师课时费", "300", "12", "3000", "600")),
    indicators=(("开展活动", "次", "48"),),
    existing_lines=(),
    existing_indicators=(),
    **changes,
):
    data = {
        "title": "老年人书法进社区",
        "communities": [community.pk for community in communities],
        "need": "社区老年人多，缺少文化活动。",
        "goals": "每月开展四次书法活动。",
        "beneficiaries": "社区60岁以上老人",
        "beneficiary_count": "120",
        "activity_plan": "每周二下午在活动室教学。",
        **rows("lines", LINE_FIELDS, lines, existing_lines),
        **rows("indicators", INDICATOR_FIELDS, indicators, existing_indicators),
        **management("attachments", 0),
    }
    data.update(changes)
    return data
