"""Taking things out of the window: animations, worksheets, pictures; the progress runner they share."""
