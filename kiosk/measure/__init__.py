"""Measurements anyone can repeat: face encodings of image sets (cached), the LFW pairs
protocol, open-set identification through the shipped matcher and policy, calibration and
plots, benchmarks (``kiosk bench``) and the replay of sample image sets.

Heavy libraries (face engines, OpenCV, matplotlib) are imported inside the functions that
need them.
"""
