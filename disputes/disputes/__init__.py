"""Disputes: money claims raised from a complaint, decided against the booking's price and terms."""
