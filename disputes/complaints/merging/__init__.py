"""Merging duplicate complaints: rules, use case, the complaint page's panel."""
