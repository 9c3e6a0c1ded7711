"""CNN Explorer: see how a convolutional neural network sees."""

__version__ = "0.1.0"
