"""Provider vetting: background, skills and references checks, four-eyes approval (DESIGN §3)."""
