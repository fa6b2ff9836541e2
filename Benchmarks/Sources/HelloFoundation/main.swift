import Foundation

// Cold-start yardstick for `greenlane verify`: the cost of starting any Swift program that loads Foundation.
print("hello \(ProcessInfo.processInfo.processIdentifier > 0 ? "world" : "")")
