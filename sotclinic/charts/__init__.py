"""Pure SVG charts for the patient's chart (no Django, no database): text in, text out."""

from sotclinic.charts.progress import progress_svg

__all__ = ["progress_svg"]
