"""Profilehub schema service: the one writer of databases, fields, resources, suppression lists, promo pools."""
