#!/usr/bin/env python3
"""Writes tokenizer.json files of about --megabytes MB (default 10) that make json-c build many small
values, to measure peak memory of loading each (RELIABILITY.md). Standard library only.

  json-merges          a valid GPT-2-style tokenizer whose merges are dense one-letter pairs ["a","b"]
  json-merge-strings   the same merges as "a b" strings
  json-numbers         a valid tokenizer plus a huge array of 0s under a key nobody reads
  json-unread          a valid tokenizer plus a huge array of empty objects under a key nobody reads
  json-small           the valid tokenizer alone (the baseline)

Usage: make-tokenizer-memory-inputs.py OUTPUT_FOLDER [--megabytes N]
Each goes to OUTPUT_FOLDER/<name>.json."""
import argparse
import json
import os


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


def main():
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument('output')
    parser.add_argument('--megabytes', type=float, default=10)
    arguments = parser.parse_args()
    target = int(arguments.megabytes * 1_000_000)
    os.makedirs(arguments.output, exist_ok=True)
    inputs = {
        'json-merges': with_merges(target, as_strings=False),
        'json-merge-strings': with_merges(target, as_strings=True),
        'json-numbers': with_filler('0', target),
        'json-unread': with_filler('{}', target),
        'json-small': compact(small_tokenizer()),
    }
    for name, text in inputs.items():
        path = os.path.join(arguments.output, f'{name}.json')
        with open(path, 'w', encoding='utf-8') as handle:
            handle.write(text)
        print(f'{path}: {os.path.getsize(path)} bytes')


if __name__ == '__main__':
    main()
