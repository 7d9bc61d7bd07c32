"""Qt tests: the widgets and the whole app, offscreen."""
