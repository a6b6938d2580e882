import Foundation

/// A small pool of threads working through numbered items: what the scorer reads its logs
/// with and the synthetic study writes them with.
enum ParallelWork {
    /// Run `body` on items `0..<count`, taken in order by at most `jobs` threads. Each thread
    /// makes its own `local` state once (a read buffer, say) and passes it to every item it takes.
    static func forEach<Local>(count: Int, jobs: Int, local: @Sendable () -> Local,
                                _ body: @Sendable (inout Local, Int) -> Void) {
        let workers = max(1, min(jobs, count))
        let next = Counter()
        DispatchQueue.concurrentPerform(iterations: workers) { _ in
            var state = local()
            while true {
                let i = next.take()
                guard i < count else { return }
                body(&state, i)
            }
        }
    }
}

/// A shared counter handing out work items.
final class Counter: @unchecked Sendable {
    private let lock = NSLock()
    private var value = 0
    func take() -> Int {
        lock.lock()
        defer { lock.unlock() }
        let v = value
        value += 1
        return v
    }
}
