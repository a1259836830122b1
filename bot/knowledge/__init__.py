"""Answer content and NLU data helpers shared by the actions and the checks (no Rasa import)."""
