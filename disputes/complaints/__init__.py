"""Complaints: intake, SLA clock, queues, conversation, canned replies and the support dashboard."""
