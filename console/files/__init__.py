"""Uploaded files (identity documents, certificates, reports): checked, stored, served with care."""
