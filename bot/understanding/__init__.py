"""Understanding short and noisy messages: spelling folding, topic families and the menu,
bare choices and topic words, clarification questions. Pure Python except components.py."""
