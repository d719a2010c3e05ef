"""What organizers read: statistics, exports and the chart."""
