"""Profilehub history service: profile history (changes and interactions), history exports, has_interactions."""
