/// A max-heap under `isHigher` (the element that should come out first is "higher"). The merge
/// loops need a priority queue whose tie-breaking is fully specified, so ordering is explicit.
struct BinaryHeap<Element> {
    private var items: [Element] = []
    private let isHigher: (Element, Element) -> Bool

    init(isHigher: @escaping (Element, Element) -> Bool) { self.isHigher = isHigher }

    var isEmpty: Bool { items.isEmpty }

    mutating func push(_ element: Element) {
        items.append(element)
        var child = items.count - 1
        while child > 0 {
            let parent = (child - 1) / 2
            guard isHigher(items[child], items[parent]) else { break }
            items.swapAt(child, parent)
            child = parent
        }
    }

    mutating func pop() -> Element? {
        guard !items.isEmpty else { return nil }
        items.swapAt(0, items.count - 1)
        let top = items.removeLast()
        var parent = 0
        while true {
            let left = 2 * parent + 1, right = left + 1
            var best = parent
            if left < items.count && isHigher(items[left], items[best]) { best = left }
            if right < items.count && isHigher(items[right], items[best]) { best = right }
            if best == parent { break }
            items.swapAt(parent, best)
            parent = best
        }
        return top
    }
}

/// A piece of the text being merged: a byte range, linked to its neighbours by index.
struct MergeSymbol {
    var start: Int
    var length: Int
    var previous: Int
    var next: Int
}

/// Splits UTF-8 `bytes` into one symbol per character, judging length from the lead byte only
/// (`unicode_len_utf8` in llama.cpp), so malformed input still yields symbols.
func characterSymbols(_ bytes: ArraySlice<UInt8>) -> [MergeSymbol] {
    var symbols: [MergeSymbol] = []
    var offset = bytes.startIndex
    while offset < bytes.endIndex {
        let lead = bytes[offset]
        let width = lead < 0xC0 ? 1 : lead < 0xE0 ? 2 : lead < 0xF0 ? 3 : 4
        let length = min(width, bytes.endIndex - offset)
        symbols.append(MergeSymbol(start: offset, length: length, previous: symbols.count - 1, next: offset + length == bytes.endIndex ? -1 : symbols.count + 1))
        offset += length
    }
    return symbols
}
