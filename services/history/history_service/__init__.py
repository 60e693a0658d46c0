"""Profilehub history service: Profile history (changes and interactions), history export jobs, has_interactions flags."""
