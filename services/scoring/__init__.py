"""Scoring service: grades attempts, ranks rounds, computes unit statistics."""
