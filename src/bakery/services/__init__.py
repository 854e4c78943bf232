"""Use cases: one function each, owning its transaction, its locks and its ledger rows."""
