"""Op cases for kernels/parsing.cc: tf.Example parsing (dense features) and string ops."""
import numpy as np
import tensorflow as tf

from caselib import case_adder

CASES = []


add = case_adder(CASES)


def s(*values):
    return np.array(list(values), dtype=object)


def example(**features):
    feats = {}
    for key, v in features.items():
        if isinstance(v[0], float):
            feats[key] = tf.train.Feature(float_list=tf.train.FloatList(value=v))
        elif isinstance(v[0], int):
            feats[key] = tf.train.Feature(int64_list=tf.train.Int64List(value=v))
        else:
            feats[key] = tf.train.Feature(bytes_list=tf.train.BytesList(value=v))
    return tf.train.Example(features=tf.train.Features(feature=feats)).SerializeToString()


# DecodeBase64: web-safe alphabet, with and without padding, empty strings, binary results.
add("DecodeBase64", {"input": s(b"aGVsbG8", b"aGVsbG8=", b"", b"__-_", b"AAEC")})
add("DecodeBase64", {"input": np.array([[b"YQ", b"YWI"], [b"YWJj", b"-_8"]], dtype=object)})

# StaticRegexFullMatch: the whole string must match.
add("StaticRegexFullMatch", {"input": s(b"s3://bucket/x", b"/tmp/s3://", b"", b"s3://")},
    {"pattern": "^s3://.*"})
add("StaticRegexFullMatch", {"input": np.array([[b"abc", b"ab"], [b"abcc", b"x"]], dtype=object)},
    {"pattern": "abc+"})

# ParseExample (V1) and ParseExampleV2 with dense features of every kind, defaults, batches.
batch = s(example(x=[2.0], ids=[1, 2, 3], name=[b"a"]),
          example(x=[-1.5], ids=[4, 5, 6], name=[b"\xff\x00"], extra=[1.0]),
          example(ids=[7, 8, 9]))
dense_keys = [b"x", b"ids", b"name"]
defaults = [np.array([0.5], dtype=np.float32), np.zeros([0], dtype=np.int64),
            np.array([b"none"], dtype=object)]
tdense = [tf.float32, tf.int64, tf.string]
shapes = [[1], [3], [1]]
batch_no_name = batch[:2]
add("ParseExample",
    {"serialized": batch_no_name, "names": s(), "sparse_keys": [],
     "dense_keys": [np.array(k, dtype=object) for k in dense_keys], "dense_defaults": defaults},
    {"sparse_types": [], "dense_shapes": shapes})
add("ParseExampleV2",
    {"serialized": batch_no_name, "names": s(), "sparse_keys": s(), "dense_keys": s(*dense_keys),
     "ragged_keys": s(), "dense_defaults": defaults},
    {"num_sparse": 0, "sparse_types": [], "ragged_value_types": [], "ragged_split_types": [],
     "dense_shapes": shapes})
# Missing feature with a default; a required feature missing is an error.
add("ParseExampleV2",
    {"serialized": batch, "names": s(), "sparse_keys": s(), "dense_keys": s(b"x"),
     "ragged_keys": s(), "dense_defaults": [np.array([0.5], dtype=np.float32)]},
    {"num_sparse": 0, "sparse_types": [], "ragged_value_types": [], "ragged_split_types": [],
     "dense_shapes": [[1]]})
add("ParseExampleV2",
    {"serialized": batch, "names": s(), "sparse_keys": s(), "dense_keys": s(b"x"),
     "ragged_keys": s(), "dense_defaults": [np.zeros([0], dtype=np.float32)]},
    {"num_sparse": 0, "sparse_types": [], "ragged_value_types": [], "ragged_split_types": [],
     "dense_shapes": [[1]]}, expect_error=True)
# Wrong value count and garbage input are errors.
add("ParseExampleV2",
    {"serialized": s(example(x=[1.0, 2.0])), "names": s(), "sparse_keys": s(), "dense_keys": s(b"x"),
     "ragged_keys": s(), "dense_defaults": [np.array([0.5], dtype=np.float32)]},
    {"num_sparse": 0, "sparse_types": [], "ragged_value_types": [], "ragged_split_types": [],
     "dense_shapes": [[1]]}, expect_error=True)
add("ParseExampleV2",
    {"serialized": s(b"\xff\xff\xff"), "names": s(), "sparse_keys": s(), "dense_keys": s(b"x"),
     "ragged_keys": s(), "dense_defaults": [np.array([0.5], dtype=np.float32)]},
    {"num_sparse": 0, "sparse_types": [], "ragged_value_types": [], "ragged_split_types": [],
     "dense_shapes": [[1]]}, expect_error=True)
