"""The Demos page: interactive demos beside the Explorer (learning a kernel, pooling's invariance, …), also opened by lessons."""
