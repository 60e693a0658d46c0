"""Profilehub importer service: every profile write (imports, upsert stream, copy, bulk update, API, ML)."""
