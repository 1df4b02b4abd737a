"""Problem.from_keras: real Keras 3 layers (PyTorch backend, float64) -> problem -> solve,
against ``layer(x)``.

Keras 3.15's torch backend computes ``ops.matmul`` of two float64 tensors in float32
(``dtypes.result_type("float64", "float64")`` is float32: keras-team/keras#23223), and
SimpleRNN and GRU(reset_after=False) use it; LSTM and GRU(reset_after=True) run through
torch's own kernels in float64. So the first two agree to float32's precision, the
others to float64's.
"""

from __future__ import annotations

import numpy as np
import pytest

from lstm_solver import Problem, ProblemError, parse_problem, solve

FLOAT64 = 1e-13
FLOAT32_MATMUL = 2e-6  # keras-team/keras#23223

# keras's own variables warn about numpy 2's copy keyword
pytestmark = pytest.mark.filterwarnings("ignore::DeprecationWarning")


def _random(keras):
    return {"kernel_initializer": "random_normal", "recurrent_initializer": "random_normal",
            "bias_initializer": keras.initializers.RandomNormal(stddev=1.0)}


def _layers(keras):
    L = keras.layers
    r = _random(keras)
    return {
        "lstm": (L.LSTM(3, return_sequences=True, **r), FLOAT64),
        "lstm-no-bias": (L.LSTM(2, return_sequences=True, use_bias=False), FLOAT64),
        "gru-reset-after": (L.GRU(3, return_sequences=True, **r), FLOAT64),
        "gru-reset-before": (L.GRU(2, return_sequences=True, reset_after=False, **r),
                             FLOAT32_MATMUL),
        "simple-rnn-tanh": (L.SimpleRNN(3, return_sequences=True, **r), FLOAT32_MATMUL),
        "simple-rnn-relu": (L.SimpleRNN(2, return_sequences=True, activation="relu", **r),
                            FLOAT32_MATMUL),
        "simple-rnn-sigmoid": (L.SimpleRNN(2, return_sequences=True, activation="sigmoid",
                                           **r), FLOAT32_MATMUL),
        "bidirectional-gru": (L.Bidirectional(L.GRU(2, return_sequences=True, **r)), FLOAT64),
        "go-backwards-lstm": (L.LSTM(2, return_sequences=True, go_backwards=True, **r),
                              FLOAT64),
        "stack-with-dense": (keras.Sequential([
            keras.Input((None, 2)), L.LSTM(3, return_sequences=True, **r), L.Dropout(0.5),
            L.LSTM(2, return_sequences=True, **r), L.Dense(3, activation="softmax")]),
            FLOAT32_MATMUL),  # Dense multiplies with ops.matmul
    }


NAMES = ["lstm", "lstm-no-bias", "gru-reset-after", "gru-reset-before", "simple-rnn-tanh",
         "simple-rnn-relu", "simple-rnn-sigmoid", "bidirectional-gru", "go-backwards-lstm",
         "stack-with-dense"]


@pytest.mark.parametrize("name", NAMES)
def test_layer_outputs(keras, name):
    keras.utils.set_random_seed(NAMES.index(name))
    layer, tolerance = _layers(keras)[name]
    x = np.random.default_rng(len(name)).normal(size=(1, 4, 2))
    y = keras.ops.convert_to_numpy(layer(x))[0]
    problem = Problem.from_keras(layer, x)
    assert problem.orientation == "row"
    values = solve(problem).values
    np.testing.assert_allclose(values["y" if "y" in values else "h"], y, rtol=0,
                               atol=tolerance)
    assert parse_problem(problem.to_yaml(), problem.file) == problem


@pytest.mark.parametrize("cell", ["LSTM", "GRU", "SimpleRNN"])
def test_initial_state(keras, cell):
    keras.utils.set_random_seed(7)
    layer = getattr(keras.layers, cell)(2, return_sequences=True, **_random(keras))
    rng = np.random.default_rng(1)
    x, h0, c0 = rng.normal(size=(1, 3, 2)), rng.normal(size=(1, 2)), rng.normal(size=(1, 2))
    state = [h0, c0] if cell == "LSTM" else [h0]
    y = keras.ops.convert_to_numpy(layer(x, initial_state=state))[0]
    problem = Problem.from_keras(layer, x[0], h0, c0 if cell == "LSTM" else None)
    tolerance = FLOAT32_MATMUL if cell == "SimpleRNN" else FLOAT64
    np.testing.assert_allclose(solve(problem).values["h"], y, rtol=0, atol=tolerance)


def test_gates_in_keras_order(keras):
    """Keras's column blocks are i, f, c, o and z, r, h: each lands in its own gate."""
    layer = keras.layers.GRU(2, reset_after=True)
    layer.build((None, None, 3))
    kernel, recurrent, bias = (np.arange(w.size, dtype=float).reshape(w.shape) / 10
                               for w in layer.get_weights())
    layer.set_weights([kernel, recurrent, bias])
    problem = Problem.from_keras(layer, np.zeros(3))
    gates = problem.gates
    np.testing.assert_array_equal(gates["z"].U.array, kernel[:, 0:2])
    np.testing.assert_array_equal(gates["r"].U.array, kernel[:, 2:4])
    np.testing.assert_array_equal(gates["g"].W.array, recurrent[:, 4:6])
    np.testing.assert_array_equal(gates["g"].b.array, bias[0, 4:6])
    np.testing.assert_array_equal(gates["g"].b_h.array, bias[1, 4:6])
    assert problem.options == {"z_multiplies": "previous", "reset": "after"}


def test_errors(keras):
    L = keras.layers
    with pytest.raises(ProblemError, match="no weights yet"):
        Problem.from_keras(L.LSTM(2), np.zeros((1, 3)))
    relu_lstm = L.LSTM(2, activation="relu")
    relu_lstm.build((None, None, 2))
    with pytest.raises(ProblemError, match="activation='relu'.*tanh and sigmoid"):
        Problem.from_keras(relu_lstm, np.zeros((1, 2)))
    linear = L.SimpleRNN(2, activation="linear")
    linear.build((None, None, 2))
    with pytest.raises(ProblemError, match="activation='linear'"):
        Problem.from_keras(linear, np.zeros((1, 2)))
    summed = L.Bidirectional(L.GRU(2), merge_mode="sum")
    summed.build((None, None, 2))
    with pytest.raises(ProblemError, match="merge_mode='sum'"):
        Problem.from_keras(summed, np.zeros((1, 2)))
    mixed = keras.Sequential([keras.Input((None, 2)), L.LSTM(2, return_sequences=True),
                              L.GRU(2)])
    with pytest.raises(ProblemError, match="a problem has one cell"):
        Problem.from_keras(mixed, np.zeros((1, 2)))
    half = keras.Sequential([keras.Input((None, 2)), L.Bidirectional(L.GRU(
        2, return_sequences=True)), L.GRU(2)])
    with pytest.raises(ProblemError, match="mixes Bidirectional and one-directional"):
        Problem.from_keras(half, np.zeros((1, 2)))
    conv = keras.Sequential([keras.Input((None, 2)), L.Conv1D(2, 1), L.LSTM(2)])
    with pytest.raises(ProblemError, match="Conv1D"):
        Problem.from_keras(conv, np.zeros((1, 2)))
    gru = L.GRU(2)
    gru.build((None, None, 2))
    with pytest.raises(ProblemError, match="x: has 3 inputs per step"):
        Problem.from_keras(gru, np.zeros((1, 3)))
    with pytest.raises(TypeError, match="Keras LSTM, GRU or SimpleRNN"):
        Problem.from_keras(L.Dense(2), np.zeros((1, 2)))
