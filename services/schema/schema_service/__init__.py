"""Profilehub schema service: Databases, fields, resources, suppression lists and promo pools: the one writer of schema state."""
