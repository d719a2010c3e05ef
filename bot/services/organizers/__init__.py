"""The organizer console's own rules: who is an organizer and with which role, finding and
fixing registrations. The top layer: it may use every other package, none uses it."""
