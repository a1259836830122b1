"""Escalation to human counsellors: the queue, its states, hours and notifications."""
