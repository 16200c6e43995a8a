"""Elementwise nonlinearities shared by the teaching cells and the fast layers.

Only numpy ufuncs are used, so the same functions work on arrays of any shape
and on the symbolic values that trace a cell's dataflow for the diagrams.
"""
import numpy as np


def sigmoid(z):
    # sigma(z) = (1 + tanh(z/2)) / 2 is exact algebra, and tanh never overflows,
    # so pre-activations of +-1e4 raise no warnings (1 / (1 + exp(-z)) would).
    return 0.5 + 0.5 * np.tanh(0.5 * z)


def tanh(z):
    return np.tanh(z)


def relu(z):
    return np.maximum(z, 0.0)
