"""Quiz service: units, accounts, exclusions, contests and rounds, question bank, attempts."""
