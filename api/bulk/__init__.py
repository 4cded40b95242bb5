"""Bulk load of a marketplace's history (JSON Lines or CSV) through the API's validation."""
