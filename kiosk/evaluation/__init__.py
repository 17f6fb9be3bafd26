"""Accuracy measured the way anyone can repeat it: face encodings of image sets (cached),
the LFW pairs protocol, open-set identification through the shipped matcher and decision
policy, threshold calibration and plots.

Distances throughout are Euclidean distances between dlib's 128-d face embeddings (lower
is more alike). Rates are fractions 0–1. Heavy libraries (face_recognition, OpenCV,
matplotlib) are imported inside the functions that need them.
"""
