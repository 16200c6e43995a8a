"""Deciders for the GRU vs LSTM chapter."""
