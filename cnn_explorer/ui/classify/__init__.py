"""The Classify page: draw a digit (or load a picture) and see why the network says what it says.

Nothing is imported here: the page loads on first show (torch only when it first needs the model).
"""
