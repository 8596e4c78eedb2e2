#!/usr/bin/env python3
"""Writes the small GGUF seed files of Fuzz/corpus/gguf (standard library only; layout of the GGUF v3
spec: header, metadata, tensor infos, data aligned to 32). Run from the repository root."""
import struct

def string(text):
    raw = text.encode()
    return struct.pack('<Q', len(raw)) + raw

SCALARS = {'u8': (0, '<B'), 'i8': (1, '<b'), 'u16': (2, '<H'), 'i16': (3, '<h'), 'u32': (4, '<I'), 'i32': (5, '<i'),
           'f32': (6, '<f'), 'bool': (7, '<?'), 'u64': (10, '<Q'), 'i64': (11, '<q'), 'f64': (12, '<d')}

def value(kind, item):
    if kind == 'str':
        return struct.pack('<I', 8) + string(item)
    if kind.startswith('arr:'):
        inner = kind[4:]
        body = b''.join(value(inner, x)[4:] for x in item)
        inner_type = 8 if inner == 'str' else 9 if inner.startswith('arr:') else SCALARS[inner][0]
        return struct.pack('<IIQ', 9, inner_type, len(item)) + body
    code, fmt = SCALARS[kind]
    return struct.pack('<I', code) + struct.pack(fmt, item)

def gguf(metadata, tensors):
    out = b'GGUF' + struct.pack('<IqQ', 3, len(tensors), len(metadata))
    for key, kind, item in metadata:
        out += string(key) + value(kind, item)
    offset = 0
    for name, ggml_type, shape, data in tensors:
        out += string(name) + struct.pack('<I', len(shape)) + b''.join(struct.pack('<Q', d) for d in shape)
        out += struct.pack('<IQ', ggml_type, offset)
        offset += (len(data) + 31) // 32 * 32
    out += b'\0' * (-len(out) % 32)
    for _, _, _, data in tensors:
        out += data + b'\0' * (-len(data) % 32)
    return out

def pattern(count, seed):
    return bytes((seed * 37 + i * 11) % 251 for i in range(count))

half_one = struct.pack('<e', 0.05)
seeds = {
    'metadata-vocab': gguf([('general.architecture', 'str', 'llama'), ('llama.context_length', 'u32', 2048),
                            ('llama.embedding_length', 'u64', 64), ('llama.rope.freq_base', 'f32', 10000.0),
                            ('tokenizer.ggml.model', 'str', 'gpt2'),
                            ('tokenizer.ggml.tokens', 'arr:str', ['<s>', '</s>', 'a', 'b', 'ab', 'Ġthe']),
                            ('tokenizer.ggml.scores', 'arr:f32', [0.0, -1.0, -2.0, -3.0, -4.0, -5.0]),
                            ('tokenizer.ggml.token_type', 'arr:i32', [3, 3, 1, 1, 1, 1]),
                            ('tokenizer.ggml.merges', 'arr:str', ['a b']), ('general.flag', 'bool', True),
                            ('general.nested', 'arr:arr:u8', [[1, 2], [3]]), ('general.i64', 'i64', -7),
                            ('general.f64', 'f64', 0.5)], []),
    'tensors-plain': gguf([('general.architecture', 'str', 'llama'), ('general.alignment', 'u32', 32)],
                          [('f32.weight', 0, [4, 2], struct.pack('<8f', *[0.5 * i for i in range(8)])),
                           ('f16.weight', 1, [4], struct.pack('<4e', 1.0, -2.0, 0.25, 65504.0)),
                           ('i8.weight', 24, [3], b'\x01\xff\x7f')]),
    'tensors-quantized': gguf([('general.architecture', 'str', 'llama')],
                              [('q8_0.weight', 8, [32, 1], half_one + pattern(32, 1)),
                               ('q4_0.weight', 2, [32], half_one + pattern(16, 2)),
                               ('q4_1.weight', 3, [32], half_one + half_one + pattern(16, 3)),
                               ('q4_k.weight', 12, [256], half_one + half_one + pattern(140, 4))]),
}
for name, data in seeds.items():
    with open(f'Fuzz/corpus/gguf/{name}', 'wb') as handle:
        handle.write(data)
