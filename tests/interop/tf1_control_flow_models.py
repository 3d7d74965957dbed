#!/usr/bin/env python3
"""Writes graphs with TF1 control flow (Switch/Merge/Enter/Exit/NextIteration/LoopCond) with
TensorFlow 2.21 and records what they compute.

    tf1_control_flow_models.py OUTDIR

tf.compat.v1 with disable_v2_behavior() and disable_control_flow_v2(), so tf.cond, tf.case and
tf.while_loop write dataflow control flow as TensorFlow 1.x did. OUTDIR/models/<family>/ holds
the files, OUTDIR/<case>/case.json (format in tf1_case.py) replays inputs with TensorFlow's
outputs; tf1_control_flow_test.cc runs them with tfmodel::Model.

Families:
  cond      tf.cond (both branches), tf.case (three branches): a frozen .pb
  while     tf.while_loop with accumulators, parallel_iterations=1, a nested while, a cond inside
            a while, a while inside a cond: a frozen .pb
  vars      ref variables used inside a while and a cond, Variable.initialized_value (a Switch
            on a ref variable), assign_add inside a cond (RefSwitch): .meta + checkpoint
  rnn       tf.compat.v1.nn.dynamic_rnn over LSTM and GRU cells (BasicLSTMCell's and GRUCell's
            formulas: Keras 3 has neither), which loops with TensorArray ops: frozen
"""

import os
import sys

os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "2")
os.environ["TF_ENABLE_ONEDNN_OPTS"] = "0"  # deterministic Eigen kernels

import numpy as np  # noqa: E402
import tensorflow as tf  # noqa: E402

from tf1_case import Case, prepare_out  # noqa: E402
from tf1_models import models_dir, rel  # noqa: E402
from tf_run_corpus import Runner, session  # noqa: E402

v1 = tf.compat.v1
v1.disable_v2_behavior()
v1.disable_control_flow_v2()

TENSOR_ARRAY_OPS = ["TensorArrayV3", "TensorArrayScatterV3", "TensorArrayReadV3",
                    "TensorArrayWriteV3", "TensorArrayGatherV3"]


def write_frozen(d, graph_def):
    pb = os.path.join(d, "frozen.pb")
    with open(pb, "wb") as f:
        f.write(graph_def.SerializeToString())
    return pb


def check_v1_control_flow(graph_def, want=("Switch", "Merge")):
    ops = {n.op for n in graph_def.node}
    assert all(o in ops for o in want), f"expected {want} in {sorted(ops)}"
    assert not ops & {"If", "StatelessIf", "While", "StatelessWhile"}, sorted(ops)


def run_frozen(case, pb, feeds_list, fetches, **fields):
    gd = v1.GraphDef()
    with open(pb, "rb") as f:
        gd.ParseFromString(f.read())
    g = tf.Graph()
    with g.as_default():
        tf.import_graph_def(gd, name="")
    with session(g) as sess:
        r = Runner(case, sess)
        for feeds in feeds_list:
            r.run(feeds, fetches)
    return case.finish(rel(case, pb), **fields)


def family_cond(out):
    d = models_dir(out, "cond")
    g = tf.Graph()
    with g.as_default():
        x = v1.placeholder(tf.float32, [None], name="x")
        p = v1.placeholder(tf.bool, [], name="p")
        k = v1.placeholder(tf.int32, [], name="k")
        tf.identity(tf.cond(p, lambda: x * 2.0 + 1.0, lambda: tf.square(x) - 1.0), name="cond_out")
        tf.identity(v1.case([(tf.equal(k, 0), lambda: x + 1.0), (tf.equal(k, 1), lambda: x * 3.0)],
                            default=lambda: -x, exclusive=True), name="case_out")
        gd = g.as_graph_def()
    check_v1_control_flow(gd)
    pb = write_frozen(d, gd)
    x_in = np.array([1.5, -2.0, 0.25], np.float32)
    n = run_frozen(Case(out, "cond_frozen"), pb,
                   [[("x:0", x_in), ("p:0", np.bool_(v))] for v in (True, False)], ["cond_out:0"])
    n += run_frozen(Case(out, "case_frozen"), pb,
                    [[("x:0", x_in), ("k:0", np.int32(v))] for v in (0, 1, 2)], ["case_out:0"])
    return n


def family_while(out):
    d = models_dir(out, "while")
    g = tf.Graph()
    with g.as_default():
        n = v1.placeholder(tf.int32, [], name="n")
        x = v1.placeholder(tf.float32, [3], name="x")
        p = v1.placeholder(tf.bool, [], name="p")
        # accumulators: a counter and a vector updated from both
        _, acc = v1.while_loop(lambda i, a: i < n,
                               lambda i, a: (i + 1, a + tf.cast(i, tf.float32) * x + tf.sin(a)),
                               [tf.constant(0), tf.zeros([3])], name="loop")
        tf.identity(acc, name="while_out")
        _, acc1 = v1.while_loop(lambda i, a: i < n, lambda i, a: (i + 1, a * 0.5 + x),
                                [tf.constant(0), x], parallel_iterations=1, name="serial")
        tf.identity(acc1, name="serial_out")

        def outer_body(j, a):
            inner = v1.while_loop(lambda k, b: k < j,
                                  lambda k, b: (k + 1, b + tf.cast(k * j, tf.float32)),
                                  [tf.constant(0), tf.constant(0.0)], name="inner")[1]
            return j + 1, a + inner * x

        _, acc2 = v1.while_loop(lambda j, a: j < n, outer_body, [tf.constant(0), tf.zeros([3])],
                                name="nested")
        tf.identity(acc2, name="nested_out")

        def cond_body(i, a):
            a = tf.cond(tf.equal(tf.math.floormod(i, 2), 0), lambda: a * 0.5, lambda: a + x)
            return i + 1, a

        _, acc3 = v1.while_loop(lambda i, a: i < n, cond_body, [tf.constant(0), x],
                                name="cond_in_while")
        tf.identity(acc3, name="cond_in_while_out")
        loop_in_cond = tf.cond(p, lambda: v1.while_loop(lambda i, a: i < n,
                                                        lambda i, a: (i + 1, a + x),
                                                        [tf.constant(0), x])[1],
                               lambda: x - 100.0)
        tf.identity(loop_in_cond, name="while_in_cond_out")
        gd = g.as_graph_def()
    check_v1_control_flow(gd, ("Switch", "Merge", "Enter", "Exit", "NextIteration", "LoopCond"))
    pb = write_frozen(d, gd)
    x_in = np.array([0.5, -1.0, 2.0], np.float32)
    feeds = [[("n:0", np.int32(v)), ("x:0", x_in), ("p:0", np.bool_(v % 2 == 0))]
             for v in (0, 1, 4, 7)]
    fetches = ["while_out:0", "serial_out:0", "nested_out:0", "cond_in_while_out:0",
               "while_in_cond_out:0"]
    return run_frozen(Case(out, "while_frozen"), pb, feeds, fetches)


def family_vars(out):
    d = models_dir(out, "vars")
    rng = np.random.default_rng(31)
    g = tf.Graph()
    with g.as_default():
        x = v1.placeholder(tf.float32, [None, 3], name="x")
        n = v1.placeholder(tf.int32, [], name="n")
        p = v1.placeholder(tf.bool, [], name="p")
        w = v1.Variable(rng.standard_normal((3, 3)).astype(np.float32) * 0.5, name="W")
        b = v1.Variable(np.array([0.1, -0.2, 0.3], np.float32), name="b")
        counter = v1.Variable(0.0, name="counter")
        assert w.dtype._is_ref_dtype, "expected ref variables"
        _, h = v1.while_loop(lambda i, h: i < n,
                             lambda i, h: (i + 1, tf.tanh(tf.matmul(h, w) + b)), [0, x],
                             name="rnn")
        y = tf.cond(tf.reduce_sum(h) > 0.0, lambda: h * 2.0, lambda: h - 1.0)
        tf.identity(y, name="y")
        tf.identity(w.initialized_value() * 2.0, name="w_twice")
        bump = tf.cond(p, lambda: tf.identity(v1.assign_add(counter, 1.0)),
                       lambda: tf.identity(counter))
        tf.identity(bump, name="bump")
        saver = v1.train.Saver()
        with session(g) as sess:
            sess.run(v1.global_variables_initializer())
            prefix = saver.save(sess, os.path.join(d, "ckpt", "model.ckpt"))
    case = Case(out, "vars_ckpt_meta")
    g = tf.Graph()
    with g.as_default():
        saver = v1.train.import_meta_graph(prefix + ".meta")
    ops = {nd.op for nd in g.as_graph_def().node}
    assert "RefSwitch" in ops and "Enter" in ops, sorted(ops)
    with session(g) as sess:
        saver.restore(sess, prefix)
        r = Runner(case, sess)
        x_in = rng.standard_normal((2, 3)).astype(np.float32)
        for steps, pv in ((0, True), (3, False), (5, True), (2, True)):
            r.run([("x:0", x_in), ("n:0", np.int32(steps)), ("p:0", np.bool_(pv))],
                  ["y:0", "w_twice:0", "bump:0"])
    return case.finish(rel(case, prefix + ".meta"))


class _Cell:
    """A duck-typed RNNCell (Keras 3 has no BasicLSTMCell/GRUCell): BasicLSTMCell's and GRUCell's
    formulas with v1.get_variable weights, as dynamic_rnn drives them."""

    def __init__(self, kind, units, seed):
        self.kind, self.units, self.seed = kind, units, seed

    @property
    def state_size(self):
        return (self.units, self.units) if self.kind == "lstm" else self.units

    @property
    def output_size(self):
        return self.units

    def zero_state(self, batch, dtype):
        z = tf.zeros([batch, self.units], dtype)
        return (z, z) if self.kind == "lstm" else z

    def get_initial_state(self, inputs=None, batch_size=None, dtype=None):
        return self.zero_state(batch_size, dtype)

    def _weights(self, name, n_in, n_out):
        init = v1.random_normal_initializer(stddev=0.5, seed=self.seed)
        return (v1.get_variable(name + "/kernel", [n_in, n_out], initializer=init),
                v1.get_variable(name + "/bias", [n_out], initializer=init))

    def __call__(self, x, state, scope=None):
        n_in = int(x.shape[-1]) + self.units
        with v1.variable_scope(scope or self.kind, reuse=v1.AUTO_REUSE):
            if self.kind == "lstm":  # BasicLSTMCell: i, j, f, o = split(W [x, h] + b), forget bias 1
                c, h = state
                w, b = self._weights("gates", n_in, 4 * self.units)
                i, j, f, o = tf.split(tf.matmul(tf.concat([x, h], 1), w) + b, 4, axis=1)
                c = c * tf.sigmoid(f + 1.0) + tf.sigmoid(i) * tf.tanh(j)
                h = tf.tanh(c) * tf.sigmoid(o)
                return h, (c, h)
            h = state  # GRUCell: r, u = sigmoid(W [x, h] + b); c = tanh(W' [x, r h] + b')
            wg, bg = self._weights("gates", n_in, 2 * self.units)
            r, u = tf.split(tf.sigmoid(tf.matmul(tf.concat([x, h], 1), wg) + bg), 2, axis=1)
            wc, bc = self._weights("candidate", n_in, self.units)
            cand = tf.tanh(tf.matmul(tf.concat([x, r * h], 1), wc) + bc)
            h = u * h + (1 - u) * cand
            return h, h


def family_rnn(out):
    d = models_dir(out, "rnn")
    rng = np.random.default_rng(41)
    g = tf.Graph()
    with g.as_default():
        v1.set_random_seed(41)
        x = v1.placeholder(tf.float32, [2, 5, 4], name="x")
        with v1.variable_scope("lstm"):
            lstm_out, _ = v1.nn.dynamic_rnn(_Cell("lstm", 6, 1), x, dtype=tf.float32)
        with v1.variable_scope("gru"):
            gru_out, _ = v1.nn.dynamic_rnn(_Cell("gru", 5, 2), x, dtype=tf.float32)
        tf.identity(lstm_out, name="lstm_out")
        tf.identity(gru_out, name="gru_out")
        with session(g) as sess:
            sess.run(v1.global_variables_initializer())
            gd = v1.graph_util.convert_variables_to_constants(
                sess, g.as_graph_def(), ["lstm_out", "gru_out"])
    check_v1_control_flow(gd, ["Enter", "Exit", "NextIteration"] + TENSOR_ARRAY_OPS)
    pb = write_frozen(d, gd)
    x_in = rng.standard_normal((2, 5, 4)).astype(np.float32)
    return run_frozen(Case(out, "rnn_frozen"), pb, [[("x:0", x_in)]], ["lstm_out:0", "gru_out:0"])


FAMILIES = [family_cond, family_while, family_vars, family_rnn]
CASE_NAMES = {"cond_frozen", "case_frozen", "while_frozen", "vars_ckpt_meta", "rnn_frozen"}


def main(argv):
    out = prepare_out(argv, __doc__, CASE_NAMES)
    if out is None:
        return 2
    print(f"TensorFlow {tf.__version__}; writing control-flow cases into {out}", flush=True)
    for fn in FAMILIES:
        print(f"  {fn.__name__[7:]:<6} {fn(out):2d} steps", flush=True)
    got = {d for d in os.listdir(out) if os.path.exists(os.path.join(out, d, "case.json"))}
    assert got == CASE_NAMES, f"cases {sorted(got ^ CASE_NAMES)} differ from CASE_NAMES"
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv))
