"""Demo data at small and large scale, and the `demo` CLI."""
