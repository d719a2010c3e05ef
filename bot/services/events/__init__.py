"""Events as data: the catalog read from events.toml, organizers' stored overrides (settings),
durations such as "1d" and the times people read (timefmt)."""
