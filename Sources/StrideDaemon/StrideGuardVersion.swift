/// The program's version, stored in run records and shown by `--version`.
public enum StrideGuardVersion {
    /// Semantic version.
    public static let current = "0.1.0"
}
