"""The quarterly report: its queries, metrics, rendering (XLSX, HTML) and the survey import."""
