"""Registering for an event: the form's fields and validators (form) and registrations stored and
changed (registrations)."""
