"""The lesson player: the lesson bar, applying steps to the explorer, writing lessons."""
