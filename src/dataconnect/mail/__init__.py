"""Sending email: the SMTP transport (the outbox and what goes in it live in the services)."""
