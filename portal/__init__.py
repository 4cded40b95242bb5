"""Pages reached by signed links for providers and clients; inbound e-mail (DESIGN §10)."""
