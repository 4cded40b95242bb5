"""Signed webhooks to the marketplace: endpoints, deliveries, retries, the delivery log."""
