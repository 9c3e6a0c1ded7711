"""The training page: build a CNN, train it live, watch its features form."""
