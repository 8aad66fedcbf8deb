"""Open amounts, bank statements and matching, linking payments, reminders."""
