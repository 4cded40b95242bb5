"""RC Pro insurance register: policies, verification, expiry reminders, lapse handling (DESIGN §4)."""
