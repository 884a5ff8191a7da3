#!/usr/bin/python3
"""Writes a tiny ONNX model shaped like a YOLO detector, with a known output.

usage: make_yolo_onnx.py OUTPUT.onnx v5|v8 INPUT_SIZE

The model takes "images" [1, 3, S, S] and returns a constant head output
(plus 0 x the pooled input, so the graph really depends on its input): the
YOLOv8 layout [1, 84, N] or the YOLOv5 layout [1, N, 85]. The proposals are
chosen to exercise decoding: overlapping boxes of one class (NMS), the same
place in another class (kept), a class with a space in its name, a class a
traffic filter drops, and one under the confidence threshold. Boxes are
(cx, cy, w, h) in input pixels.
"""
import sys

import numpy as np
import onnx
from onnx import TensorProto, helper, numpy_helper

# (cx, cy, w, h, class, score)
PROPOSALS = [
    (320, 320, 100, 60, 2, 0.90),   # car
    (324, 322, 100, 60, 2, 0.80),   # the same car again: NMS drops it
    (322, 321, 40, 80, 0, 0.70),    # a person at the same place: kept
    (100, 200, 20, 50, 9, 0.60),    # traffic light
    (500, 500, 80, 80, 16, 0.95),   # dog: not a traffic class
    (200, 400, 90, 50, 2, 0.10),    # car, too unsure
]


def head(layout):
    classes = 80
    if layout == "v8":
        out = np.zeros((1, 4 + classes, len(PROPOSALS)), np.float32)
        for i, (cx, cy, w, h, c, s) in enumerate(PROPOSALS):
            out[0, 0:4, i] = (cx, cy, w, h)
            out[0, 4 + c, i] = s
    else:
        out = np.zeros((1, len(PROPOSALS), 5 + classes), np.float32)
        for i, (cx, cy, w, h, c, s) in enumerate(PROPOSALS):
            # Objectness x class score = s.
            out[0, i, 0:5] = (cx, cy, w, h, 1.0)
            out[0, i, 5 + c] = s
    return out


def main(path, layout, size):
    out = head(layout)
    flat = out.reshape(1, -1)
    # Y = GAP(images) x 0 + head: plain layers every ONNX importer knows, and
    # an output that really depends (by nothing) on the input.
    weights = numpy_helper.from_array(np.zeros((flat.shape[1], 3), np.float32), name="weights")
    bias = numpy_helper.from_array(flat[0], name="head")
    shape = numpy_helper.from_array(np.array(out.shape, np.int64), name="shape")
    nodes = [
        helper.make_node("GlobalAveragePool", ["images"], ["pooled"]),
        helper.make_node("Flatten", ["pooled"], ["features"], axis=1),
        helper.make_node("Gemm", ["features", "weights", "head"], ["flat"], transB=1),
        helper.make_node("Reshape", ["flat", "shape"], ["output0"]),
    ]
    graph = helper.make_graph(
        nodes,
        "tiny-yolo-" + layout,
        [helper.make_tensor_value_info("images", TensorProto.FLOAT, [1, 3, size, size])],
        [helper.make_tensor_value_info("output0", TensorProto.FLOAT, list(out.shape))],
        initializer=[weights, bias, shape],
    )
    model = helper.make_model(graph, opset_imports=[helper.make_opsetid("", 13)])
    model.ir_version = 8
    onnx.checker.check_model(model)
    onnx.save(model, path)


if __name__ == "__main__":
    main(sys.argv[1], sys.argv[2], int(sys.argv[3]))
