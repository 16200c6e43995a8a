"""gru_ref: a small numpy reference implementation of RNN, GRU and LSTM that matches PyTorch and Keras."""
from .cells import (GRUStep, GRUWeights, LSTMStep, LSTMWeights, RNNStep, RNNWeights,
                    gru_step, lstm_step, rnn_step, run_sequence)
from .layers import GRU, LSTM, RNN, Gradients
from . import convert, registry
