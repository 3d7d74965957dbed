"""Op cases for the image-op gradients: kernels/conv_grad.cc (Conv2DBackpropInput/Filter,
DepthwiseConv2dNativeBackpropInput/Filter) and kernels/nn_grad.cc (MaxPoolGrad, AvgPoolGrad,
FusedBatchNormGrad*, LRNGrad, ResizeBilinearGrad, ResizeNearestNeighborGrad). The incoming
gradients have the forward op's output shape, which TensorFlow computes here."""
import numpy as np
import tensorflow as tf

from caselib import case_adder
from caselib import F32, F64, I32, array, rand

CASES = []
R = tf.raw_ops


add = case_adder(CASES)


def explicit(pads):
    return [0, 0] + list(pads) + [0, 0]


# ---- convolutions -----------------------------------------------------------------------------
# (input shape, filter shape, strides, padding, explicit paddings, dilations)
CONV = [
    ([1, 5, 5, 2], [3, 3, 2, 4], [1, 1], "SAME", None, [1, 1]),
    ([2, 6, 7, 3], [3, 2, 3, 2], [2, 2], "VALID", None, [1, 1]),
    ([2, 6, 7, 3], [2, 3, 3, 2], [2, 3], "SAME", None, [1, 1]),
    ([1, 7, 7, 1], [3, 3, 1, 2], [1, 1], "SAME", None, [2, 2]),
    ([1, 6, 5, 2], [2, 2, 2, 3], [1, 2], "EXPLICIT", [1, 2, 0, 1], [1, 1]),
    ([1, 4, 4, 2], [1, 1, 2, 3], [1, 1], "VALID", None, [1, 1]),
    ([0, 4, 4, 2], [3, 3, 2, 3], [1, 1], "SAME", None, [1, 1]),
    ([1, 2, 2, 1], [3, 3, 1, 1], [1, 1], "SAME", None, [1, 1]),
]
for t in (F32, F64):
    for xs, fs, st, pad, ex, dil in CONV:
        attrs = {"strides": [1] + st + [1], "padding": pad, "dilations": [1] + dil + [1]}
        if ex:
            attrs["explicit_paddings"] = explicit(ex)
        x, f = rand(xs, t), rand(fs, t)
        y = R.Conv2D(input=x, filter=f, **attrs)
        dy = rand(y.shape, t)
        tol = {"rel": 1e-4, "abs": 1e-5} if t == F32 else None
        kw = {"tol": tol} if tol else {}
        if dil != [1, 1]:  # TF 2.21's CPU kernels reject dilated backprops
            kw = {"expect_error": True, "name": "Conv2DBackprop_dilated"}
        add("Conv2DBackpropInput", {"input_sizes": array(xs, I32), "filter": f,
                                    "out_backprop": dy}, attrs, **kw)
        add("Conv2DBackpropFilter", {"input": x, "filter_sizes": array(fs, I32),
                                     "out_backprop": dy}, attrs, **kw)
        # (TF 2.21's DepthwiseConv2dNativeBackpropFilter returns uninitialised memory for an
        # empty batch, so that shape is left out there.)
        if dil == [1, 1] and st[0] == st[1] and xs[0] > 0:
            fd = rand(fs[:3] + [2], t)
            dattrs = dict(attrs)
            del dattrs["dilations"]
            yd = R.DepthwiseConv2dNative(input=x, filter=fd, **dattrs)
            dyd = rand(yd.shape, t)
            add("DepthwiseConv2dNativeBackpropInput", {"input_sizes": array(xs, I32),
                                                       "filter": fd, "out_backprop": dyd},
                dattrs, **kw)
            add("DepthwiseConv2dNativeBackpropFilter", {"input": x,
                                                        "filter_sizes": array(fd.shape, I32),
                                                        "out_backprop": dyd}, dattrs, **kw)
# input_sizes as [h, w] (batch and depth from out_backprop and the filter).
add("Conv2DBackpropInput", {"input_sizes": array([5, 5], I32), "filter": rand([3, 3, 2, 4]),
                            "out_backprop": rand([1, 5, 5, 4])},
    {"strides": [1, 1, 1, 1], "padding": "SAME"}, tol={"rel": 1e-4, "abs": 1e-5})
# A bigger problem than one gemm tile.
x, f = rand([2, 20, 20, 8]), rand([3, 3, 8, 16])
attrs = {"strides": [1, 1, 1, 1], "padding": "SAME"}
dy = rand([2, 20, 20, 16])
add("Conv2DBackpropInput", {"input_sizes": array(x.shape, I32), "filter": f, "out_backprop": dy},
    attrs, tol={"rel": 1e-4, "abs": 1e-4})
add("Conv2DBackpropFilter", {"input": x, "filter_sizes": array(f.shape, I32), "out_backprop": dy},
    attrs, tol={"rel": 1e-4, "abs": 1e-4})
# out_backprop that does not match the forward output; mismatched depths.
for op, inputs in (
        ("Conv2DBackpropInput", {"input_sizes": array([1, 5, 5, 2], I32),
                                 "filter": rand([3, 3, 2, 4]), "out_backprop": rand([1, 4, 5, 4])}),
        ("Conv2DBackpropFilter", {"input": rand([1, 5, 5, 2]),
                                  "filter_sizes": array([3, 3, 2, 4], I32),
                                  "out_backprop": rand([1, 5, 5, 3])}),
        ("Conv2DBackpropInput", {"input_sizes": array([1, 5, 5, 3], I32),
                                 "filter": rand([3, 3, 2, 4]), "out_backprop": rand([1, 5, 5, 4])}),
        ("DepthwiseConv2dNativeBackpropInput", {"input_sizes": array([1, 5, 5, 2], I32),
                                                "filter": rand([3, 3, 2, 2]),
                                                "out_backprop": rand([1, 5, 5, 3])}),
        ("DepthwiseConv2dNativeBackpropFilter", {"input": rand([1, 5, 5, 2]),
                                                 "filter_sizes": array([3, 3, 2, 2], I32),
                                                 "out_backprop": rand([1, 4, 5, 4])})):
    add(op, inputs, {"strides": [1, 1, 1, 1], "padding": "SAME"}, expect_error=True,
        name=op + "_bad_shapes")
add("Conv2DBackpropFilter", {"input": rand([1, 5, 5]), "filter_sizes": array([3, 3, 2, 4], I32),
                             "out_backprop": rand([1, 5, 5, 4])},
    {"strides": [1, 1, 1, 1], "padding": "SAME"}, expect_error=True, name="Conv2DBackprop_rank")

# ---- pooling -----------------------------------------------------------------------------------
POOL = [
    ([1, 4, 4, 2], [2, 2], [2, 2], "VALID", None),
    ([2, 5, 6, 3], [3, 3], [2, 2], "SAME", None),
    ([1, 5, 5, 1], [3, 2], [1, 2], "VALID", None),
    ([1, 3, 3, 2], [3, 3], [1, 1], "SAME", None),
    ([1, 4, 5, 2], [2, 2], [1, 1], "EXPLICIT", [1, 0, 0, 1]),
    ([0, 4, 4, 1], [2, 2], [2, 2], "VALID", None),
]
for t in (F32, F64):
    for xs, k, st, pad, ex in POOL:
        attrs = {"ksize": [1] + k + [1], "strides": [1] + st + [1], "padding": pad}
        if ex:
            attrs["explicit_paddings"] = explicit(ex)
        x = rand(xs, t)
        y = R.MaxPool(input=tf.constant(x), **attrs)  # (a numpy input would become float32)
        add("MaxPoolGrad", {"orig_input": x, "orig_output": y, "grad": rand(y.shape, t)}, attrs)
        if pad != "EXPLICIT":  # (MaxPoolGradGrad has no explicit padding)
            add("MaxPoolGradGrad", {"orig_input": x, "orig_output": y, "grad": rand(xs, t)},
                attrs)
        if pad != "EXPLICIT":
            ya = R.AvgPool(value=tf.constant(x), **attrs)
            add("AvgPoolGrad", {"orig_input_shape": array(xs, I32), "grad": rand(ya.shape, t)},
                attrs)
# Ties: every window is constant, so the first tap (top-left) gets the gradient; NaN first.
attrs = {"ksize": [1, 2, 2, 1], "strides": [1, 1, 1, 1], "padding": "VALID"}
x = np.ones([1, 3, 3, 1], np.float32)
x[0, 1, 1, 0] = np.nan
for xin in (np.ones([1, 3, 3, 1], np.float32), x,
            array([[[[1], [3], [3]], [[3], [2], [3]], [[0], [3], [1]]]], F32)):
    y = R.MaxPool(input=xin, **attrs)
    add("MaxPoolGrad", {"orig_input": xin, "orig_output": y, "grad": rand(y.shape)}, attrs,
        name="MaxPoolGrad_ties")
    add("MaxPoolGradGrad", {"orig_input": xin, "orig_output": y, "grad": rand(xin.shape)}, attrs,
        name="MaxPoolGradGrad_ties")
add("MaxPoolGrad", {"orig_input": rand([1, 4, 4, 1]), "orig_output": rand([1, 2, 2, 1]),
                    "grad": rand([1, 3, 2, 1])}, {"ksize": [1, 2, 2, 1], "strides": [1, 2, 2, 1],
                                                  "padding": "VALID"},
    expect_error=True, name="MaxPoolGrad_bad_grad")
add("AvgPoolGrad", {"orig_input_shape": array([1, 4, 4], I32), "grad": rand([1, 2, 2, 1])},
    {"ksize": [1, 2, 2, 1], "strides": [1, 2, 2, 1], "padding": "VALID"}, expect_error=True,
    name="AvgPoolGrad_bad_shape")

# ---- FusedBatchNormGrad -----------------------------------------------------------------------
def moments(x, nchw):
    axes = (0, 2, 3) if nchw else (0, 1, 2)
    return x.mean(axis=axes).astype(np.float32), x.var(axis=axes).astype(np.float32)


for op in ("FusedBatchNormGrad", "FusedBatchNormGradV2", "FusedBatchNormGradV3"):
    for fmt in ("NHWC", "NCHW"):
        for training in (True, False):
            for shape in ([2, 3, 4, 3], [1, 2, 2, 5], [4, 1, 1, 2]):
                x = rand(shape, F32)
                nchw = fmt == "NCHW"
                ch = shape[1] if nchw else shape[3]
                if training:
                    m, v = moments(x, nchw)
                else:
                    m, v = rand([ch], F32, -1, 1), rand([ch], F32, 0.5, 2)
                inputs = {"y_backprop": rand(shape, F32), "x": x, "scale": rand([ch], F32),
                          "reserve_space_1": m, "reserve_space_2": v}
                if op == "FusedBatchNormGradV3":
                    inputs["reserve_space_3"] = rand([0], F32)
                # TF 2.21's CPU kernel supports NCHW only when training.
                kw = {"tol": {"rel": 1e-4, "abs": 1e-5}}
                if nchw and not training:
                    kw = {"expect_error": True, "name": op + "_nchw_inference"}
                add(op, inputs, {"is_training": training, "data_format": fmt, "epsilon": 0.001},
                    **kw)
    bad = {"y_backprop": rand([2, 2, 2, 3]), "x": rand([2, 2, 2, 3]), "scale": rand([2]),
           "reserve_space_1": rand([3]), "reserve_space_2": rand([3])}
    if op == "FusedBatchNormGradV3":
        bad["reserve_space_3"] = rand([0])
    add(op, bad, expect_error=True, name=op + "_bad_scale")

# ---- LRNGrad ----------------------------------------------------------------------------------
for shape, attrs in (([1, 2, 2, 7], {}), ([2, 3, 1, 4], {"depth_radius": 1, "bias": 2.0,
                                                         "alpha": 0.5, "beta": 0.75}),
                     ([1, 1, 1, 3], {"depth_radius": 0}), ([1, 2, 2, 10], {"depth_radius": 2})):
    x = rand(shape, F32)
    y = R.LRN(input=x, **attrs)
    g = rand(shape, F32)
    g.reshape(-1)[0] = 0.0  # TF skips zero gradients
    add("LRNGrad", {"input_grads": g, "input_image": x, "output_image": y}, attrs,
        tol={"rel": 1e-4, "abs": 1e-5})
add("LRNGrad", {"input_grads": rand([1, 2, 2, 3]), "input_image": rand([1, 2, 2, 4]),
                "output_image": rand([1, 2, 2, 3])}, expect_error=True, name="LRNGrad_shapes")

# ---- resize gradients ------------------------------------------------------------------------------
RESIZE = [([1, 3, 4, 2], [5, 7]), ([2, 4, 4, 1], [2, 2]), ([1, 1, 1, 3], [3, 2]),
          ([1, 5, 3, 2], [5, 3])]
FLAGS = [{}, {"align_corners": True}, {"half_pixel_centers": True}]
for xs, size in RESIZE:
    for flags in FLAGS:
        for t in (F32, F64):
            add("ResizeBilinearGrad", {"grads": rand([xs[0]] + size + [xs[3]], F32),
                                       "original_image": rand(xs, t)}, flags)
        for t in (F32, F64, I32):
            add("ResizeNearestNeighborGrad", {"grads": rand([xs[0]] + size + [xs[3]], t),
                                              "size": array(xs[1:3], I32)}, flags)
# (TF 2.21 does not check that grads and original_image agree in batch and depth; we do, so
# there is no case for it.)
add("ResizeBilinearGrad", {"grads": rand([1, 2, 2]), "original_image": rand([1, 3, 3, 1])},
    expect_error=True, name="ResizeBilinearGrad_rank")
add("ResizeNearestNeighborGrad", {"grads": rand([1, 2, 2, 1]), "size": array([3], I32)},
    expect_error=True, name="ResizeNearestNeighborGrad_size")
