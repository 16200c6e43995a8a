"""Deciders for the RNN chapter."""
