"""Messages we send through a channel's API (counsellor replies, reassurance, notifications)."""
