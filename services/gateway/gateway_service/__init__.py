"""Profilehub gateway: the HTTP edge (REST API, subscription-manager page, files); no business rules."""
