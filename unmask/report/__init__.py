"""Reports of an assessment (Markdown now; HTML, PDF and sharing formats later)."""

from unmask.report.markdown import assessment_markdown

__all__ = ["assessment_markdown"]
