"""Reminders: what is due when (planner), sending the waves through the ledger (runner) and .ics
calendar files."""
