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
private struct MergeSymbol {
    var start: Int
    var length: Int
    var previous: Int
    var next: Int
}

/// Splits UTF-8 `bytes` into one symbol per character, judging length from the lead byte only
/// (`unicode_len_utf8` in llama.cpp), so malformed input still yields symbols.
private func characterSymbols(_ bytes: ArraySlice<UInt8>) -> [MergeSymbol] {
    var symbols: [MergeSymbol] = []
    var offset = bytes.startIndex
    while offset < bytes.endIndex {
        let lead = bytes[offset]
        let width = lead < 0xC0 ? 1 : lead < 0xE0 ? 2 : lead < 0xF0 ? 3 : 4
        let length = min(width, bytes.endIndex - offset)
        symbols.append(
            MergeSymbol(
                start: offset, length: length, previous: symbols.count - 1, next: offset + length == bytes.endIndex ? -1 : symbols.count + 1
            ))
        offset += length
    }
    return symbols
}

/// The merge loop both BPE flavours share: start from one symbol per character of `text`, and
/// repeatedly join the adjacent pair with the highest `priority` (nil: the pair never merges;
/// ties go to the leftmost pair) until no pair is left. Returns the final pieces in order.
func mergeAdjacentSymbols(_ text: ArraySlice<UInt8>, priority: (Range<Int>, Range<Int>) -> Float?) -> [Range<Int>] {
    struct Candidate {
        var left: Int
        var right: Int
        var priority: Float
        var length: Int
    }
    var symbols = characterSymbols(text)
    var queue = BinaryHeap<Candidate> { a, b in a.priority > b.priority || (a.priority == b.priority && a.left < b.left) }
    func consider(_ left: Int, _ right: Int) {
        guard left >= 0, right >= 0 else { return }
        let l = symbols[left], r = symbols[right]
        guard let value = priority(l.start..<l.start + l.length, r.start..<r.start + r.length) else { return }
        queue.push(Candidate(left: left, right: right, priority: value, length: l.length + r.length))
    }
    for index in 1..<max(symbols.count, 1) { consider(index - 1, index) }
    while let candidate = queue.pop() {
        let left = symbols[candidate.left], right = symbols[candidate.right]
        // Stale entry: a side was merged into something else since it was queued.
        if left.length == 0 || right.length == 0 || left.length + right.length != candidate.length { continue }
        symbols[candidate.left].length += right.length
        symbols[candidate.right].length = 0
        symbols[candidate.left].next = right.next
        if right.next >= 0 { symbols[right.next].previous = candidate.left }
        consider(symbols[candidate.left].previous, candidate.left)
        consider(candidate.left, symbols[candidate.left].next)
    }
    return symbols.filter { $0.length > 0 }.map { $0.start..<$0.start + $0.length }
}
