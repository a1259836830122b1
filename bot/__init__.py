"""Bot-side Python used by Rasa: custom NLU components and pure helpers (no Flask)."""
