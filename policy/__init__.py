"""The customer-protection policy's versions, cancellation terms and client notification (DESIGN §12)."""
