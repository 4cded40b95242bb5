"""Support: complaints and disputes, one sub-package each; figures in disputes.reporting."""
