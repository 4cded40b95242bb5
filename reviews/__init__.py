"""Reviews: the Review records, moderation, flags and rating alerts."""
