"""Subject rights (DESIGN §7): requests with their one-month deadline, the export of everything
held about a client or a provider, erasure by pseudonymisation under legal holds."""
