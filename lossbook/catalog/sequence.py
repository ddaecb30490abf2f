"""Catalogue entries (sequence)."""

ENTRIES = []
