"""Staff operations: plain functions shared by the TUI, the CLI and the tasks."""
