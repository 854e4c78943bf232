"""The read side: lists, details, dashboards and reports, in plain SQL expressions. Never writes."""
