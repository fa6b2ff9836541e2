import Dispatch

/// Keeps results alive so the optimizer cannot drop the work being timed.
nonisolated(unsafe) var sink = 0

@inline(never)
func consume(_ value: Int) { sink &+= value }

func median(_ values: [Double]) -> Double {
    let sorted = values.sorted()
    guard !sorted.isEmpty else { return .nan }
    let middle = sorted.count / 2
    return sorted.count % 2 == 1 ? sorted[middle] : (sorted[middle - 1] + sorted[middle]) / 2
}

func seconds(_ duration: Duration) -> Double {
    let parts = duration.components
    return Double(parts.seconds) + Double(parts.attoseconds) * 1e-18
}

/// One case of an interleaved measurement: `body` runs one operation and returns something to consume.
struct BenchCase {
    let name: String
    let body: () -> Int
}

/// Runs every case for `warmup` operations, then `rounds` rounds in which each case runs `iterations`
/// operations back to back, cases interleaved (A B C A B C ...) so that clock-speed drift and noisy
/// neighbours hit every case alike. Returns each case's operations per second, one value per round.
func measureInterleaved(_ cases: [BenchCase], rounds: Int, iterations: Int, warmup: Int) -> [String: [Double]] {
    let clock = ContinuousClock()
    for item in cases {
        for _ in 0..<warmup { consume(item.body()) }
    }
    var rates: [String: [Double]] = [:]
    for _ in 0..<rounds {
        for item in cases {
            let start = clock.now
            var local = 0
            for _ in 0..<iterations { local &+= item.body() }
            let elapsed = seconds(start.duration(to: clock.now))
            consume(local)
            rates[item.name, default: []].append(Double(iterations) / elapsed)
        }
    }
    return rates
}

/// Operations per second with `threads` threads each running `perThread` operations at once.
func parallelRate(threads: Int, perThread: Int, _ body: @escaping @Sendable () -> Int) -> Double {
    let clock = ContinuousClock()
    let start = clock.now
    DispatchQueue.concurrentPerform(iterations: threads) { _ in
        var local = 0
        for _ in 0..<perThread { local &+= body() }
        if local == Int.min { print("") }  // never true; keeps `local` alive
    }
    return Double(threads * perThread) / seconds(start.duration(to: clock.now))
}

func formatRate(_ value: Double) -> String {
    let rounded = Int(value.rounded())
    var digits = String(rounded)
    var result = ""
    while digits.count > 3 {
        result = "," + digits.suffix(3) + result
        digits.removeLast(3)
    }
    return digits + result
}

func percent(_ ratio: Double) -> String {
    String(Int((ratio * 100).rounded())) + "%"
}
