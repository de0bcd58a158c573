"""Input checks and output shapes of the awards service live beside the logic that uses them:
workflow.check_contest / check_kind_round (RPC arguments), domain/prizes.validate_table (prize
tables), domain/sets.set_out (the award set as it crosses the wire, see docs/CONTRACTS.md)."""
