"""The local preview: Bot API emulator over HTTP + the real bot + a web chat page."""
