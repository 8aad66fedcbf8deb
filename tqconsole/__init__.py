"""tqconsole: a keyboard-driven terminal admin console for the Tanzquotient website's data."""

__version__ = "0.1.0"
