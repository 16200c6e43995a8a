"""gru_ref: a small numpy reference implementation of RNN, GRU and LSTM that matches PyTorch and Keras."""
from . import convert, registry
from .cells import (
                    GRUStep,
                    GRUWeights,
                    LSTMStep,
                    LSTMWeights,
                    RNNStep,
                    RNNWeights,
                    gru_step,
                    lstm_step,
                    rnn_step,
                    run_sequence,
)
from .layers import GRU, LSTM, RNN, Gradients

__all__ = ["GRUStep", "GRUWeights", "LSTMStep", "LSTMWeights", "RNNStep", "RNNWeights", "gru_step", "lstm_step",
           "rnn_step", "run_sequence", "GRU", "LSTM", "RNN", "Gradients", "convert", "registry"]
