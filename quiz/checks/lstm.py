"""Deciders for the LSTM chapter."""
