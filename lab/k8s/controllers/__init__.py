"""The control loops that run inside the emulated API server process."""
