#!/usr/bin/env python3
"""Checks rank files written by `megalodon-convert init --official-shards N` the way torch.load reads
them, without torch (not installable here): the zip must pass CRC checks (zipfile.testzip), data.pkl
must unpickle with torch's globals resolved to stand-ins (only collections.OrderedDict,
torch._utils._rebuild_tensor_v2 and torch.*Storage allowed), every persistent id must name a
record whose size is numel x itemsize, storages must be contiguous tensors at offset 0, and every
record must start on a 64-byte boundary (what torch.load(mmap=True) needs).

usage: check_torch_archive.py FILE.pth [FILE.pth ...]   (exit 1 on the first problem)
"""
import collections
import pickle
import struct
import sys
import zipfile

ITEMSIZE = {"FloatStorage": 4, "HalfStorage": 2, "BFloat16Storage": 2, "DoubleStorage": 8, "LongStorage": 8,
            "IntStorage": 4, "ShortStorage": 2, "CharStorage": 1, "ByteStorage": 1, "BoolStorage": 1}


class StorageType:
    def __init__(self, name):
        self.name = name


def rebuild_tensor_v2(storage, offset, size, stride, requires_grad, hooks, *rest):
    return {"storage": storage, "offset": offset, "size": tuple(size), "stride": tuple(stride)}


class Unpickler(pickle.Unpickler):
    def find_class(self, module, name):
        if (module, name) == ("collections", "OrderedDict"):
            return collections.OrderedDict
        if (module, name) == ("torch._utils", "_rebuild_tensor_v2"):
            return rebuild_tensor_v2
        if module == "torch" and name in ITEMSIZE:
            return StorageType(name)
        raise pickle.UnpicklingError(f"global {module}.{name} is not allowed")

    def persistent_load(self, pid):
        kind, storage_type, key, location, numel = pid
        assert kind == "storage" and location == "cpu", pid
        return (storage_type.name, key, numel)


def check(path):
    with zipfile.ZipFile(path) as archive:
        bad = archive.testzip()
        if bad:
            raise SystemExit(f"{path}: CRC mismatch in {bad}")
        names = archive.namelist()
        root = names[0].split("/")[0]
        state = Unpickler(archive.open(f"{root}/data.pkl")).load()
        assert isinstance(state, collections.OrderedDict), type(state)
        infos = {info.filename: info for info in archive.infolist()}
        with open(path, "rb") as raw:
            for name, tensor in state.items():
                storage_type, key, numel = tensor["storage"]
                info = infos[f"{root}/data/{key}"]
                expected = numel * ITEMSIZE[storage_type]
                if info.file_size != expected:
                    raise SystemExit(f"{path}: {name}: record holds {info.file_size} bytes, storage needs {expected}")
                count = 1
                for dim in tensor["size"]:
                    count *= dim
                strides, step = [], 1
                for dim in reversed(tensor["size"]):
                    strides.insert(0, step)
                    step *= dim
                if count != numel or tensor["offset"] != 0 or tuple(strides) != tensor["stride"]:
                    raise SystemExit(f"{path}: {name}: not a contiguous whole-storage tensor {tensor}")
                raw.seek(info.header_offset)
                header = raw.read(30)
                name_length, extra_length = struct.unpack("<HH", header[26:30])
                data_offset = info.header_offset + 30 + name_length + extra_length
                if data_offset % 64:
                    raise SystemExit(f"{path}: {name}: data at offset {data_offset}, not 64-byte aligned")
    print(f"{path}: ok ({len(state)} tensors, CRC checked, unpickled with torch's allow-list)")


if __name__ == "__main__":
    for file in sys.argv[1:]:
        check(file)
