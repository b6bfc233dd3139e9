import Foundation

/// A per-process scratch file the harnesses write each input to, because the parsers under
/// test read paths, as the daemon and the command line do. It lives in /dev/shm when there
/// is one, so a run of millions of inputs does not wear the disk.
public struct ScratchFile: Sendable {
    /// The file's path.
    public let path: String

    /// A scratch path named after the harness and the process.
    public init(harness: String, suffix: String) {
        var isDirectory: ObjCBool = false
        let folder = FileManager.default.fileExists(atPath: "/dev/shm", isDirectory: &isDirectory) && isDirectory.boolValue
            ? "/dev/shm" : NSTemporaryDirectory()
        path = "\(folder)/strideguard-\(harness)-\(getpid())\(suffix)"
    }

    /// Replaces the file's contents with `bytes` and removes SQLite's side files, so that
    /// nothing from the previous input survives into this one.
    public func write(_ bytes: UnsafeRawBufferPointer) {
        for side in ["-wal", "-shm", "-journal"] { unlink(path + side) }
        let descriptor = open(path, O_WRONLY | O_CREAT | O_TRUNC, 0o600)
        precondition(descriptor >= 0, "cannot create the scratch file \(path)")
        var offset = 0
        while offset < bytes.count {
            let written = Foundation.write(descriptor, bytes.baseAddress! + offset, bytes.count - offset)
            precondition(written > 0, "cannot write the scratch file \(path)")
            offset += written
        }
        close(descriptor)
    }
}

/// The fuzzer's input as a buffer (libFuzzer may pass a null pointer with size 0).
public func fuzzInput(_ data: UnsafePointer<UInt8>?, _ size: Int) -> UnsafeRawBufferPointer {
    guard let data, size > 0 else { return UnsafeRawBufferPointer(start: nil, count: 0) }
    return UnsafeRawBufferPointer(start: data, count: size)
}
