"""Small generic widgets shared by the pages (no maths, no page logic)."""
