#!/usr/bin/env python3
"""Writes the tokenizer seeds of Fuzz/corpus/tokenizer-json and tokenizer-model: the oracle fixtures
of Tests/TokenizersTests cut down to a few dozen tokens (standard library only). Run from the repository root."""
import json
import os

HF = 'Tests/TokenizersTests/Fixtures/hf'
for name in ['gpt2', 'llama3', 'llama3-string-merges', 'qwen2', 'smollm']:
    document = json.load(open(f'{HF}/{name}/tokenizer.json'))
    model = document['model']
    merges = model['merges'][:12]
    vocab = {token: id for token, id in model['vocab'].items() if id < 40}
    for merge in merges:  # keep what the kept merges read and produce
        parts = merge.split(' ') if isinstance(merge, str) else merge
        for token in parts + [''.join(parts)]:
            if token in model['vocab']:
                vocab[token] = model['vocab'][token]
    model['vocab'], model['merges'] = vocab, merges
    document['added_tokens'] = document.get('added_tokens', [])[:3]
    document.pop('post_processor', None)
    with open(f'Fuzz/corpus/tokenizer-json/{name}.json', 'w') as handle:
        handle.write(json.dumps(document, separators=(',', ':'), ensure_ascii=False))


def varint(data, at):
    result = shift = 0
    while True:
        byte = data[at]
        at += 1
        result |= (byte & 0x7F) << shift
        shift += 7
        if byte < 0x80:
            return result, at


def fields(data):
    at = 0
    while at < len(data):
        start = at
        key, at = varint(data, at)
        wire = key & 7
        if wire == 0:
            _, at = varint(data, at)
        elif wire == 1:
            at += 8
        elif wire == 5:
            at += 4
        elif wire == 2:
            length, at = varint(data, at)
            at += length
        yield key >> 3, data[start:at]


for source in ['Tests/TokenizersTests/Fixtures/spm/llama-style.model', 'Tests/TokenizersTests/Fixtures/spm/collapse-spaces.model',
               'Tests/TokenizersTests/Fixtures/trained/spm-collapse.model']:
    data, output, pieces = open(source, 'rb').read(), b'', 0
    for field, raw in fields(data):
        if field == 1:  # ModelProto.pieces: keep the first 40
            pieces += 1
            if pieces > 40:
                continue
        output += raw
    with open(f'Fuzz/corpus/tokenizer-model/{os.path.basename(source)}', 'wb') as handle:
        handle.write(output)
