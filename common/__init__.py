"""Pieces every service needs: settings, database, errors, outbox, health, metrics, logging."""
