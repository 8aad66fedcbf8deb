"""The site's caches: inspecting, reading and clearing keys."""
