import Foundation

/// A small, fast, seedable generator (SplitMix64). Every random choice the app makes (question
/// sampling, the simulated assistant, the scorer's bootstrap) goes through one of these, so the
/// same seed gives the same study on every machine and every Swift version.
public struct SeededRandom: RandomNumberGenerator, Sendable {
    private var state: UInt64

    public init(seed: UInt64) { state = seed }

    /// Derive a generator from a seed and a label, so independent streams do not overlap.
    public init(seed: UInt64, label: String) {
        var h: UInt64 = 0xcbf2_9ce4_8422_2325
        for b in label.utf8 {
            h ^= UInt64(b)
            h = h &* 0x0000_0100_0000_01b3
        }
        state = seed ^ h
    }

    public mutating func next() -> UInt64 {
        state &+= 0x9e37_79b9_7f4a_7c15
        var z = state
        z = (z ^ (z >> 30)) &* 0xbf58_476d_1ce4_e5b9
        z = (z ^ (z >> 27)) &* 0x94d0_49bb_1331_11eb
        return z ^ (z >> 31)
    }

    /// Uniform integer in 0..<n without modulo bias (0 when n <= 1).
    public mutating func below(_ n: Int) -> Int {
        guard n > 1 else { return 0 }
        let bound = UInt64(n)
        let limit = UInt64.max - UInt64.max % bound
        while true {
            let x = next()
            if x < limit { return Int(x % bound) }
        }
    }

    /// Uniform double in [0, 1).
    public mutating func unit() -> Double { Double(next() >> 11) * 0x1.0p-53 }

    /// Standard normal draw (Box-Muller from two uniforms, the first taken in (0, 1]).
    public mutating func normal() -> Double {
        let u1 = 1 - unit(), u2 = unit()
        return (-2 * Foundation.log(u1)).squareRoot() * cos(2 * Double.pi * u2)
    }

    /// Fisher-Yates shuffle, deterministic for a given state.
    public mutating func shuffle<T>(_ array: inout [T]) {
        guard array.count > 1 else { return }
        for i in stride(from: array.count - 1, to: 0, by: -1) {
            let j = below(i + 1)
            if i != j { array.swapAt(i, j) }
        }
    }
}
