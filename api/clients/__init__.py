"""API clients (one per integration), their scopes and their keys."""
