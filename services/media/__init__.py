"""Media service: video clips in object storage, their metadata and the judges' scores."""
