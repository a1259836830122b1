"""Custom actions for the Sahayatri bot (served by `rasa run actions`)."""
