"""Award computation (to come: weekly, video and collective prizes)."""
