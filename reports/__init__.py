"""PDF compliance reports: requested in the console or scheduled, built by RQ jobs, stored, downloaded."""
