"""Awards service: weekly, video and collective prizes, approvals and documents."""
