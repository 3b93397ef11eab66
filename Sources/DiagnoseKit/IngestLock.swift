#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// An advisory lock beside the index (`<index>.lock`) held while a process ingests, so two
/// `diagnose` processes on one index take turns instead of both inserting the same file rows.
/// The kernel drops it when its holder exits, killed or not. Where the lock file cannot be
/// created (a read-only folder), ingest goes on unlocked: the index itself then decides.
enum IngestLock {
    static func holding<T, E: Error>(indexPath: String, _ body: () throws(E) -> T) throws(E) -> T {
        let fd = open(indexPath + ".lock", O_CREAT | O_RDWR | O_CLOEXEC, 0o644)
        if fd >= 0 {
            while flock(fd, LOCK_EX) != 0 && errno == EINTR {}
        }
        defer { if fd >= 0 { close(fd) } }
        return try body()
    }
}
