#!/usr/bin/env python3
"""Reference fixtures for the Swift safetensors reader and writer.

Pins (install into a venv outside the repo, e.g. /work/venv-safetensors):
    pip install safetensors==0.8.0 numpy==2.4.6 ml_dtypes==0.6.0 huggingface_hub==2.4.0

Writes Tests/CheckpointsTests/Fixtures/safetensors/:
  valid/*.safetensors     files written by safetensors.numpy.save_file (and the raw TensorSpec API
                          for F4), every dtype the binding can write, empty tensors, scalars,
                          metadata, unusual names
  crafted/*.safetensors   hand-made byte strings mirroring the reference's own rejection tests
                          (safetensors/src/tensor.rs) and edge cases; each is opened with
                          safetensors.safe_open and the outcome (accepted, or the error variant
                          named by its message) is recorded
  sharded/<case>/         shards + model.safetensors.index.json written exactly as
                          huggingface_hub.save_torch_state_dict does (its split rule, per-file
                          metadata {"format": "pt"}, json.dump(index, indent=2)), with numpy arrays
  manifest.json           expected dtypes, shapes, bytes (hex) and values; crafted outcomes;
                          sharding plans
Usage: /work/venv-safetensors/bin/python scripts/oracles/safetensors_fixtures.py
"""
import json
import os
import shutil
import struct
import sys

import ml_dtypes
import numpy as np
import safetensors
from huggingface_hub.serialization import split_state_dict_into_shards_factory
from safetensors import TensorSpec, safe_open, serialize_file
from safetensors.numpy import save_file

assert safetensors.__version__ == "0.8.0", safetensors.__version__

ROOT = os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "..", "Tests", "CheckpointsTests", "Fixtures", "safetensors")

NUMPY_TO_SAFETENSORS = {
    "float64": "F64", "float32": "F32", "float16": "F16", "bfloat16": "BF16", "int64": "I64", "int32": "I32",
    "int16": "I16", "int8": "I8", "uint8": "U8", "uint16": "U16", "uint32": "U32", "uint64": "U64", "bool": "BOOL",
    "float8_e4m3fn": "F8_E4M3", "float8_e5m2": "F8_E5M2", "float8_e4m3fnuz": "F8_E4M3FNUZ",
    "float8_e5m2fnuz": "F8_E5M2FNUZ", "float8_e8m0fnu": "F8_E8M0", "complex64": "C64",
}


def json_number(x):
    """Finite numbers as JSON numbers, the rest as strings (JSON has no NaN or infinity)."""
    if isinstance(x, (bool, np.bool_)):
        return int(x)
    if isinstance(x, (int, np.integer)):
        return int(x)
    f = float(x)
    if f != f:
        return "nan"
    if f in (float("inf"), float("-inf")):
        return "inf" if f > 0 else "-inf"
    return f


def describe(name, array, with_values=True):
    entry = {
        "name": name,
        "dtype": NUMPY_TO_SAFETENSORS[array.dtype.name],
        "shape": list(array.shape),
        "hex": np.ascontiguousarray(array).tobytes().hex(),
    }
    if with_values:
        # Exact values for the types Swift converts to numbers; the rest are checked by bytes only.
        if array.dtype.name in ("float64", "float32", "float16", "bfloat16"):
            entry["values"] = [json_number(float(v)) for v in array.astype(np.float64).reshape(-1)]
        elif array.dtype.name != "complex64" and not array.dtype.name.startswith("float8"):
            entry["values"] = [json_number(v) for v in array.reshape(-1).tolist()]
    return entry


def valid_cases():
    rng = np.random.default_rng(20240601)
    specials = np.array([0.0, -0.0, 1.0, -2.5, np.inf, -np.inf, np.nan, 65504.0], dtype=np.float32)
    all_dtypes = {
        "f64": rng.standard_normal((2, 3)).astype(np.float64),
        "f32": rng.standard_normal((3, 2)).astype(np.float32),
        "f16": rng.standard_normal((4,)).astype(np.float16),
        "bf16": rng.standard_normal((2, 2)).astype(ml_dtypes.bfloat16),
        "i64": np.array([np.iinfo(np.int64).min, -1, 0, np.iinfo(np.int64).max], dtype=np.int64),
        "i32": np.array([[np.iinfo(np.int32).min, -7], [0, np.iinfo(np.int32).max]], dtype=np.int32),
        "i16": np.array([-32768, -1, 1, 32767], dtype=np.int16),
        "i8": np.array([-128, -1, 0, 127], dtype=np.int8),
        "u8": np.arange(0, 256, 51, dtype=np.uint8),
        "u16": np.array([0, 1, 65535], dtype=np.uint16),
        "u32": np.array([0, 4294967295], dtype=np.uint32),
        "u64": np.array([0, 18446744073709551615], dtype=np.uint64),
        "bool": np.array([True, False, True], dtype=bool),
    }
    fp8 = {
        "e4m3": np.array([0.5, -1.0, 448.0], dtype=ml_dtypes.float8_e4m3fn),
        "e5m2": np.array([0.25, -3.0], dtype=ml_dtypes.float8_e5m2),
        "e4m3fnuz": np.array([1.5], dtype=ml_dtypes.float8_e4m3fnuz),
        "e5m2fnuz": np.array([2.0, -0.5], dtype=ml_dtypes.float8_e5m2fnuz),
        "e8m0": np.array([1.0, 2.0, 0.125], dtype=ml_dtypes.float8_e8m0fnu),
        "c64": np.array([1 + 2j, -0.5j], dtype=np.complex64),
    }
    return [
        ("all_dtypes", all_dtypes, None),
        ("fp8_and_complex", fp8, None),
        ("special_floats", {"specials_f32": specials, "specials_f16": specials.astype(np.float16),
                            "specials_bf16": specials.astype(ml_dtypes.bfloat16), "specials_f64": specials.astype(np.float64)}, None),
        ("empty_and_scalars", {"empty_2x0": np.zeros((2, 0), dtype=np.float32), "empty_0": np.zeros((0,), dtype=np.int64),
                               "scalar_f32": np.array(3.25, dtype=np.float32), "scalar_i8": np.array(-3, dtype=np.int8),
                               "scalar_bool": np.array(True)}, None),
        ("metadata_one_key", {"w": np.arange(6, dtype=np.float32).reshape(2, 3)}, {"format": "pt"}),
        ("metadata_many_keys", {"w": np.arange(4, dtype=np.int16)},
         {"format": "pt", "note": "quote \" backslash \\ newline \n tab \t bell \x07 unicode \u00e9\u4e2d\U0001F600", "": "empty key", "empty": ""}),
        ("metadata_only", {}, {"format": "pt"}),
        ("no_tensors", {}, None),
        ("unusual_names", {"caf\u00e9.\u6743\u91cd": np.array([1, 2], dtype=np.uint8), "with space": np.array([3], dtype=np.uint8),
                           "a.b.c": np.array([4.5], dtype=np.float16), "": np.array([5], dtype=np.int32),
                           "quote\"back\\slash\nnewline": np.array([6], dtype=np.int64), "\U0001F600": np.array([7], dtype=np.uint8),
                           "Z": np.array([8], dtype=np.uint8), "a": np.array([9], dtype=np.uint8), "\u00c0": np.array([10], dtype=np.uint8)}, None),
        ("mixed_alignment", {"b_f16": np.array([1, 2, 3], dtype=np.float16), "a_i32": np.arange(4, dtype=np.int32),
                             "c_u8": np.arange(5, dtype=np.uint8), "d_f64": np.array([0.1]), "e_bool": np.array([True, False, False])},
         {"format": "np"}),
    ]


def write_valid(manifest):
    os.makedirs(os.path.join(ROOT, "valid"))
    for name, tensors, metadata in valid_cases():
        relative = f"valid/{name}.safetensors"
        save_file(tensors, os.path.join(ROOT, relative), metadata=metadata)
        manifest["valid"].append({
            "file": relative,
            "metadata": metadata,
            "tensors": [describe(k, v) for k, v in tensors.items()],
        })
    # F4 has no numpy dtype: write its packed bytes through the binding's raw TensorSpec API, whose
    # "float4_e2m1fn_x2" shape counts byte pairs of values (the file's shape counts values).
    packed = np.array([0x21, 0x7F, 0x80], dtype=np.uint8)
    relative = "valid/f4_raw.safetensors"
    serialize_file({"fp4": TensorSpec(dtype="float4_e2m1fn_x2", shape=[3], data_ptr=packed.ctypes.data, data_len=packed.nbytes)},
                   os.path.join(ROOT, relative))
    manifest["valid"].append({"file": relative, "metadata": None,
                              "tensors": [{"name": "fp4", "dtype": "F4", "shape": [6], "hex": packed.tobytes().hex()}]})


REFERENCE_MESSAGES = [
    ("invalid UTF-8 in header", "InvalidHeader"),
    ("invalid JSON in header", "InvalidHeaderDeserialization"),
    ("header too large", "HeaderTooLarge"),
    ("header too small", "HeaderTooSmall"),
    ("invalid header length", "InvalidHeaderLength"),
    ("invalid offset for tensor", "InvalidOffset"),
    ("invalid shape, data type, or offset for tensor", "TensorInvalidInfo"),
    ("incomplete metadata, file not fully covered", "MetadataIncompleteBuffer"),
    ("overflow computing buffer size", "ValidationOverflow"),
    ("The slice is slicing for subbytes", "MisalignedSlice"),
]


def reference_outcome(path):
    try:
        with safe_open(path, framework="numpy") as f:
            keys = list(f.offset_keys())
            shapes = [list(f.get_slice(k).get_shape()) for k in keys]
            metadata = f.metadata()
        return {"reference": "accepted", "tensors": keys, "shapes": shapes, "metadata": metadata}
    except Exception as error:  # the binding raises SafetensorError with the Rust Display text
        message = str(error)
        for prefix, variant in REFERENCE_MESSAGES:
            if prefix in message:
                return {"reference": variant, "message": message}
        return {"reference": "other", "message": message}


def frame(header, data=b"", length=None):
    header = header.encode() if isinstance(header, str) else header
    return struct.pack("<Q", len(header) if length is None else length) + header + data


I32 = '{"test":{"dtype":"I32","shape":[2,2],"data_offsets":[0,16]}}'
Z16 = b"\0" * 16


def tensor(name, dtype, shape, begin, end, extra=""):
    return f'"{name}":{{"dtype":"{dtype}","shape":{json.dumps(shape)},"data_offsets":[{begin},{end}]{extra}}}'


def crafted_cases():
    """(name, bytes, our case when it deliberately differs from the reference, note)."""
    attack = "{" + ",".join(tensor(f"weight_{i}", "F32", [2, 2], 0, 16) for i in range(10)) + "}"
    deep = lambda n: "[" * n + "]" * n
    return [
        # From the reference's unit tests (safetensors/src/tensor.rs).
        ("ref_header_too_small", b"", None, "test_header_too_small"),
        ("ref_header_too_large", frame(I32, Z16, length=0xFFFFFF000000003C), None, "test_header_too_large"),
        ("ref_invalid_header_length", frame("", length=60), None, "test_invalid_header_length"),
        ("ref_non_utf8", frame(b"\xff"), None, "test_invalid_header_non_utf8"),
        ("ref_not_json", frame("{"), None, "test_invalid_header_not_json"),
        ("ref_polyglot_trailing", frame(I32, Z16 + b"extra_bogus_data_for_polyglot_file"), None, "test_metadata_incomplete_buffer"),
        ("ref_truncated", frame(I32, Z16[:14]), None, "test_metadata_incomplete_buffer"),
        ("ref_invalid_info", frame(I32.replace("[0,16]", "[0, 4]")), None, "test_invalid_info"),
        ("ref_validation_overflow_u64", frame(I32.replace("[2,2]", "[2,18446744073709551614]"), Z16), None, "test_validation_overflow"),
        ("ref_validation_overflow_i64max", frame(I32.replace("[2,2]", "[2,9223372036854775807]"), Z16), None, "test_validation_overflow"),
        ("ref_json_attack", frame(attack, Z16), None, "test_json_attack"),
        ("ref_misaligned_f4", frame("{" + tensor("w", "F4", [3], 0, 2) + "}", b"\0\0"), None, "test_serialization_fp4_misaligned"),
        ("ref_whitespace_trailing", frame(b"{}\x0d\x20\x09\x0a"), None, "test_whitespace_padded_header"),
        ("ref_whitespace_leading", frame(b"\x09\x0a{}\x0d\x20"), None, "test_whitespace_leading_padded_header"),
        ("ref_zero_sized", frame('{"test":{"dtype":"I32","shape":[2,0],"data_offsets":[0, 0]}}'), None, "test_zero_sized_tensor"),
        ("ref_scalar", frame('{"test":{"dtype":"I32","shape":[],"data_offsets":[0,4]}}', b"\0\0\0\0"), None, "test_empty_shapes_allowed"),
        # Header length edge cases.
        ("short_length_prefix", b"\x02\x00\x00", None, None),
        ("header_length_limit_plus_one", struct.pack("<Q", 100_000_001) + b"{}", None, None),
        ("header_length_u64_max", struct.pack("<Q", 2**64 - 1) + b"{}", None, None),
        ("header_length_past_end", frame("{}", length=3), None, None),
        # Offsets.
        ("offset_hole", frame("{" + tensor("a", "U8", [4], 0, 4) + "," + tensor("b", "U8", [4], 8, 12) + "}", b"\0" * 12), None, None),
        ("offset_overlap", frame("{" + tensor("a", "U8", [4], 0, 4) + "," + tensor("b", "U8", [4], 2, 6) + "}", b"\0" * 6), None, None),
        ("offset_not_from_zero", frame("{" + tensor("a", "U8", [4], 4, 8) + "}", b"\0" * 8), None, None),
        ("offset_end_before_begin", frame("{" + tensor("a", "U8", [0], 0, 0) + "," + tensor("b", "U8", [4], 4, 0) + "}", b"\0" * 4), None, None),
        ("offsets_unsorted_ok", frame("{" + tensor("b", "U8", [2], 2, 4) + "," + tensor("a", "U8", [2], 0, 2) + "}", b"\1\2\3\4"), None, None),
        ("offsets_three_values", frame('{"a":{"dtype":"U8","shape":[1],"data_offsets":[0,1,1]}}', b"\0"), None, None),
        ("offsets_one_value", frame('{"a":{"dtype":"U8","shape":[1],"data_offsets":[0]}}', b"\0"), None, None),
        ("offsets_negative", frame('{"a":{"dtype":"U8","shape":[1],"data_offsets":[-1,0]}}', b"\0"), None, None),
        ("offsets_above_u64", frame("{" + ",".join(tensor(f"t{i}", "U8", [2**61], i * 2**61, (i + 1) * 2**61) for i in range(8)) + "}"), None, None),
        # Ends at 2^64 - 8, so end + 8 + header length wraps around in 64 bits.
        ("offsets_end_wraps_file_size", frame("{" + ",".join(tensor(f"t{i}", "U8", [2**61 - 1], i * (2**61 - 1), (i + 1) * (2**61 - 1)) for i in range(8)) + "}"), None, None),
        ("offsets_as_object", frame('{"a":{"dtype":"U8","shape":[1],"data_offsets":{"0":0,"1":1}}}', b"\0"), None, None),
        ("tensor_bytes_above_u64", frame("{" + tensor("a", "U8", [2**63], 0, 2**63) + "}"), None, None),
        # Field types.
        ("unknown_dtype", frame('{"a":{"dtype":"F128","shape":[1],"data_offsets":[0,16]}}', b"\0" * 16), None, None),
        ("lowercase_dtype", frame('{"a":{"dtype":"f32","shape":[1],"data_offsets":[0,4]}}', b"\0" * 4), None, None),
        ("dtype_number", frame('{"a":{"dtype":7,"shape":[1],"data_offsets":[0,4]}}', b"\0" * 4), None, None),
        ("shape_negative", frame('{"a":{"dtype":"U8","shape":[-1],"data_offsets":[0,0]}}'), None, None),
        ("shape_minus_zero", frame('{"a":{"dtype":"U8","shape":[-0],"data_offsets":[0,0]}}'), None, None),
        ("shape_fraction", frame('{"a":{"dtype":"U8","shape":[1.0],"data_offsets":[0,1]}}', b"\0"), None, None),
        ("shape_exponent", frame('{"a":{"dtype":"U8","shape":[1e0],"data_offsets":[0,1]}}', b"\0"), None, None),
        ("shape_above_u64", frame('{"a":{"dtype":"U8","shape":[18446744073709551616],"data_offsets":[0,1]}}', b"\0"), None, None),
        ("shape_string", frame('{"a":{"dtype":"U8","shape":["1"],"data_offsets":[0,1]}}', b"\0"), None, None),
        ("shape_not_array", frame('{"a":{"dtype":"U8","shape":1,"data_offsets":[0,1]}}', b"\0"), None, None),
        ("shape_huge_but_empty", frame('{"a":{"dtype":"U8","shape":[0,18446744073709551615],"data_offsets":[0,0]}}'), "dimensionTooLarge",
         "the reference accepts an empty tensor whose other dimension exceeds Int.max; Swift shapes are [Int]"),
        ("missing_dtype", frame('{"a":{"shape":[1],"data_offsets":[0,1]}}', b"\0"), None, None),
        ("missing_offsets", frame('{"a":{"dtype":"U8","shape":[1]}}', b"\0"), None, None),
        ("unknown_field_ignored", frame('{"a":{"dtype":"U8","shape":[1],"data_offsets":[0,1],"extra":{"x":[1,2.5e3,null,true]}}}', b"\x2a"), None, None),
        ("tensor_info_as_array", frame('{"a":["U8",[1],[0,1]]}', b"\x2a"), None, None),
        ("tensor_info_array_too_long", frame('{"a":["U8",[1],[0,1],5]}', b"\x2a"), None, None),
        ("tensor_info_array_too_short", frame('{"a":["U8",[1]]}', b"\x2a"), None, None),
        ("dtype_as_unit_variant_map", frame('{"a":{"dtype":{"U8":null},"shape":[1],"data_offsets":[0,1]}}', b"\x2a"), None, None),
        ("dtype_map_with_value", frame('{"a":{"dtype":{"U8":1},"shape":[1],"data_offsets":[0,1]}}', b"\x2a"), None, None),
        ("dtype_map_two_keys", frame('{"a":{"dtype":{"U8":null,"I8":null},"shape":[1],"data_offsets":[0,1]}}', b"\x2a"), None, None),
        ("tensor_info_string", frame('{"a":"U8"}'), None, None),
        ("top_level_array", frame("[]"), None, None),
        ("top_level_null", frame("null"), None, None),
        ("metadata_number_value", frame('{"__metadata__":{"format":1}}'), None, None),
        ("metadata_array", frame('{"__metadata__":["pt"]}'), None, None),
        ("metadata_null", frame('{"__metadata__":null}'), None, None),
        ("metadata_empty_object", frame('{"__metadata__":{}}'), None, None),
        ("metadata_nested_object", frame('{"__metadata__":{"a":{"b":"c"}}}'), None, None),
        ("metadata_after_tensors", frame("{" + tensor("a", "U8", [1], 0, 1) + ',"__metadata__":{"k":"v"}}', b"\x01"), None, None),
        # Duplicate keys: the reference keeps one entry; we refuse the file.
        ("duplicate_tensor_distinct_offsets", frame("{" + tensor("a", "U8", [1], 0, 1) + "," + tensor("a", "U8", [1], 1, 2) + "}", b"\1\2"), "duplicateKey", "reference reports the lost entry's hole"),
        ("duplicate_tensor_same_offsets", frame("{" + tensor("a", "U8", [1], 0, 1) + "," + tensor("a", "U8", [1], 0, 1) + "}", b"\1"), "duplicateKey", "reference accepts and keeps one entry"),
        ("duplicate_metadata", frame('{"__metadata__":{"k":"v"},"__metadata__":{"k":"w"}}'), "duplicateKey", None),
        ("duplicate_metadata_key", frame('{"__metadata__":{"k":"v","k":"w"}}'), "duplicateKey", None),
        ("duplicate_field", frame('{"a":{"dtype":"U8","dtype":"U8","shape":[1],"data_offsets":[0,1]}}', b"\0"), "duplicateKey", None),
        # JSON syntax.
        ("json_trailing_comma", frame('{"a":{"dtype":"U8","shape":[1],"data_offsets":[0,1]},}', b"\0"), None, None),
        ("json_comment", frame('{} // x'), None, None),
        ("json_trailing_garbage", frame('{}x'), None, None),
        ("json_nan", frame('{"__metadata__":{"k":NaN}}'), None, None),
        ("json_leading_bom", frame(b"\xef\xbb\xbf{}"), None, None),
        ("json_leading_formfeed", frame(b"\x0c{}"), None, None),
        ("json_control_char_in_name", frame(b'{"a\x01":{"dtype":"U8","shape":[1],"data_offsets":[0,1]}}', b"\0"), None, None),
        ("json_escaped_control_name", frame('{"a\\u0001":{"dtype":"U8","shape":[1],"data_offsets":[0,1]}}', b"\0"), None, None),
        ("json_lone_surrogate_name", frame('{"a\\ud800":{"dtype":"U8","shape":[1],"data_offsets":[0,1]}}', b"\0"), None, None),
        ("json_surrogate_pair_name", frame('{"\\ud83d\\ude00":{"dtype":"U8","shape":[1],"data_offsets":[0,1]}}', b"\0"), None, None),
        ("json_overlong_utf8", frame(b'{"\xc0\x80":{}}'), None, None),
        ("json_encoded_surrogate_utf8", frame(b'{"\xed\xa0\x80":{}}'), None, None),
        ("json_number_out_of_range", frame('{"a":{"dtype":"U8","shape":[1],"data_offsets":[0,1],"x":1e400}}', b"\0"), None, None),
        ("json_big_integer_ignored", frame('{"a":{"dtype":"U8","shape":[1],"data_offsets":[0,1],"x":' + "9" * 300 + '}}', b"\0"), None, None),
        ("json_depth_127", frame('{"a":{"dtype":"U8","shape":[1],"data_offsets":[0,1],"x":' + deep(125) + '}}', b"\0"), None, None),
        ("json_depth_128", frame('{"a":{"dtype":"U8","shape":[1],"data_offsets":[0,1],"x":' + deep(126) + '}}', b"\0"), None, None),
        ("json_depth_500", frame('{"a":{"dtype":"U8","shape":[1],"data_offsets":[0,1],"x":' + deep(500) + '}}', b"\0"), None, None),
        ("json_empty_header", frame(""), None, None),
        ("json_only_spaces", frame("        "), None, None),
    ]


def write_crafted(manifest):
    os.makedirs(os.path.join(ROOT, "crafted"))
    for name, content, swift_case, note in crafted_cases():
        relative = f"crafted/{name}.safetensors"
        path = os.path.join(ROOT, relative)
        with open(path, "wb") as f:
            f.write(content)
        entry = {"file": relative, **reference_outcome(path)}
        if swift_case:
            entry["swift"] = swift_case
        if note:
            entry["note"] = note
        manifest["crafted"].append(entry)


def save_like_huggingface_hub(state_dict, directory, max_shard_size, metadata):
    """huggingface_hub.save_torch_state_dict's steps, for numpy arrays (storage size = nbytes)."""
    split = split_state_dict_into_shards_factory(
        state_dict, get_storage_size=lambda a: a.nbytes, filename_pattern="model{suffix}.safetensors",
        max_shard_size=max_shard_size)
    per_file_metadata = {"format": "pt"}
    if not split.is_sharded:
        per_file_metadata.update(metadata)
    for filename, names in split.filename_to_tensors.items():
        save_file({k: state_dict[k] for k in names}, os.path.join(directory, filename), metadata=per_file_metadata)
    if split.is_sharded:
        index = {"metadata": {**split.metadata, **metadata}, "weight_map": split.tensor_to_filename}
        with open(os.path.join(directory, "model.safetensors.index.json"), "w") as f:
            json.dump(index, f, indent=2)
    return split


def write_sharded(manifest):
    rng = np.random.default_rng(7)
    state = {
        "embed.weight": rng.standard_normal((8, 4)).astype(np.float32),      # 128 bytes
        "layers.0.norm": rng.standard_normal((4,)).astype(ml_dtypes.bfloat16),  # 8
        "layers.0.proj": rng.standard_normal((6, 4)).astype(np.float16),     # 48
        "big.table": rng.standard_normal((40,)).astype(np.float64),          # 320: larger than the limit
        "layers.1.proj": rng.standard_normal((6, 4)).astype(np.float16),     # 48
        "counts": np.arange(5, dtype=np.int64),                              # 40
        "mask": np.array([True, False]),                                     # 2
    }
    for case, max_size, metadata in [("limit_200", 200, {}), ("limit_100_with_metadata", 100, {"note": "extra"}),
                                     ("single_shard", 10_000, {"source": "oracle"})]:
        directory = os.path.join(ROOT, "sharded", case)
        os.makedirs(directory)
        split = save_like_huggingface_hub(state, directory, max_size, metadata)
        manifest["sharded"].append({
            "directory": f"sharded/{case}", "max_shard_size": max_size, "metadata": metadata,
            "tensors": [describe(k, v, with_values=False) for k, v in state.items()],
            "files": sorted(os.listdir(directory)),
            "filename_to_tensors": split.filename_to_tensors,
        })


def main():
    if os.path.exists(ROOT):
        shutil.rmtree(ROOT)
    os.makedirs(ROOT)
    manifest = {"generator": "scripts/oracles/safetensors_fixtures.py with safetensors==0.8.0, numpy==%s, ml_dtypes==%s" % (
        np.__version__, ml_dtypes.__version__), "valid": [], "crafted": [], "sharded": []}
    write_valid(manifest)
    write_crafted(manifest)
    write_sharded(manifest)
    with open(os.path.join(ROOT, "manifest.json"), "w") as f:
        json.dump(manifest, f, indent=1, ensure_ascii=True)
        f.write("\n")
    print(f"wrote {len(manifest['valid'])} valid, {len(manifest['crafted'])} crafted, {len(manifest['sharded'])} sharded cases to {ROOT}", file=sys.stderr)


if __name__ == "__main__":
    main()
