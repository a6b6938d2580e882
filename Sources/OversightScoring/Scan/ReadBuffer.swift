#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// A read buffer reused from file to file by one worker (fresh memory per file costs page
/// faults). Grows when one line is longer than it.
final class ReadBuffer {
    private(set) var pointer: UnsafeMutablePointer<UInt8>
    private(set) var capacity: Int

    init(capacity: Int = 1 << 20) {
        self.capacity = capacity
        pointer = .allocate(capacity: capacity)
    }

    deinit { pointer.deallocate() }

    /// Double the capacity, keeping the first `filled` bytes.
    func grow(keeping filled: Int) {
        let bigger = UnsafeMutablePointer<UInt8>.allocate(capacity: capacity * 2)
        bigger.update(from: pointer, count: filled)
        pointer.deallocate()
        pointer = bigger
        capacity *= 2
    }
}
