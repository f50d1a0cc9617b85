"""Faces: detection, 478 landmarks and 52 blendshapes (MediaPipe), alignment to a template."""
