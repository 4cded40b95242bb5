"""Providers' eligibility as the marketplace sees it: the last known state and its changes feed."""
