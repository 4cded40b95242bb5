"""Who opened which person's data, when and why (DESIGN §7 "access log")."""
