#!/usr/bin/env python3
"""Writes the PyTorch-checkpoint test fixtures under Tests/CheckpointsTests/Fixtures/pytorch/.

torch is not reliably installable on the build machines, so this script emulates torch.save's
pickling without torch (formats-quant-spec.md §2 and Appendix A): a fake `torch` module provides
the globals torch pickles (`torch._utils._rebuild_tensor_v2/_v3`, `_rebuild_parameter`, storage
classes, dtypes), tensors reduce exactly as `torch/_tensor.py::_reduce_ex_internal` does, and the
persistent ids are those of `torch/serialization.py` (`_save`: 5-tuple; `_legacy_save`: 6-tuple).
The zip container is written the way torch's PyTorchStreamWriter lays it out: `<archive>/data.pkl`,
`.format_version`, `.storage_alignment`, `byteorder`, `data/<key>`, `version`, `.data/serialization_id`,
stored entries whose data is padded to 64 bytes with an "FB" extra field, and ZIP64 end records.

Expected values are written beside the fixtures as JSON: for every tensor its dtype, shape and the
little-endian row-major bytes (hex) that torch.load would produce.

The model-parallel fixtures split the official golden state dict (shared/fixtures/megalodon/
A_swiglu.safetensors, `weights.*`) into two emulated `consolidated.NN.pth` shards along the axes of
megalodon-spec.md §3 (= megalodon-jax convert._merge_axis); the test checks that merging gives the
safetensors tensors back exactly. The Llama fixture splits a small random state dict along
llama.cpp convert_legacy_llama.py's axes (axis 1 for tok_embeddings, attention.wo, feed_forward.w2;
1-D tensors replicated; axis 0 otherwise).

Pins: Python 3.11, numpy==2.2.6 (install into a venv outside the repo:
  python3 -m venv /work/venv-pytorch && /work/venv-pytorch/bin/pip install numpy==2.2.6).
Run: /work/venv-pytorch/bin/python scripts/oracles/pytorch_fixtures.py [path/to/shared]
"""

import collections
import io
import json
import os
import pickle
import struct
import sys
import types
import zipfile
import zlib
from pathlib import Path

import numpy as np

ROOT = Path(__file__).resolve().parents[2]
OUT = ROOT / "Tests/CheckpointsTests/Fixtures/pytorch"
SHARED = Path(sys.argv[1]) if len(sys.argv) > 1 else ROOT.parent / "shared"

# ---------------------------------------------------------------- fake torch (pickling only)

torch = types.ModuleType("torch")
torch_utils = types.ModuleType("torch._utils")
torch_tensor = types.ModuleType("torch._tensor")
sys.modules.update({"torch": torch, "torch._utils": torch_utils, "torch._tensor": torch_tensor})
torch._utils = torch_utils


def _function(module, name):
    def placeholder(*args):
        raise RuntimeError("emulation only")
    placeholder.__module__ = module.__name__
    placeholder.__qualname__ = placeholder.__name__ = name
    setattr(module, name, placeholder)
    return placeholder


rebuild_v2 = _function(torch_utils, "_rebuild_tensor_v2")
rebuild_v3 = _function(torch_utils, "_rebuild_tensor_v3")
rebuild_parameter = _function(torch_utils, "_rebuild_parameter")

STORAGE_CLASSES = {
    "float32": "FloatStorage", "float64": "DoubleStorage", "float16": "HalfStorage", "bfloat16": "BFloat16Storage",
    "int64": "LongStorage", "int32": "IntStorage", "int16": "ShortStorage", "int8": "CharStorage",
    "uint8": "ByteStorage", "bool": "BoolStorage",
}
for class_name in list(STORAGE_CLASSES.values()) + ["UntypedStorage"]:
    setattr(torch, class_name, type(class_name, (), {"__module__": "torch"}))


class DType:
    """torch.dtype pickles as the global torch.<name> (its __reduce__ returns the name)."""
    def __init__(self, name):
        self.name = name
        self.__module__ = "torch"

    def __reduce__(self):
        return self.name


for dtype_name in ["uint16", "uint32", "uint64"]:
    setattr(torch, dtype_name, DType(dtype_name))

# Element type of each emulated dtype, and the safetensors spelling the Swift side reports.
NUMPY = {"float32": "<f4", "float64": "<f8", "float16": "<f2", "int64": "<i8", "int32": "<i4", "int16": "<i2",
         "int8": "i1", "uint8": "u1", "bool": "?", "uint16": "<u2", "uint32": "<u4", "uint64": "<u8"}
SAFETENSORS = {"float32": "F32", "float64": "F64", "float16": "F16", "bfloat16": "BF16", "int64": "I64", "int32": "I32",
               "int16": "I16", "int8": "I8", "uint8": "U8", "bool": "BOOL", "uint16": "U16", "uint32": "U32", "uint64": "U64"}
WIDTH = {"float32": 4, "float64": 8, "float16": 2, "bfloat16": 2, "int64": 8, "int32": 4, "int16": 2, "int8": 1,
         "uint8": 1, "bool": 1, "uint16": 2, "uint32": 4, "uint64": 8}


class Storage:
    """A flat storage: `raw` holds its little-endian bytes; `untyped` for dtypes torch saves as UntypedStorage."""
    def __init__(self, key, dtype, raw, untyped=False):
        self.key, self.dtype, self.raw, self.untyped = key, dtype, raw, untyped

    @property
    def numel(self):
        return len(self.raw) if self.untyped else len(self.raw) // WIDTH[self.dtype]


class Tensor:
    """A strided view: offset/size/stride in elements of the tensor dtype (torch's convention)."""
    def __init__(self, storage, offset, size, stride, dtype=None, parameter=False):
        self.storage, self.offset, self.size, self.stride = storage, offset, tuple(size), tuple(stride)
        self.dtype = dtype or storage.dtype
        self.parameter = parameter

    def __reduce_ex__(self, protocol):
        hooks = collections.OrderedDict()
        if self.storage.untyped:
            plain = (rebuild_v3, (self.storage, self.offset, self.size, self.stride, False, hooks, getattr(torch, self.dtype)))
        else:
            plain = (rebuild_v2, (self.storage, self.offset, self.size, self.stride, False, hooks))
        if self.parameter:
            return (rebuild_parameter, (Tensor(self.storage, self.offset, self.size, self.stride, self.dtype), True, hooks))
        return plain

    def values(self):
        """Row-major little-endian bytes of the view, gathered with numpy strides."""
        width = WIDTH[self.dtype]
        if self.dtype == "bfloat16":
            flat = np.frombuffer(self.storage.raw, dtype="<u2")
        else:
            flat = np.frombuffer(self.storage.raw, dtype=NUMPY[self.dtype])
        view = np.lib.stride_tricks.as_strided(flat[self.offset:], shape=self.size,
                                               strides=tuple(s * width for s in self.stride))
        return np.ascontiguousarray(view).tobytes()


class TorchPickler(pickle.Pickler):
    def __init__(self, file, protocol, legacy):
        super().__init__(file, protocol=protocol)
        self.legacy = legacy

    def persistent_id(self, obj):
        if not isinstance(obj, Storage):
            return None
        storage_type = torch.UntypedStorage if obj.untyped else getattr(torch, STORAGE_CLASSES[obj.dtype])
        if self.legacy:
            view = getattr(obj, "legacy_view", None)
            return ("storage", storage_type, obj.key, "cpu", obj.numel, view)
        return ("storage", storage_type, obj.key, "cpu", obj.numel)


def storages_of(obj, found=None):
    found = {} if found is None else found
    if isinstance(obj, Tensor):
        found[obj.storage.key] = obj.storage
    elif isinstance(obj, dict):
        for value in obj.values():
            storages_of(value, found)
    elif isinstance(obj, (list, tuple)):
        for value in obj:
            storages_of(value, found)
    return found


def dump_pickle(obj, protocol, legacy=False):
    buffer = io.BytesIO()
    TorchPickler(buffer, protocol, legacy).dump(obj)
    return buffer.getvalue()

# ---------------------------------------------------------------- containers


def torch_zip(records, zip64_extra=False):
    """A zip laid out like PyTorchStreamWriter: stored entries, data aligned to 64 bytes by an "FB"
    extra field, sizes in the central directory, ZIP64 end record + locator always present.
    `zip64_extra` writes what a >4 GiB archive has: central sizes and offsets saturated at 0xFFFFFFFF
    and the real values in a ZIP64 extended-information extra field (id 1)."""
    out = bytearray()
    central = bytearray()
    for name, data in records:
        name_bytes = name.encode()
        header_offset = len(out)
        base = header_offset + 30 + len(name_bytes) + 4
        padding = (64 - base % 64) % 64
        extra = b"FB" + struct.pack("<H", padding) + b"Z" * padding
        crc = zlib.crc32(data)
        out += struct.pack("<IHHHHHIIIHH", 0x04034B50, 20, 0, 0, 0, 0, crc, len(data), len(data), len(name_bytes), len(extra))
        out += name_bytes + extra + data
        if zip64_extra:
            central_extra = struct.pack("<HHQQQ", 1, 24, len(data), len(data), header_offset)
            sizes = (0xFFFFFFFF, 0xFFFFFFFF, 0xFFFFFFFF)
        else:
            central_extra = b""
            sizes = (len(data), len(data), header_offset)
        central += struct.pack("<IHHHHHHIIIHHHHHII", 0x02014B50, 0x031E, 20, 0, 0, 0, 0, crc, sizes[0], sizes[1],
                               len(name_bytes), len(central_extra), 0, 0, 0, 0, sizes[2])
        central += name_bytes + central_extra
    directory_offset = len(out)
    out += central
    zip64_offset = len(out)
    count = len(records)
    out += struct.pack("<IQHHIIQQQQ", 0x06064B50, 44, 0x031E, 45, 0, 0, count, count, len(central), directory_offset)
    out += struct.pack("<IIQI", 0x07064B50, 0, zip64_offset, 1)
    out += struct.pack("<IHHHHIIH", 0x06054B50, 0, 0, count, count, len(central), directory_offset, 0)
    return bytes(out)


def archive_records(obj, archive, protocol, byteorder="little", extra=()):
    storages = storages_of(obj)
    records = [(f"{archive}/data.pkl", dump_pickle(obj, protocol)), (f"{archive}/.format_version", b"1"),
               (f"{archive}/.storage_alignment", b"64"), (f"{archive}/byteorder", byteorder.encode())]
    for key in sorted(storages, key=int):
        raw = storages[key].raw
        if byteorder == "big":
            # A big-endian writer stores every element in native order, untyped (v3) storages included.
            raw = swapped(storages[key])
        records.append((f"{archive}/data/{key}", raw))
    records += [(f"{archive}/version", b"3\n"), (f"{archive}/.data/serialization_id", b"0123456789")]
    return records + list(extra)


def swapped(storage):
    width = WIDTH[storage.dtype]
    return b"".join(storage.raw[i:i + width][::-1] for i in range(0, len(storage.raw), width))


def legacy_file(obj, protocol=2, big_endian=False):
    """torch/serialization.py _legacy_save: magic, protocol 1001, sys_info, object, keys, storages
    (each as its element count and raw bytes, in the writing machine's byte order)."""
    storages = storages_of(obj)
    out = io.BytesIO()
    pickle.dump(0x1950A86A20F9469CFC6C, out, protocol=protocol)
    pickle.dump(1001, out, protocol=protocol)
    pickle.dump(dict(protocol_version=1001, little_endian=not big_endian, type_sizes=dict(short=2, int=4, long=4)), out,
                protocol=protocol)
    TorchPickler(out, protocol, legacy=True).dump(obj)
    keys = sorted(storages, key=int)
    pickle.dump(keys, out, protocol=protocol)
    for key in keys:
        out.write(struct.pack(">q" if big_endian else "<q", storages[key].numel))
        out.write(swapped(storages[key]) if big_endian else storages[key].raw)
    return out.getvalue()

# ---------------------------------------------------------------- fixture objects


def bf16_bytes(values):
    bits = np.asarray(values, dtype="<f4").view("<u4")
    rounded = ((bits + 0x7FFF + ((bits >> 16) & 1)) >> 16).astype("<u2")
    return rounded.tobytes()


def sample_checkpoint(rng, with_untyped=True):
    """A training-style wrapper: config scalars, a state_dict OrderedDict with _metadata, outputs."""
    s_embed = Storage("0", "bfloat16", bf16_bytes(rng.standard_normal(24)))
    s_matrix = Storage("1", "float32", rng.standard_normal(20).astype("<f4").tobytes())
    s_half = Storage("2", "float16", rng.standard_normal(5).astype("<f2").tobytes())
    s_count = Storage("3", "int64", np.array([7, -3, 2**40], dtype="<i8").tobytes())
    s_mask = Storage("4", "bool", np.array([1, 0, 1, 1], dtype="u1").tobytes())
    s_double = Storage("5", "float64", rng.standard_normal(3).astype("<f8").tobytes())
    s_int = Storage("6", "int32", np.array([1, -2, 3, -4, 5, -6], dtype="<i4").tobytes())
    s_short = Storage("7", "int16", np.array([300, -300], dtype="<i2").tobytes())
    s_char = Storage("8", "int8", np.array([-128, 127, 0], dtype="i1").tobytes())
    s_byte = Storage("9", "uint8", np.array([0, 255, 17, 42], dtype="u1").tobytes())

    state = collections.OrderedDict()
    state["embed.weight"] = Tensor(s_embed, 0, (4, 6), (6, 1))
    state["lm_head.weight"] = Tensor(s_embed, 0, (4, 6), (6, 1))          # tied: same storage
    state["embed_t"] = Tensor(s_embed, 0, (6, 4), (1, 6))                 # transposed view
    state["rows"] = Tensor(s_matrix, 5, (2, 5), (5, 1))                   # slice with an offset
    state["cols"] = Tensor(s_matrix, 1, (4, 2), (5, 2))                   # strided slice
    state["proj.weight"] = Tensor(s_matrix, 0, (4, 5), (5, 1), parameter=True)
    state["norm.weight"] = Tensor(s_half, 0, (5,), (1,))
    state["step"] = Tensor(s_count, 1, (), ())                             # 0-d scalar inside a storage
    state["counts"] = Tensor(s_count, 0, (3,), (1,))
    state["mask"] = Tensor(s_mask, 0, (2, 2), (2, 1))
    state["double"] = Tensor(s_double, 0, (3,), (1,))
    state["ints"] = Tensor(s_int, 0, (3, 2), (1, 3))                       # column-major view
    state["shorts"] = Tensor(s_short, 0, (2,), (1,))
    state["chars"] = Tensor(s_char, 0, (3,), (1,))
    state["bytes"] = Tensor(s_byte, 0, (4,), (1,))
    state["empty"] = Tensor(s_matrix, 10**6, (0, 5), (5, 1))           # empty: its offset addresses nothing
    if with_untyped:
        s_u16 = Storage("10", "uint16", np.array([1, 65535, 300, 7], dtype="<u2").tobytes(), untyped=True)
        state["u16"] = Tensor(s_u16, 1, (3,), (1,), dtype="uint16")        # _rebuild_tensor_v3
    state._metadata = collections.OrderedDict([("", {"version": 1}), ("proj", {"version": 1})])
    outputs = {"logits": Tensor(s_matrix, 10, (2, 5), (5, 1)), "history": [Tensor(s_half, 1, (2,), (1,)), 3]}
    config = {"num_layers": 2, "model_dim": 64, "norm_eps": 1e-05, "rope_base": None, "swiglu": True, "name": "tiny"}
    return {"config": config, "state_dict": state, "outputs": outputs}


def flat_tensors(obj, prefix=""):
    if isinstance(obj, Tensor):
        yield prefix, obj
    elif isinstance(obj, dict):
        for key, value in obj.items():
            yield from flat_tensors(value, f"{prefix}.{key}" if prefix else str(key))
    elif isinstance(obj, (list, tuple)):
        for index, value in enumerate(obj):
            yield from flat_tensors(value, f"{prefix}.{index}" if prefix else str(index))


def expected_json(obj):
    return {name: {"dtype": SAFETENSORS[t.dtype], "shape": list(t.size), "hex": t.values().hex()}
            for name, t in flat_tensors(obj)}

# ---------------------------------------------------------------- malicious pickles (written, never loaded)


class Evil:
    def __init__(self, target, argument):
        self.target, self.argument = target, argument

    def __reduce__(self):
        return (self.target, (self.argument,))


def malicious():
    import builtins
    files = {
        "os_system_p2.pkl": pickle.dumps({"w": Evil(os.system, "echo pwned")}, protocol=2),       # GLOBAL posix system
        "os_system_p4.pkl": pickle.dumps({"w": Evil(os.system, "echo pwned")}, protocol=4),       # STACK_GLOBAL
        "builtins_eval_p2.pkl": pickle.dumps(Evil(builtins.eval, "print('pwned')"), protocol=2),
        "builtins_exec_p4.pkl": pickle.dumps([Evil(builtins.exec, "print('pwned')")], protocol=4),
    }
    return files

# ---------------------------------------------------------------- model-parallel splits


def read_safetensors(path):
    data = path.read_bytes()
    (length,) = struct.unpack("<Q", data[:8])
    header = json.loads(data[8:8 + length])
    tensors = {}
    for name, info in header.items():
        if name == "__metadata__":
            continue
        begin, end = info["data_offsets"]
        dtype = {"F32": "float32", "I64": "int64"}[info["dtype"]]
        raw = data[8 + length + begin:8 + length + end]
        tensors[name] = np.frombuffer(raw, dtype=NUMPY[dtype]).reshape(info["shape"])
    return tensors


def megalodon_axis(key):
    """megalodon-spec.md §3 merge table (= megalodon-jax convert._merge_axis)."""
    if key in ("embed.weight", "output.output.weight"):
        return 1
    if key == "rope.freqs" or key.endswith(".prior_count"):
        return None
    if ".rmsnorm.weight" in key or ".nffn.norm." in key or key.endswith(".nffn.alpha"):
        return None
    if ".cema." in key:
        return 0
    if key.endswith((".wh2.weight", ".fc2.weight", ".mega.gamma", ".mega.beta")):
        return 1
    if ".timenorm." in key or key.startswith("output.final_norm.") or key.endswith(
            (".wz.weight", ".wz.bias", ".wv.weight", ".wv.bias", ".wr.weight", ".wr.bias", ".wh1.weight", ".wh1.bias",
             ".fc1.weight", ".fc3.weight")):
        return 0
    raise ValueError(key)


def llama_axis(key, array):
    if array.ndim == 1:
        return None
    if key.startswith("tok_embeddings.") or key.endswith((".attention.wo.weight", ".feed_forward.w2.weight")):
        return 1
    return 0


def shard_state(state, ranks, axis_of):
    shards = [collections.OrderedDict() for _ in range(ranks)]
    for key, array in state.items():
        axis = axis_of(key, array)
        pieces = [array] * ranks if axis is None else np.split(array, ranks, axis=axis)
        for rank, piece in enumerate(pieces):
            shards[rank][key] = piece.copy(order="C")  # (ascontiguousarray would turn 0-d into 1-d)
    return shards


def state_as_tensors(state):
    result = collections.OrderedDict()
    for index, (key, array) in enumerate(state.items()):
        dtype = {"float32": "float32", "int64": "int64"}[str(array.dtype)]
        storage = Storage(str(index), dtype, array.astype(NUMPY[dtype]).tobytes())
        stride = [int(np.prod(array.shape[i + 1:])) for i in range(array.ndim)]
        result[key] = Tensor(storage, 0, array.shape, stride)
    return result


def write_checkpoint(path, state):
    path.write_bytes(torch_zip(archive_records(state_as_tensors(state), path.stem, 2)))

# ---------------------------------------------------------------- main


def main():
    OUT.mkdir(parents=True, exist_ok=True)
    rng = np.random.default_rng(20261129)
    checkpoint = sample_checkpoint(rng)
    expected = expected_json(checkpoint)

    (OUT / "zip_p2.pt").write_bytes(torch_zip(archive_records(checkpoint, "zip_p2", 2)))
    (OUT / "zip_p4.pt").write_bytes(torch_zip(archive_records(checkpoint, "archive", 4)))
    (OUT / "zip64_extra.pt").write_bytes(torch_zip(archive_records(checkpoint, "zip64_extra", 2), zip64_extra=True))
    (OUT / "zip_bigendian.pt").write_bytes(torch_zip(archive_records(checkpoint, "big", 2, byteorder="big")))
    (OUT / "expected.json").write_text(json.dumps(expected, indent=1, sort_keys=True))

    # Python's zipfile: no ZIP64 records and no alignment padding (archives re-zipped by other tools).
    with zipfile.ZipFile(OUT / "zip_plain.pt", "w", zipfile.ZIP_STORED) as plain:
        for name, data in archive_records(checkpoint, "plain", 2):
            plain.writestr(zipfile.ZipInfo(name, date_time=(2024, 1, 1, 0, 0, 0)), data)
    with zipfile.ZipFile(OUT / "zip_deflated.pt", "w", zipfile.ZIP_DEFLATED) as deflated:
        for name, data in archive_records(checkpoint, "deflated", 2):
            deflated.writestr(zipfile.ZipInfo(name, date_time=(2024, 1, 1, 0, 0, 0)), data, compress_type=zipfile.ZIP_DEFLATED)
    (OUT / "torchscript.pt").write_bytes(torch_zip(archive_records(
        checkpoint, "script", 2, extra=[("script/constants.pkl", pickle.dumps((), protocol=2))])))

    legacy = sample_checkpoint(np.random.default_rng(20261129), with_untyped=False)
    s_view_root = Storage("11", "float32", np.arange(8, dtype="<f4").tobytes())
    s_view_root.legacy_view = ("12", 2, 4)                               # pre-1.6 storage view: elements 2..5
    legacy["outputs"]["view"] = Tensor(s_view_root, 1, (3,), (1,))
    legacy_expected = expected_json(legacy)
    legacy_expected["outputs.view"]["hex"] = np.arange(8, dtype="<f4")[3:6].tobytes().hex()
    (OUT / "legacy_p2.pt").write_bytes(legacy_file(legacy, protocol=2))
    (OUT / "legacy_bigendian.pt").write_bytes(legacy_file(legacy, protocol=2, big_endian=True))
    (OUT / "legacy_expected.json").write_text(json.dumps(legacy_expected, indent=1, sort_keys=True))

    malicious_dir = OUT / "malicious"
    malicious_dir.mkdir(exist_ok=True)
    for name, data in malicious().items():
        (malicious_dir / name).write_bytes(data)
    (malicious_dir / "os_system_archive.pt").write_bytes(torch_zip(
        [("evil/data.pkl", malicious()["os_system_p2.pkl"]), ("evil/byteorder", b"little")]))

    # MEGALODON model-parallel directory: two shards of the official golden weights.
    golden = read_safetensors(SHARED / "fixtures/megalodon/A_swiglu.safetensors")
    state = collections.OrderedDict((k[len("weights."):], v) for k, v in golden.items() if k.startswith("weights."))
    mp_dir = OUT / "megalodon_mp2"
    mp_dir.mkdir(exist_ok=True)
    for rank, shard in enumerate(shard_state(state, 2, lambda k, a: megalodon_axis(k))):
        write_checkpoint(mp_dir / f"consolidated.{rank:02d}.pth", shard)
    config = json.loads((SHARED / "fixtures/megalodon/A_swiglu.json").read_text())["config"]
    (mp_dir / "config.json").write_text(json.dumps({"model": config, "tokenizer": {"path": "tokenizer.model",
                                                                                     "additional_vocab_size": 0}}, indent=1))
    (mp_dir / "consolidate_config.json").write_text(json.dumps({"model_parallel_size": 2, "dtype": "fp32"}))

    # Broken MEGALODON directories: a shard whose shape disagrees off the concatenation axis, and a
    # replicated tensor that differs between ranks.
    tiny = collections.OrderedDict([("rope.freqs", np.arange(4, dtype="<f4")),
                                    ("layers.0.mega.wz.weight", np.arange(24, dtype="<f4").reshape(4, 6))])
    for name, rank1 in [("mp2_bad_shape", collections.OrderedDict([("rope.freqs", tiny["rope.freqs"]),
                                                                   ("layers.0.mega.wz.weight", np.zeros((2, 5), "<f4"))])),
                        ("mp2_bad_replica", collections.OrderedDict([("rope.freqs", tiny["rope.freqs"] + 1),
                                                                     ("layers.0.mega.wz.weight", tiny["layers.0.mega.wz.weight"][2:])]))]:
        bad_dir = OUT / name
        bad_dir.mkdir(exist_ok=True)
        write_checkpoint(bad_dir / "consolidated.00.pth", collections.OrderedDict(
            [("rope.freqs", tiny["rope.freqs"]), ("layers.0.mega.wz.weight", tiny["layers.0.mega.wz.weight"][:2])]))
        write_checkpoint(bad_dir / "consolidated.01.pth", rank1)
        (bad_dir / "consolidate_config.json").write_text(json.dumps({"model_parallel_size": 2, "dtype": "fp32"}))

    # Meta Llama layout: params.json + consolidated.NN.pth, plus the unsplit state as the expectation.
    llama_rng = np.random.default_rng(7)
    llama = collections.OrderedDict()
    llama["tok_embeddings.weight"] = llama_rng.standard_normal((10, 8)).astype("<f4")
    llama["norm.weight"] = llama_rng.standard_normal(8).astype("<f4")
    llama["output.weight"] = llama_rng.standard_normal((10, 8)).astype("<f4")
    for name, shape in [("attention.wq.weight", (8, 8)), ("attention.wk.weight", (8, 8)), ("attention.wv.weight", (8, 8)),
                        ("attention.wo.weight", (8, 8)), ("feed_forward.w1.weight", (12, 8)),
                        ("feed_forward.w2.weight", (8, 12)), ("feed_forward.w3.weight", (12, 8)),
                        ("attention_norm.weight", (8,)), ("ffn_norm.weight", (8,))]:
        llama[f"layers.0.{name}"] = llama_rng.standard_normal(shape).astype("<f4")
    llama_dir = OUT / "llama_mp2"
    llama_dir.mkdir(exist_ok=True)
    for rank, shard in enumerate(shard_state(llama, 2, llama_axis)):
        write_checkpoint(llama_dir / f"consolidated.{rank:02d}.pth", shard)
    (llama_dir / "params.json").write_text(json.dumps({"dim": 8, "n_layers": 1, "n_heads": 2, "vocab_size": 10,
                                                       "multiple_of": 4, "norm_eps": 1e-5}))
    write_checkpoint(OUT / "llama_merged_expected.pth", llama)


if __name__ == "__main__":
    main()
