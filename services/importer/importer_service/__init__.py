"""Profilehub importer service: Profile writes: file imports, Kafka upserts, copy, bulk update, single upserts, ML scores."""
