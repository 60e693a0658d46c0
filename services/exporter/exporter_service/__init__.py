"""Profilehub exporter service: Profile export jobs."""
