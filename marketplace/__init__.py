"""Marketplace records: providers, clients, bookings, reviews."""
