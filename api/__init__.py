"""The integration API for the marketplace (DESIGN §9): API clients and keys (`clients/`), the
endpoints under /api/v1 (`v1/`), external ids and idempotency records (this package)."""
