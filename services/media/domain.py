"""Clip workflow (to come: presigned multipart upload, probing, judging)."""
