"""Glue between stored responses and the pure SVG progress chart."""

from __future__ import annotations

from sotclinic.measures import Change, Instrument
from sotclinic.outcomes.models import Response


def chart_for(inst: Instrument, responses: list[Response], delta: Change | None) -> str:
    from sotclinic.charts.progress import progress_svg

    main = inst.scores[inst.primary]
    points = [(r.answered_at.date(), float(r.total)) for r in responses if r.total is not None]
    mcid = delta.mcid if delta is not None and delta.mcid_available else None
    return progress_svg(
        points,
        title=inst.name,
        lower=main.min,
        upper=main.max,
        higher_is_worse=inst.direction == "higher_worse",
        mcid=mcid,
        mcid_source=delta.mcid_source if delta is not None else "",
    )
