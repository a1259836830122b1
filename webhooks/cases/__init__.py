"""Cases: one person's conversations across channels, a code she can quote, and wrap-ups."""
