"""The explorer page: draw or load an image, edit kernels and settings, see the maps live."""
