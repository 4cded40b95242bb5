"""Restrictions of providers, always decided by a person (DESIGN §2)."""
