#!/usr/bin/env python3
"""Writes tokenizer.json files of about --megabytes MB (default 10) that make json-c build many small
values, to measure peak memory of loading each (RELIABILITY.md). Standard library only.
Also writes SentencePiece tokenizer.model files made of the smallest pieces.

  json-merges          a valid GPT-2-style tokenizer whose merges are dense one-letter pairs ["a","b"]
  json-merge-strings   the same merges as "a b" strings
  json-numbers         a valid tokenizer plus a huge array of 0s under a key nobody reads
  json-unread          a valid tokenizer plus a huge array of empty objects under a key nobody reads
  json-unique-merges   distinct two-letter pairs ["ab","cd"] (each kept in the merge table)
  json-unique-merge-strings  the same as "ab cd" strings
  json-vocab           a vocabulary of distinct one- to three-letter tokens with dense ids
  json-small           the valid tokenizer alone (the baseline)
  model-bytes          a SentencePiece tokenizer.model of one-byte normal pieces (5 bytes each)
  model-user-defined   the same with user-defined pieces (7 bytes each; the special-token splitter
                       indexes them)
  model-too-many       4,194,305 one-byte pieces: one past the piece cap

  llama3-strings, llama3-pairs  with --llama3 GGUF FIXTURE: the full Llama 3 vocabulary and merges of a
                       llama-bpe GGUF in the cut-down tokenizer.json FIXTURE, pretty-printed, merges as
                       "a b" strings and as ["a","b"] pairs

Usage: make-tokenizer-memory-inputs.py OUTPUT_FOLDER [--megabytes N] [--llama3 GGUF FIXTURE]
Each goes to OUTPUT_FOLDER/<name>.json or <name>.model."""
import argparse
import itertools
import json
import os
import struct


def byte_level_alphabet():
    """GPT-2's printable stand-ins for the 256 bytes."""
    printable = list(range(ord('!'), ord('~') + 1)) + list(range(0xA1, 0xAC + 1)) + list(range(0xAE, 0xFF + 1))
    characters, shift = {}, 0
    for byte in range(256):
        if byte in printable:
            characters[byte] = chr(byte)
        else:
            characters[byte] = chr(256 + shift)
            shift += 1
    return [characters[byte] for byte in range(256)]


def small_tokenizer():
    alphabet = byte_level_alphabet()
    return {
        'model': {'type': 'BPE', 'vocab': {token: index for index, token in enumerate(alphabet)}, 'merges': []},
        'pre_tokenizer': {'type': 'ByteLevel', 'add_prefix_space': False},
    }


def compact(document):
    return json.dumps(document, separators=(',', ':'), ensure_ascii=False)


def with_filler(item, target_bytes):
    """The small tokenizer with `item` repeated under "unread" until the file is about target_bytes."""
    head = compact(small_tokenizer())[:-1] + ',"unread":['
    count = max(1, (target_bytes - len(head.encode())) // (len(item) + 1))
    return head + ','.join([item] * count) + ']}'


def with_merges(target_bytes, as_strings):
    document = small_tokenizer()
    letters = [token for token in document['model']['vocab'] if token.isascii() and token.isalnum()]
    merge_bytes = 6 if as_strings else 10  # "a b", or ["a","b"], with its comma
    count = target_bytes // merge_bytes
    pairs = ([left, right] for left in letters for right in letters)
    merges = []
    while len(merges) < count:  # repeated pairs are legal and cost json-c the same
        merges.extend(pairs)
        pairs = ([left, right] for left in letters for right in letters)
    merges = merges[:count]
    document['model']['merges'] = [' '.join(pair) for pair in merges] if as_strings else merges
    return compact(document)


def letter_strings(length):
    """Distinct ASCII strings of `length` letters and digits, in order."""
    letters = [chr(c) for c in range(ord('!'), ord('~') + 1) if chr(c).isalnum()]
    return (''.join(combination) for combination in itertools.product(letters, repeat=length))


def with_unique_merges(target_bytes, as_strings):
    document = small_tokenizer()
    pairs = itertools.product(list(letter_strings(2)), repeat=2)
    count = target_bytes // (8 if as_strings else 12)  # "ab cd" or ["ab","cd"], with its comma
    merges = itertools.islice(pairs, count)
    document['model']['merges'] = [' '.join(pair) for pair in merges] if as_strings else [list(pair) for pair in merges]
    return compact(document)


def with_dense_vocabulary(target_bytes):
    document = small_tokenizer()
    vocab = document['model']['vocab']
    printable = [chr(c) for c in range(ord('!'), ord('~') + 1) if chr(c) not in '"\\']
    names = itertools.chain.from_iterable(
        (''.join(letters) for letters in itertools.product(printable, repeat=length)) for length in (1, 2, 3, 4))
    size = len(compact(document).encode())
    while size < target_bytes:
        name = next(names)
        if name not in vocab:
            vocab[name] = len(vocab)
            size += len(name) + len(str(vocab[name])) + 4  # "name":id,
    return compact(document)


def sentencepiece_model(piece_count, piece_type):
    """A BPE ModelProto of one-byte pieces; piece_type 1 (normal) or 4 (user-defined)."""
    pieces = bytearray()
    for index in range(piece_count):
        text = bytes([0x21 + index % 90])
        piece = b'\x0a\x01' + text + (b'' if piece_type == 1 else bytes([0x18, piece_type]))
        pieces += bytes([0x0A, len(piece)]) + piece
    trainer_spec = b'\x12\x02\x18\x02'  # model_type: BPE
    return bytes(pieces) + trainer_spec


def gguf_string_arrays(path, keys):
    """The string-array metadata values named `keys` of a GGUF file (a minimal reader)."""
    with open(path, 'rb') as handle:
        data = handle.read()
    offset = 0

    def take(layout):
        nonlocal offset
        (value,) = struct.unpack_from('<' + layout, data, offset)
        offset += struct.calcsize(layout)
        return value

    def string():
        nonlocal offset
        length = take('Q')
        offset += length
        return data[offset - length:offset].decode('utf-8')

    scalars = {0: 'B', 1: 'b', 2: 'H', 3: 'h', 4: 'I', 5: 'i', 6: 'f', 7: '?', 10: 'Q', 11: 'q', 12: 'd'}

    def value(kind):
        if kind == 8:
            return string()
        if kind == 9:
            inner, count = take('I'), take('Q')
            return [value(inner) for _ in range(count)]
        return take(scalars[kind])

    assert data[:4] == b'GGUF'
    offset = 8
    take('Q')
    found = {}
    for _ in range(take('Q')):
        key = string()
        kind = take('I')
        found[key] = value(kind)
    return [found[key] for key in keys]


def llama3_files(gguf, fixture):
    tokens, merges = gguf_string_arrays(gguf, ['tokenizer.ggml.tokens', 'tokenizer.ggml.merges'])
    with open(fixture, encoding='utf-8') as handle:
        document = json.load(handle)
    vocab = {}
    for index, token in enumerate(tokens):
        vocab.setdefault(token, index)
    document['model']['vocab'] = vocab
    for name, form in [('llama3-strings', merges), ('llama3-pairs', [merge.split(' ', 1) for merge in merges])]:
        document['model']['merges'] = form
        yield name, json.dumps(document, indent=2, ensure_ascii=False)


def main():
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument('output')
    parser.add_argument('--megabytes', type=float, default=10)
    parser.add_argument('--llama3', nargs=2, metavar=('GGUF', 'FIXTURE'))
    arguments = parser.parse_args()
    target = int(arguments.megabytes * 1_000_000)
    os.makedirs(arguments.output, exist_ok=True)
    inputs = {
        'json-merges': with_merges(target, as_strings=False),
        'json-merge-strings': with_merges(target, as_strings=True),
        'json-numbers': with_filler('0', target),
        'json-unread': with_filler('{}', target),
        'json-unique-merges': with_unique_merges(target, as_strings=False),
        'json-unique-merge-strings': with_unique_merges(target, as_strings=True),
        'json-vocab': with_dense_vocabulary(target),
        'json-small': compact(small_tokenizer()),
    }
    if arguments.llama3:
        inputs.update(llama3_files(*arguments.llama3))
    models = {
        'model-bytes': sentencepiece_model(target // 5, 1),
        'model-user-defined': sentencepiece_model(target // 7, 4),
        'model-too-many': sentencepiece_model((1 << 22) + 1, 1),
    }
    for name, text in inputs.items():
        path = os.path.join(arguments.output, f'{name}.json')
        with open(path, 'w', encoding='utf-8') as handle:
            handle.write(text)
        print(f'{path}: {os.path.getsize(path)} bytes')
    for name, data in models.items():
        path = os.path.join(arguments.output, f'{name}.model')
        with open(path, 'wb') as handle:
            handle.write(data)
        print(f'{path}: {os.path.getsize(path)} bytes')


if __name__ == '__main__':
    main()
