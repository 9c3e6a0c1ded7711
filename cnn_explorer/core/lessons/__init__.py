"""Lessons: a plain-text format (Markdown with small directives), its validation against core, and the
shipped lessons. ``load_lesson(path)``, ``lesson_from_text(text)``, ``shipped_lessons()``."""
